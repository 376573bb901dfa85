"""factory_boy factories for care plans and their parts (for tests that need data, not a journey)."""

from __future__ import annotations

import factory

from carehouse.careplans.models import Action, CarePlan, ContingencyPlan, Goal, Need, PreparationPack, Strength
from carehouse.people.tests.factories import PersonFactory


class CarePlanFactory(factory.django.DjangoModelFactory[CarePlan]):
    class Meta:
        model = CarePlan

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SelfAttribute("person.registered_practice")


class StrengthFactory(factory.django.DjangoModelFactory[Strength]):
    class Meta:
        model = Strength

    plan = factory.SubFactory(CarePlanFactory)
    text = "Loves gardening"


class NeedFactory(factory.django.DjangoModelFactory[Need]):
    class Meta:
        model = Need

    plan = factory.SubFactory(CarePlanFactory)
    text = "Breathless on stairs"


class GoalFactory(factory.django.DjangoModelFactory[Goal]):
    class Meta:
        model = Goal

    plan = factory.SubFactory(CarePlanFactory)
    text = "Walk to the park with my grandson"
    importance = 8


class ActionFactory(factory.django.DjangoModelFactory[Action]):
    class Meta:
        model = Action

    goal = factory.SubFactory(GoalFactory)
    what = "Walk to the end of the road every morning"
    confidence = 7


class ContingencyPlanFactory(factory.django.DjangoModelFactory[ContingencyPlan]):
    class Meta:
        model = ContingencyPlan

    plan = factory.SubFactory(CarePlanFactory)
    triggers = ["A chest infection"]
    what_to_do = "Start the rescue pack and call the practice"


class PreparationPackFactory(factory.django.DjangoModelFactory[PreparationPack]):
    class Meta:
        model = PreparationPack

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SelfAttribute("person.registered_practice")
    prompts = ["What would you like to talk about at your appointment?"]
    answers = [""]
