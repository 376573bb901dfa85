"""Templates for common pathways, chosen when a plan starts.

A template only offers prompts and suggestions: prompts for the preparation pack and the
conversation, the results usually shared beforehand, and goals people often choose. It never
writes anything into the plan; the person's goals are typed in their own words.

The mental health recovery template follows the three stages in the Stockport case study of
NHS England's handbook: emotional support, aspirations, then the barriers in the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlanTemplate:
    key: str
    name: str
    description: str
    preparation_prompts: tuple[str, ...]
    conversation_prompts: tuple[str, ...]
    suggested_results: tuple[str, ...] = ()
    suggested_goals: tuple[str, ...] = ()
    stages: tuple[str, ...] = field(default=())


#: Prompts every preparation pack starts from (Year of Care agenda setting).
COMMON_PREPARATION_PROMPTS = (
    "What would you like to talk about at your appointment?",
    "What is going well for you at the moment?",
    "What is not going so well, or worries you?",
    "Is there anything you would like to change, or try?",
)

TEMPLATES: dict[str, PlanTemplate] = {
    t.key: t
    for t in (
        PlanTemplate(
            key="general",
            name="General long-term conditions",
            description="For anyone living with one or more long-term conditions.",
            preparation_prompts=COMMON_PREPARATION_PROMPTS,
            conversation_prompts=(
                "What matters most to you in your life right now?",
                "How do your conditions affect the things you want to do?",
                "What support do you already have, from people or services?",
            ),
        ),
        PlanTemplate(
            key="diabetes",
            name="Diabetes",
            description="Year of Care for type 1 and type 2 diabetes: results shared before the conversation.",
            preparation_prompts=(
                *COMMON_PREPARATION_PROMPTS,
                "Looking at your results, is there anything you would like to ask about?",
                "How are you getting on with your medicines, food and activity?",
            ),
            conversation_prompts=(
                "What do the results mean to the person, in their words?",
                "Foot check, eye screening and kidney results: any questions?",
                "What would the person like to do about their blood sugar, weight or activity, if anything?",
            ),
            suggested_results=(
                "HbA1c",
                "Blood pressure",
                "Cholesterol",
                "eGFR (kidney function)",
                "Weight",
                "Foot risk",
            ),
            suggested_goals=(
                "Be more active in a way I enjoy",
                "Feel more confident about managing my blood sugar",
                "Eat in a way that suits me and my family",
                "Stop smoking",
            ),
        ),
        PlanTemplate(
            key="copd",
            name="COPD",
            description="Chronic obstructive pulmonary disease: breathlessness, flare-ups and keeping active.",
            preparation_prompts=(
                *COMMON_PREPARATION_PROMPTS,
                "How has your breathing been, and what makes it better or worse?",
                "What would you do if you had a flare-up?",
            ),
            conversation_prompts=(
                "Rescue pack and what to do in a flare-up (a contingency plan)",
                "Pulmonary rehabilitation: has the person been offered it, and would they like it?",
                "Inhaler technique and vaccinations",
            ),
            suggested_results=("Spirometry (FEV1)", "MRC breathlessness score", "Oxygen saturation", "Smoking status"),
            suggested_goals=(
                "Walk further without getting out of breath",
                "Know what to do if my breathing gets worse",
                "Get out of the house more",
            ),
        ),
        PlanTemplate(
            key="frailty",
            name="Frailty",
            description="Moderate or severe frailty: staying well and independent at home.",
            preparation_prompts=(
                *COMMON_PREPARATION_PROMPTS,
                "Have you had any falls, or do you worry about falling?",
                "Who helps you at home, and is that working?",
            ),
            conversation_prompts=(
                "Falls, medicines review, continence, memory and mood",
                "Carers: are they supported, and do they need a carer's assessment?",
                "What should happen in a crisis, and who should be called (a contingency plan)",
            ),
            suggested_results=("Electronic frailty index", "Falls in the last year", "Medicines count"),
            suggested_goals=(
                "Stay living in my own home",
                "Feel steady on my feet",
                "See friends or family more often",
            ),
        ),
        PlanTemplate(
            key="mental_health_recovery",
            name="Mental health recovery",
            description=(
                "Three stages, as in Stockport: emotional support first, then aspirations, then the "
                "barriers in the way."
            ),
            preparation_prompts=(
                *COMMON_PREPARATION_PROMPTS,
                "What helps you when you are struggling?",
                "What would you like your life to look like in a year?",
            ),
            conversation_prompts=(
                "Stage 1, emotional support: what does the person need to feel safe and supported now?",
                "Stage 2, aspirations: what does the person hope for?",
                "Stage 3, barriers: what gets in the way, and what would help?",
            ),
            suggested_goals=(
                "Feel less alone",
                "Get back into work, study or volunteering",
                "Sleep better",
            ),
            stages=("Emotional support", "Aspirations", "Barriers"),
        ),
    )
}


def template_for(key: str) -> PlanTemplate | None:
    return TEMPLATES.get(key)


def template_choices() -> list[tuple[str, str]]:
    return [(t.key, t.name) for t in TEMPLATES.values()]
