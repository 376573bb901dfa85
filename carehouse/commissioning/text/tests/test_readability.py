"""Reading age of board papers: hand-counted texts, and plain against complex writing."""

from __future__ import annotations

import math

import pytest

from carehouse.commissioning.text import readability

PLAIN = """What people told us

We asked 200 people what matters to them.
Most want to get out more and meet people.
- More walking groups.
- Help with money.
We will fund two new groups this year."""

COMPLEX = (
    "The commissioning organisation's evaluation methodology incorporated propensity score matching, "
    "thereby facilitating comparative estimation of intervention effectiveness across heterogeneous "
    "populations. Consequently, considerable uncertainty regarding generalisability persists, particularly "
    "concerning socioeconomically disadvantaged communities."
)


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("cat", 1),
        ("the", 1),
        ("make", 1),
        ("happy", 2),
        ("people", 2),
        ("table", 2),
        ("going", 2),
        ("beautiful", 3),
        ("important", 3),
        ("yesterday", 3),
        ("community", 4),
        ("commissioning", 4),
        ("organisation", 5),
        ("2024", 1),
    ],
)
def test_syllables_of_known_words(word, count):
    assert readability.syllables(word) == count


def test_headings_and_bullets_count_as_sentences():
    assert readability.sentences(PLAIN) == [
        "What people told us",
        "We asked 200 people what matters to them.",
        "Most want to get out more and meet people.",
        "More walking groups.",
        "Help with money.",
        "We will fund two new groups this year.",
    ]
    assert readability.sentences("One. Two! Three? Four") == ["One.", "Two!", "Three?", "Four"]


def test_hand_computed_scores():
    # 2 sentences, 11 words, 12 syllables (every word has 1 except "happy").
    text = "The cat sat on the mat. It was a happy cat."
    expected_fre = 206.835 - 1.015 * 11 / 2 - 84.6 * 12 / 11  # 108.96
    expected_grade = 0.39 * 11 / 2 + 11.8 * 12 / 11 - 15.59  # -0.57
    assert readability.flesch_reading_ease(text) == pytest.approx(expected_fre)
    assert readability.flesch_reading_ease(text) == pytest.approx(108.96, abs=0.01)
    assert readability.flesch_kincaid_grade(text) == pytest.approx(expected_grade)
    assert readability.smog_grade(text) == pytest.approx(3.1291)  # no polysyllables
    result = readability.reading_age(text)
    assert (result.sentences, result.words, result.syllables, result.polysyllables) == (2, 11, 12, 0)
    assert result.longest_sentence_words == 6
    assert result.reading_age == pytest.approx(expected_grade + 5)


def test_smog_counts_polysyllables():
    # 1 sentence; "important" and "community" have 3 or more syllables.
    text = "An important community."
    assert readability.smog_grade(text) == pytest.approx(1.0430 * math.sqrt(2 * 30 / 1) + 3.1291)


def test_plain_and_complex_text_fall_on_opposite_sides_of_the_target():
    plain = readability.reading_age(PLAIN)
    complex_ = readability.reading_age(COMPLEX)
    assert plain.meets_target()
    assert plain.reading_age <= 11 and plain.smog < 9 and plain.flesch_reading_ease >= 70
    assert not complex_.meets_target()
    assert complex_.reading_age > 14 and complex_.smog > 14 and complex_.flesch_reading_ease < 30
    assert complex_.longest_sentence_words > plain.longest_sentence_words


def test_meets_target_uses_the_top_of_the_range():
    def age(years: float) -> readability.ReadingAge:
        return readability.ReadingAge(years, years - 5, 9.0, 70.0, 1, 10, 12, 1, 10)

    assert age(7).meets_target()
    assert age(11).meets_target()
    assert not age(12).meets_target()
    assert age(12).meets_target(low=11, high=14)


def test_summary_for_a_paper_footer():
    result = readability.ReadingAge(10.2, 5.2, 8.94, 71.6, 4, 40, 50, 2, 12)
    assert result.summary() == "Reading age about 10 (target 9 to 11). SMOG 8.9, Flesch reading ease 72."


def test_text_without_words_is_refused():
    with pytest.raises(ValueError):
        readability.reading_age("  \n - \n")
