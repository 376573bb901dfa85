"""The scoped-query check: views and API modules must not query personal-data models directly."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PERSONAL = {"Person", "PersonalContact", "CareTeamMember", "Consent"}


def _load_checker() -> ModuleType:
    name = "lint_scoped_queries"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "lint_scoped_queries.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


lint = _load_checker()


def check(source: str) -> list[tuple[int, str]]:
    problems = lint.check_source(textwrap.dedent(source).lstrip("\n"), "carehouse/people/views.py", PERSONAL)
    assert all(p.path == "carehouse/people/views.py" for p in problems)
    return [(p.line, p.message) for p in problems]


def lines(source: str) -> list[int]:
    return [line for line, _ in check(source)]


# -- violations, with their line numbers --------------------------------------------------


def test_objects_on_a_personal_model_is_reported_on_its_line():
    problems = check(
        """
        from carehouse.people.models import Person


        def person_list(request):
            return Person.objects.all()
        """
    )
    assert problems == [(5, problems[0][1])]
    message = problems[0][1]
    assert message.startswith("Person.objects: unscoped query of personal-data model Person")
    assert "selectors" in message and "# scoped-query: allow <reason>" in message


def test_problems_render_as_file_line_message():
    [problem] = lint.check_source("Consent.objects.all()\n", "carehouse/x/api.py", PERSONAL)
    assert str(problem) == f"carehouse/x/api.py:1: {problem.message}"


def test_every_personal_model_and_every_manager_is_caught():
    assert lines(
        """
        from carehouse.people.models import CareTeamMember, Consent, Person, PersonalContact

        Person.objects.filter(pk=1)
        PersonalContact._default_manager.all()
        CareTeamMember._base_manager.all()
        Consent.objects.active()
        Person._meta.default_manager.all()
        Person._meta.base_manager.all()
        """
    ) == [3, 4, 5, 6, 7, 8]


def test_get_object_or_404_and_get_list_or_404_on_a_personal_model():
    assert lines(
        """
        from django import shortcuts
        from django.shortcuts import get_list_or_404, get_object_or_404
        from carehouse.people.models import Consent, Person


        def detail(request, pk):
            person = get_object_or_404(Person, pk=pk)
            consents = get_list_or_404(Consent, person=person)
            again = shortcuts.get_object_or_404(klass=Person, pk=pk)
            return person, consents, again
        """
    ) == [7, 8, 9]


def test_get_object_or_404_on_a_personal_queryset_is_reported_once():
    problems = check(
        """
        from django.shortcuts import get_object_or_404
        from carehouse.people.models import Person

        get_object_or_404(Person.objects.select_related("registered_practice"), pk=1)
        """
    )
    assert [line for line, _ in problems] == [4]
    assert problems[0][1].startswith("Person.objects:")


def test_aliases_of_personal_models_are_followed():
    problems = check(
        """
        from django.apps import apps
        from django.shortcuts import get_object_or_404 as fetch
        from carehouse.people import models
        from carehouse.people import models as people_models
        from carehouse.people.models import Person as P


        def view(request, pk):
            P.objects.all()
            fetch(P, pk=pk)
            models.Consent.objects.all()
            people_models.CareTeamMember._default_manager.all()
            model = P
            other = model
            other.objects.all()
            getattr(P, "objects")
            apps.get_model("people", "PersonalContact").objects.all()
            apps.get_model("people.Person")._default_manager.all()
        """
    )
    assert [line for line, _ in problems] == [9, 10, 11, 12, 15, 16, 17, 18]
    by_line = dict(problems)
    assert by_line[9].startswith("P.objects: unscoped query of personal-data model Person")
    assert by_line[10].startswith("fetch(P, ...): unscoped read of personal-data model Person")
    assert "model Consent" in by_line[11]
    assert "model CareTeamMember" in by_line[12]
    assert by_line[15].startswith("other.objects:") and "model Person" in by_line[15]
    assert "model PersonalContact" in by_line[17]


def test_imports_inside_functions_count_too():
    assert lines(
        """
        def view(request):
            from carehouse.people.models import Person as Someone

            return Someone.objects.count()
        """
    ) == [4]


def test_a_queryset_built_by_hand_is_caught():
    assert lines(
        """
        from carehouse.people.models import Person, PersonQuerySet

        PersonQuerySet(Person).all()
        PersonQuerySet(model=Person).all()
        """
    ) == [3, 4]


def test_multi_line_chains_report_the_line_the_model_is_on():
    assert lines(
        """
        from carehouse.people.models import Person

        people = (
            Person
            .objects
            .filter(family_name="Smith")
        )
        """
    ) == [4]


# -- allowed usages -----------------------------------------------------------------------


def test_type_hints_constants_and_other_models_are_fine():
    assert (
        check(
            """
            from __future__ import annotations

            from django.shortcuts import get_object_or_404
            from carehouse.core.models import ApiToken, Organisation
            from carehouse.people import selectors
            from carehouse.people.models import ConsentPurpose, Person, PersonQuerySet


            def detail(request, pk: int) -> Person:
                person: Person = selectors.get_person(request.actor, pk)
                assert isinstance(person, Person)
                label = Person._meta.get_field("nhs_number").verbose_name
                purposes = [ConsentPurpose.DIRECT_CARE, ConsentPurpose.CARE_PLANNING]
                organisations = Organisation.objects.filter(ods_code__in=["Y10001"])
                token = get_object_or_404(ApiToken, pk=pk)
                try:
                    raise Person.DoesNotExist
                except Person.DoesNotExist:
                    pass
                people: PersonQuerySet = selectors.visible_people(request.actor)
                return person.consents.all(), people, label, purposes, organisations, token
            """
        )
        == []
    )


def test_a_name_rebound_to_something_else_is_not_a_personal_model():
    assert check("from carehouse.directory.models import Service as Person\n\nPerson.objects.all()\n") == []


def test_text_in_strings_and_docstrings_is_not_code():
    assert check('"""Never use Person.objects here."""\n\nHINT = "Person.objects.all()"\n') == []


# -- the opt-out comment ------------------------------------------------------------------


def test_opt_out_comment_with_a_reason_allows_the_line():
    assert (
        check(
            """
            from django.shortcuts import get_object_or_404
            from carehouse.people.models import Person

            total = Person.objects.count()  # scoped-query: allow a bare count, no personal data leaves
            person = get_object_or_404(Person, pk=1)  # scoped-query: allow reviewed in #42
            """
        )
        == []
    )


def test_opt_out_comment_only_covers_its_own_line():
    assert lines(
        """
        from carehouse.people.models import Person

        total = Person.objects.count()  # scoped-query: allow a bare count
        everyone = Person.objects.all()
        """
    ) == [4]


def test_opt_out_comment_inside_a_multi_line_expression():
    assert (
        check(
            """
            from carehouse.people.models import Person

            people = (
                Person.objects  # scoped-query: allow reviewed: system-wide count for the health check
                .count()
            )
            """
        )
        == []
    )


def test_opt_out_comment_needs_a_reason():
    problems = check(
        """
        from carehouse.people.models import Person

        everyone = Person.objects.all()  # scoped-query: allow
        """
    )
    assert [line for line, _ in problems] == [3]
    assert "needs a reason" in problems[0][1]


def test_an_opt_out_with_nothing_to_allow_is_reported():
    problems = check(
        """
        from carehouse.core.models import Organisation

        everyone = Organisation.objects.all()  # scoped-query: allow not needed
        """
    )
    assert [line for line, _ in problems] == [3]
    assert "no unscoped query" in problems[0][1]


def test_opt_out_text_inside_a_string_does_not_count():
    assert lines(
        """
        from carehouse.people.models import Person

        everyone = Person.objects.filter(notes="# scoped-query: allow x")
        """
    ) == [3]


def test_a_file_that_does_not_parse_is_a_problem():
    [problem] = lint.check_source("def broken(:\n", "carehouse/x/views.py", PERSONAL)
    assert problem.line == 1 and "cannot parse" in problem.message


# -- which files are checked; the command --------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "checked"),
    [
        ("people/views.py", True),
        ("people/api.py", True),
        ("core/views/admin.py", True),
        ("core/views/__init__.py", True),
        ("plans/api/endpoints.py", True),
        ("plans/api/v2/things.py", True),
        ("people/selectors.py", False),
        ("people/services.py", False),
        ("people/models.py", False),
        ("people/tests/test_api.py", False),
        ("people/views.txt", False),
    ],
)
def test_view_and_api_modules_are_recognised(tmp_path, relative, checked):
    assert lint.is_view_or_api_module(tmp_path / "carehouse" / relative, tmp_path / "carehouse") is checked


def test_main_reports_problems_with_file_and_line_and_exits_1(tmp_path, capsys):
    views = tmp_path / "carehouse" / "things" / "views"
    views.mkdir(parents=True)
    (views / "pages.py").write_text(
        "from carehouse.people.models import Consent\n\n\ndef page(request):\n    return Consent.objects.all()\n"
    )
    (tmp_path / "carehouse" / "things" / "services.py").write_text("Consent.objects.all()\n")  # not a view module

    assert lint.main([str(tmp_path / "carehouse")]) == 1
    output = capsys.readouterr().out.splitlines()
    assert output[0].startswith(f"{views / 'pages.py'}:5: Consent.objects: unscoped query")
    assert output[-1].startswith("Scoped-query check failed: 1 problem(s) in 1 of 1 view/API module(s)")


def test_the_personal_data_models_are_discovered_from_django():
    assert lint.discover_personal_models() >= PERSONAL


def test_the_real_codebase_passes(capsys):
    modules = lint.view_and_api_modules()
    relative = {str(path.relative_to(ROOT)) for path in modules}
    assert {"carehouse/people/api.py", "carehouse/people/views.py", "carehouse/core/api.py"} <= relative
    assert any(name.startswith("carehouse/core/views/") for name in relative)

    assert lint.check_files(modules, lint.discover_personal_models()) == []
    assert lint.main([]) == 0
    [summary] = capsys.readouterr().out.splitlines()
    assert summary.startswith("Scoped-query check OK:")
