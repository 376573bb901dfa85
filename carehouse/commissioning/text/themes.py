"""Themes in what people say matters to them, for needs analysis.

People's "what matters to me" statements and goals are free text. Commissioners need them grouped
into the themes they plan and buy services around in social prescribing and personalised care.
``THEMES`` is that fixed list; each theme has a plain-English label, example phrases (the anchors
a text is compared with when sentence embeddings are available) and keywords (used when they are
not).

``assign_themes(texts)`` gives each text one theme, or ``"other"`` when none fits well enough,
and says which method decided it. Counts by theme still go through disclosure control before a
commissioner sees them.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from carehouse.commissioning.text import embeddings

Method = Literal["auto", "embedding", "keywords"]
UsedMethod = Literal["embedding", "keywords"]

OTHER = "other"
OTHER_LABEL = "Other or unclear"

# Calibrated on the labelled sentences in tests/test_themes.py: texts that belong to a theme
# scored at least 0.28 with their best theme (lowest: "Learn how to use the internet on my
# tablet"), unrelated texts (weather, football, printers) at most 0.23. Below this, "other".
EMBEDDING_THRESHOLD = 0.25


@dataclass(frozen=True)
class Theme:
    """One theme commissioners recognise, with what it is matched on."""

    code: str
    label: str
    description: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...]

    @property
    def anchors(self) -> tuple[str, ...]:
        """The sentences a text's embedding is compared with: the description and the examples."""
        return (self.description, *self.examples)


