"""Reading age of generated board papers: SMOG, Flesch reading ease and Flesch-Kincaid.

The NHS content style guide aims for a reading age of 9 to 11; the NHS service manual's own
readability check is SMOG, with full stops added to headings and bullet points first. So here
every heading, bullet and line of its own counts as a sentence.

- Flesch reading ease = 206.835 - 1.015 x (words / sentences) - 84.6 x (syllables / words);
  60 to 70 is plain English, 70 and over is easy.
- Flesch-Kincaid grade = 0.39 x (words / sentences) + 11.8 x (syllables / words) - 15.59;
  the UK reading age is about the US grade + 5.
- SMOG grade = 1.0430 x sqrt(polysyllables x 30 / sentences) + 3.1291, where a polysyllable
  is a word of 3 or more syllables.

Syllables come from the British English hyphenation dictionary in ``pyphen``, with a floor from
counting vowel groups, because hyphenation leaves out breaks near the ends of words ("peo-ple",
"hap-py"). Scores are a guide: test papers with the people who will read them.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import pyphen

TARGET_LOW = 9
TARGET_HIGH = 11

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u00b7\u2013]|\d+[.)]|#+)\s+")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019.,][A-Za-z0-9]+)*")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


@functools.cache
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_GB", left=1, right=2)


def sentences(text: str) -> list[str]:
    """The sentences in a text: split at . ! or ?, and every non-empty line (heading, bullet) is one too."""
    found: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        found.extend(part.strip() for part in _SENTENCE_END.split(line) if _WORD.search(part))
    return found


def words(text: str) -> list[str]:
    """The words in a text: runs of letters or digits (with apostrophes, and numbers like 1,250 or 2.5)."""
    return _WORD.findall(text)


def _vowel_groups(word: str) -> int:
    word = word.lower()
    count = len(_VOWEL_GROUP.findall(word))
    # A silent final "e" ("make", "there") is not a syllable, but "-le" after a consonant is ("table").
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    if word.endswith("le") and len(word) > 2 and word[-3] in "aeiouy" and count > 1:
        count -= 1
    return count


def syllables(word: str) -> int:
    """How many syllables a word has (at least 1); a number counts as 1."""
    letters = word.replace("\u2019", "'").split("'")[0]
    if not any(ch.isalpha() for ch in letters):
        return 1
    hyphenated = len(_dictionary().positions(letters.lower())) + 1
    return max(1, hyphenated, _vowel_groups(letters))


def _counts(text: str) -> tuple[int, int, int, int, int]:
    """Sentences, words, syllables, polysyllables and the longest sentence's words."""
    found = sentences(text)
    total_words = total_syllables = polysyllables = longest = 0
    for sentence in found:
        sentence_words = words(sentence)
        longest = max(longest, len(sentence_words))
        total_words += len(sentence_words)
        for word in sentence_words:
            count = syllables(word)
            total_syllables += count
            polysyllables += count >= 3
    return len(found), total_words, total_syllables, polysyllables, longest


def _check(n_sentences: int, n_words: int) -> None:
    if n_sentences == 0 or n_words == 0:
        raise ValueError("The text has no words to score")


def flesch_reading_ease(text: str) -> float:
    """Flesch reading ease (higher is easier: 60 to 70 plain English, 70+ easy)."""
    n_sentences, n_words, n_syllables, _, _ = _counts(text)
    _check(n_sentences, n_words)
    return 206.835 - 1.015 * (n_words / n_sentences) - 84.6 * (n_syllables / n_words)


def flesch_kincaid_grade(text: str) -> float:
    """Flesch-Kincaid grade level (a US school grade; add 5 for a UK reading age)."""
    n_sentences, n_words, n_syllables, _, _ = _counts(text)
    _check(n_sentences, n_words)
    return 0.39 * (n_words / n_sentences) + 11.8 * (n_syllables / n_words) - 15.59


def smog_grade(text: str) -> float:
    """SMOG grade, the NHS service manual's readability measure (7 to 9: 93% of UK adults can read it)."""
    n_sentences, n_words, _, polysyllables, _ = _counts(text)
    _check(n_sentences, n_words)
    return 1.0430 * math.sqrt(polysyllables * 30 / n_sentences) + 3.1291


@dataclass(frozen=True)
class ReadingAge:
    """How hard a text is to read, with the counts behind the scores."""

    reading_age: float  # UK reading age in years: Flesch-Kincaid grade + 5
    flesch_kincaid_grade: float
    smog: float
    flesch_reading_ease: float
    sentences: int
    words: int
    syllables: int
    polysyllables: int
    longest_sentence_words: int

    def meets_target(self, low: int = TARGET_LOW, high: int = TARGET_HIGH) -> bool:
        """True when the reading age is no higher than the top of the target (9 to 11 by default).

        Text easier than the bottom of the range also passes: simpler is never a fault. ``low``
        is kept for the wording of the summary.
        """
        del low
        return round(self.reading_age) <= high

    def summary(self, low: int = TARGET_LOW, high: int = TARGET_HIGH) -> str:
        """One plain-English line for a paper's footer."""
        return (
            f"Reading age about {round(self.reading_age)} (target {low} to {high}). "
            f"SMOG {self.smog:.1f}, Flesch reading ease {round(self.flesch_reading_ease)}."
        )


def reading_age(text: str) -> ReadingAge:
    """All the readability figures for a text (``ValueError`` if it has no words)."""
    n_sentences, n_words, n_syllables, polysyllables, longest = _counts(text)
    _check(n_sentences, n_words)
    words_per_sentence = n_words / n_sentences
    syllables_per_word = n_syllables / n_words
    grade = 0.39 * words_per_sentence + 11.8 * syllables_per_word - 15.59
    return ReadingAge(
        reading_age=grade + 5,
        flesch_kincaid_grade=grade,
        smog=1.0430 * math.sqrt(polysyllables * 30 / n_sentences) + 3.1291,
        flesch_reading_ease=206.835 - 1.015 * words_per_sentence - 84.6 * syllables_per_word,
        sentences=n_sentences,
        words=n_words,
        syllables=n_syllables,
        polysyllables=polysyllables,
        longest_sentence_words=longest,
    )