THEMES: tuple[Theme, ...] = (
    Theme(
        code="loneliness",
        label="Loneliness and social contact",
        description="Feeling lonely or isolated and wanting more company, friends and social contact.",
        examples=(
            "I feel lonely and isolated",
            "I would like to meet new people and make friends",
            "I don't see anyone from one week to the next",
            "I want some company and someone to talk to",
            "joining a social group, lunch club or coffee morning",
            "since I was widowed I have nobody to talk to",
            "I'm on my own all day and never see a soul",
        ),
        keywords=(
            "lonely",
            "loneliness",
            "isolated",
            "isolation",
            "friend",
            "friendship",
            "company",
            "social",
            "socialise",
            "socialize",
            "meet people",
            "meet new people",
            "befriending",
            "befriender",
            "coffee morning",
            "lunch club",
            "someone to talk to",
            "nobody to talk to",
            "no one to talk to",
            "on my own",
            "people around",
        ),
    ),
    Theme(
        code="physical_activity",
        label="Physical activity and mobility",
        description="Being more physically active, exercising, walking further and moving more easily.",
        examples=(
            "I want to be more active and do more exercise",
            "walking further without getting out of breath",
            "getting fitter and stronger",
            "going swimming, dancing or to the gym",
            "improving my balance and how well I can move about",
        ),
        keywords=(
            "exercise",
            "exercising",
            "active",
            "activity",
            "walk",
            "gym",
            "swim",
            "swimming",
            "fitness",
            "fitter",
            "fit",
            "strength",
            "stronger",
            "balance",
            "mobility",
            "dance",
            "dancing",
            "yoga",
            "sport",
            "physio",
            "cycling",
            "bike",
        ),
    ),
    Theme(
        code="mental_wellbeing",
        label="Mental wellbeing",
        description="Mental health and emotional wellbeing: anxiety, low mood, stress, confidence and sleep.",
        examples=(
            "I feel anxious and low most of the time",
            "coping better with stress and worry",
            "I want to feel happier and more confident in myself",
            "sleeping better and feeling less down",
            "getting support for my depression",
        ),
        keywords=(
            "anxiety",
            "anxious",
            "depressed",
            "depression",
            "stress",
            "stressed",
            "worry",
            "worried",
            "mood",
            "confidence",
            "confident",
            "self esteem",
            "mental health",
            "panic",
            "sleep",
            "happier",
            "calmer",
            "wellbeing",
            "feeling down",
            "nerve",
            "frightened",
            "scared",
            "bereavement",
            "grief",
        ),
    ),
    Theme(
        code="money",
        label="Money, debt and benefits",
        description="Money worries: debts, bills, benefits, budgeting and the cost of living.",
        examples=(
            "getting help with my debts and paying the bills",
            "claiming the benefits I am entitled to",
            "managing my money better",
            "I can't afford to heat my home and buy food",
            "help filling in a Personal Independence Payment form",
            "I'm behind with my rent and council tax",
            "I run out of money before the end of the month",
            "letters about money I owe frighten me",
        ),
        keywords=(
            "money",
            "debt",
            "bill",
            "benefit",
            "pip",
            "universal credit",
            "attendance allowance",
            "afford",
            "budget",
            "budgeting",
            "finance",
            "financial",
            "pension",
            "arrears",
            "cost of living",
            "food bank",
            "income",
            "council tax",
            "enough money",
            "owe",
            "rent",
        ),
    ),
    Theme(
        code="housing",
        label="Housing",
        description="Housing problems: the condition of the home, the landlord, repairs, damp, moving or homelessness.",
        examples=(
            "problems with my landlord and my tenancy",
            "my flat is damp and cold",
            "I need to move to somewhere more suitable to live",
            "worried about being evicted or becoming homeless",
            "getting repairs done to my home",
            "my home is not suitable for me any more",
            "I have nowhere settled to live and stay with friends or family",
            "I need rehousing to a bungalow or ground floor flat",
        ),
        keywords=(
            "housing",
            "landlord",
            "damp",
            "mould",
            "mold",
            "evict",
            "evicted",
            "eviction",
            "homeless",
            "homelessness",
            "tenancy",
            "tenant",
            "accommodation",
            "repair",
            "rehoused",
            "housing association",
            "flat",
            "bungalow",
            "rehousing",
            "sofa surfing",
            "nowhere to live",
        ),
    ),
    Theme(
        code="long_term_condition",
        label="Managing a long-term condition",
        description="Understanding and managing a long-term health condition, its symptoms and medicines.",
        examples=(
            "understanding and managing my diabetes",
            "keeping my blood pressure under control",
            "managing my breathing with COPD",
            "coping with pain and tiredness from my arthritis",
            "knowing what my medicines are for and taking them properly",
            "getting my sugar levels and HbA1c down",
            "living well with heart failure or after a heart attack",
            "fewer chest infections and hospital admissions",
        ),
        keywords=(
            "diabetes",
            "diabetic",
            "blood sugar",
            "blood pressure",
            "copd",
            "asthma",
            "breathing",
            "breathless",
            "pain",
            "arthritis",
            "heart",
            "medication",
            "medicine",
            "condition",
            "symptom",
            "fatigue",
            "inhaler",
            "insulin",
            "dementia",
            "parkinson",
            "stroke",
            "sugar level",
            "hba1c",
            "heart failure",
            "chest infection",
            "lung",
            "epilepsy",
        ),
    ),
    Theme(
        code="diet_weight",
        label="Diet and weight",
        description="Eating well, cooking healthy meals and losing or managing weight.",
        examples=(
            "I want to lose weight",
            "eating more healthily",
            "learning to cook healthy meals",
            "cutting down on sugar, snacks and takeaways",
            "getting to a healthy weight",
        ),
        keywords=(
            "weight",
            "diet",
            "eat",
            "eating",
            "food",
            "cook",
            "cooking",
            "meal",
            "slimming",
            "sugar",
            "nutrition",
            "takeaway",
            "snack",
            "healthy eating",
            "lose weight",
            "stone",
            "vegetable",
            "fruit",
            "ready meal",
        ),
    ),
    Theme(
        code="caring",
        label="Caring responsibilities",
        description="Looking after someone else as an unpaid carer and needing support or a break.",
        examples=(
            "I look after my husband who has dementia",
            "I need a break from caring for my mum",
            "support for me as an unpaid carer",
            "respite so I can have some time for myself",
            "worried about who would look after my son if I was ill",
            "someone to sit with my wife so I can have a few hours off",
            "I care for my dad day and night",
        ),
        keywords=(
            "carer",
            "caring",
            "look after",
            "looking after",
            "respite",
            "cared for",
            "caring role",
            "sit with",
            "care for",
        ),
    ),
    Theme(
        code="work_learning",
        label="Work, volunteering and learning",
        description="Getting into work, volunteering, learning new skills or going on a course.",
        examples=(
            "getting back into work",
            "finding some volunteering I can do",
            "learning a new skill or going to college",
            "doing a computer class",
            "finding a job that fits around my health",
        ),
        keywords=(
            "work",
            "job",
            "employment",
            "employer",
            "volunteer",
            "volunteering",
            "learn",
            "learning",
            "course",
            "college",
            "class",
            "skill",
            "training",
            "qualification",
            "career",
            "apprenticeship",
            "help out",
            "charity shop",
            "computer",
            "internet",
        ),
    ),
    Theme(
        code="getting_out",
        label="Getting out and transport",
        description="Getting out and about: transport, buses, lifts and reaching the shops or appointments.",
        examples=(
            "I can't get to the shops or to my appointments",
            "help with transport because I can't use the bus",
            "I can't drive any more and need a way to get about",
            "a lift to my hospital appointments",
            "getting out and about in my local area",
        ),
        keywords=(
            "transport",
            "bus",
            "buses",
            "bus pass",
            "drive",
            "driving",
            "lift",
            "taxi",
            "travel",
            "get out",
            "getting out",
            "go out",
            "going out",
            "out and about",
            "dial a ride",
        ),
    ),
    Theme(
        code="family",
        label="Family and relationships",
        description="Family life and relationships: partner, children, grandchildren and getting on with others.",
        examples=(
            "spending more time with my grandchildren",
            "getting on better with my partner",
            "being a good parent to my children",
            "seeing my family more often",
            "sorting out problems in my relationship",
            "being there for my grandchildren as they grow up",
        ),
        keywords=(
            "family",
            "grandchildren",
            "grandchild",
            "grandkids",
            "children",
            "kids",
            "son",
            "daughter",
            "partner",
            "wife",
            "husband",
            "marriage",
            "relationship",
            "parent",
            "parenting",
            "grandson",
            "granddaughter",
            "grandparent",
            "mum",
            "dad",
        ),
    ),
    Theme(
        code="independence",
        label="Independence at home",
        description="Staying independent and safe at home: everyday tasks, falls, equipment and adaptations.",
        examples=(
            "staying in my own home for as long as I can",
            "managing washing and dressing by myself",
            "not falling over at home",
            "help with cleaning and jobs around the house",
            "equipment like a stair lift or grab rails",
        ),
        keywords=(
            "independent",
            "independence",
            "own home",
            "fall",
            "falls",
            "falling",
            "stairs",
            "stair lift",
            "adaptation",
            "grab rail",
            "washing",
            "dressing",
            "bathing",
            "cleaning",
            "housework",
            "chores",
            "home help",
        ),
    ),
)

THEMES_BY_CODE: dict[str, Theme] = {theme.code: theme for theme in THEMES}


@dataclass(frozen=True)
class ThemeMatch:
    """The theme given to one text, how it was decided and how strongly it matched.

    ``score`` is the cosine similarity (embedding) or the keyword score (keywords: 2 for each
    phrase of two or more words, 1 for each single word); ``matched`` lists the keywords found.
    """

    text: str
    theme: str
    label: str
    method: UsedMethod
    score: float
    matched: tuple[str, ...] = ()


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _stem(word: str) -> str:
    """A light stem so that plurals and -ing/-ed forms match their keyword ("walks", "walking" -> "walk")."""
    word = word.removesuffix("'s").replace("'", "")
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) >= 7 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) >= 6 and word.endswith("ed"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def _stems(text: str) -> list[str]:
    return [_stem(word) for word in _WORD.findall(text.lower().replace("\u2019", "'").replace("-", " "))]


@functools.cache
def _keyword_stems() -> tuple[tuple[Theme, tuple[tuple[str, tuple[str, ...]], ...]], ...]:
    return tuple((theme, tuple((keyword, tuple(_stems(keyword))) for keyword in theme.keywords)) for theme in THEMES)


def _contains(words: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return any(tuple(words[i : i + n]) == tuple(phrase) for i in range(len(words) - n + 1))


def _by_keywords(text: str) -> ThemeMatch:
    words = _stems(text)
    best: tuple[Theme, float, tuple[str, ...]] | None = None
    for theme, keywords in _keyword_stems():
        found = tuple(keyword for keyword, stems in keywords if stems and _contains(words, stems))
        if not found:
            continue
        score = float(sum(2 if " " in keyword else 1 for keyword in found))
        if best is None or score > best[1]:  # ties go to the theme listed first
            best = (theme, score, found)
    if best is None:
        return ThemeMatch(text=text, theme=OTHER, label=OTHER_LABEL, method="keywords", score=0.0)
    theme, score, found = best
    return ThemeMatch(text=text, theme=theme.code, label=theme.label, method="keywords", score=score, matched=found)


@functools.cache
def _anchor_vectors() -> tuple[tuple[int, ...], embeddings.Matrix]:
    """Each anchor sentence's embedding, with the index of its theme in ``THEMES``."""
    owners: list[int] = []
    sentences: list[str] = []
    for index, theme in enumerate(THEMES):
        for anchor in theme.anchors:
            owners.append(index)
            sentences.append(anchor)
    return tuple(owners), embeddings.embed(sentences)


def theme_scores(texts: Sequence[str]) -> embeddings.Matrix:
    """For each text, its best cosine similarity to each theme's anchors (n texts x themes)."""
    owners, anchors = _anchor_vectors()
    similarity = embeddings.cosine(embeddings.embed(texts), anchors)
    scores = np.full((len(texts), len(THEMES)), -1.0, dtype=np.float32)
    for column, owner in enumerate(owners):
        np.maximum(scores[:, owner], similarity[:, column], out=scores[:, owner])
    return scores


def _by_embedding(texts: Sequence[str], threshold: float) -> list[ThemeMatch]:
    if not texts:
        return []
    scores = theme_scores(texts)
    matches = []
    for text, row in zip(texts, scores, strict=True):
        best = int(np.argmax(row))
        score = float(row[best])
        if score < threshold or not text.strip():
            matches.append(ThemeMatch(text=text, theme=OTHER, label=OTHER_LABEL, method="embedding", score=score))
        else:
            theme = THEMES[best]
            matches.append(ThemeMatch(text=text, theme=theme.code, label=theme.label, method="embedding", score=score))
    return matches


def assign_themes(
    texts: Sequence[str], method: Method = "auto", threshold: float = EMBEDDING_THRESHOLD
) -> list[ThemeMatch]:
    """One ``ThemeMatch`` per text, in order.

    ``auto`` uses sentence embeddings when the model is installed and keywords when it is not;
    ``embedding`` insists on the model (``RuntimeError`` if missing); ``keywords`` never uses it.
    """
    if isinstance(texts, str):
        raise TypeError("assign_themes() takes a sequence of texts, not one string")
    if method not in ("auto", "embedding", "keywords"):
        raise ValueError(f"Unknown method {method!r}: use 'auto', 'embedding' or 'keywords'")
    use_embedding = method == "embedding" or (method == "auto" and embeddings.available())
    if use_embedding:
        return _by_embedding(list(texts), threshold)
    return [_by_keywords(text) for text in texts]


def count_by_theme(matches: Iterable[ThemeMatch]) -> dict[str, int]:
    """How many texts fell in each theme, in ``THEMES`` order with ``other`` last (raw counts:
    apply disclosure control before showing them to a commissioner)."""
    counts = Counter(match.theme for match in matches)
    return {code: counts.get(code, 0) for code in [*THEMES_BY_CODE, OTHER]}
