"""No licensed wording ships: the definitions we ship and every file in the repository are checked.

SWEMWBS, MYCaW and CollaboRATE ship their scoring only (the organisation holding the licence
loads the wording); PAM and POET results are recorded as the licence holder gives them, never
worked out here.

The repository scan looks for the licensed sentences themselves. They are not written here:
each is known only by the SHA-256 of its normalised words (see ``normalised_words``) and its
word count, with the hash of its first word to find candidates quickly. A run of words in any
file whose hash matches is licensed wording that must be taken out.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from carehouse.measures.definitions import InstrumentDefinition, LicenceKind, shipped_definitions

REPOSITORY = Path(__file__).resolve().parents[3]
SKIPPED_FILES = frozenset({"uv.lock", "package-lock.json"})


@dataclass(frozen=True)
class Fingerprint:
    """A sentence known only by hashes: of its normalised words, and of its first word."""

    sentence_sha256: str
    words: int
    first_word_sha256: str


#: SWEMWBS (7 items), CollaboRATE (3 items) and two PAM items, in that order.
LICENSED_SENTENCES = (
    Fingerprint(
        "38161b2ee235e692b7de1168cf167d3daa514388fc68cdeea1e50a185bec2959",
        7,
        "8c64c149d95d7bc2f25a09519593f33923f0a72a66e1d76d59e3ffda315e8f9e",
    ),
    Fingerprint(
        "049a429b600a60aad4f3f3ab6b7b219732f712da733d32b62ee20b9c7a0ebc9f",
        4,
        "8c64c149d95d7bc2f25a09519593f33923f0a72a66e1d76d59e3ffda315e8f9e",
    ),
    Fingerprint(
        "bb62c51780d5e505f17d7430e32eb8ba18bc7956889d61caec5393905c4e7d47",
        4,
        "8c64c149d95d7bc2f25a09519593f33923f0a72a66e1d76d59e3ffda315e8f9e",
    ),
    Fingerprint(
        "723dd184f806178384ee6fb6b13d282e6adecd677278ab836745297921a44b8b",
        6,
        "8c64c149d95d7bc2f25a09519593f33923f0a72a66e1d76d59e3ffda315e8f9e",
    ),
    Fingerprint(
        "0f850b680436840a3f10654eccc0b51457641826373d2bb75dda0a4ef6eff518",
        4,
        "8c64c149d95d7bc2f25a09519593f33923f0a72a66e1d76d59e3ffda315e8f9e",
    ),
    Fingerprint(
        "d8e48d878d430713bae1c281acfc656920b5fbbf277189fdef6391c8bf161aeb",
        7,
        "8c64c149d95d7bc2f25a09519593f33923f0a72a66e1d76d59e3ffda315e8f9e",
    ),
    Fingerprint(
        "052a33941b03fb76e6fbf59d90a954793f768ce1b213d5236cdee336660128b2",
        11,
        "8c64c149d95d7bc2f25a09519593f33923f0a72a66e1d76d59e3ffda315e8f9e",
    ),
    Fingerprint(
        "0f8d1f184cbd500481c46508414e3d6c74556f078964e3f5967fd0c5d99dfc48",
        12,
        "8044aae1f86875d993f20d7fe3815306b640d6e039c4512cd7a2f8453207b4cd",
    ),
    Fingerprint(
        "698ac604b76ced8f20883950920837b568bfef00922ebddc15ea08fda3241828",
        19,
        "8044aae1f86875d993f20d7fe3815306b640d6e039c4512cd7a2f8453207b4cd",
    ),
    Fingerprint(
        "0a357211bc0b62d4876e8a0fea17ffe1803ce3660dd3bb5318e2a85318ad2297",
        18,
        "8044aae1f86875d993f20d7fe3815306b640d6e039c4512cd7a2f8453207b4cd",
    ),
    Fingerprint(
        "33139fd9e226185f4a60602b50b4fb20e247ddf47f5a4021c2bd75219c9d528b",
        19,
        "15eaa75240aed625be3e142205df3adbbb7051802b32f450e40276be8582b6d8",
    ),
    Fingerprint(
        "b4eca4bfb146ffa62e1c5517b1acec0ef12b10062b96b1a526592eb7960ef6f6",
        18,
        "c2a5ac3a8c0223f3136917db1de92f9272f677647143d2fa74494a7377a0bb9b",
    ),
)


def definition(key: str) -> InstrumentDefinition:
    return next(d for d in shipped_definitions() if d.key == key)


# -- the shipped definitions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("swemwbs", LicenceKind.SCORING_ONLY),
        ("mycaw", LicenceKind.SCORING_ONLY),
        ("collaborate", LicenceKind.CONTENT_PACK),
    ],
)
def test_licensed_definitions_ship_no_wording(key: str, kind: LicenceKind) -> None:
    shipped = definition(key)
    assert shipped.licence.kind == kind
    assert shipped.text_is_licensed
    assert not shipped.has_text
    assert shipped.preamble == ""
    assert all(item.text == "" and item.hint == "" for item in shipped.items)
    assert all(option.label == "" for scale in shipped.scales for option in scale.options)


@pytest.mark.parametrize("key", ["pam", "poet"])
def test_external_results_are_recorded_never_calculated(key: str) -> None:
    shipped = definition(key)
    assert shipped.licence.kind == LicenceKind.EXTERNAL
    assert shipped.is_external
    # Recorded as given: the only method allowed is one score per typed-in answer.
    assert shipped.scoring is None or (shipped.scoring.method == "per_item" and shipped.scoring.items == [])
    assert all(score.item for score in shipped.scores)


def test_pam_holds_the_licence_holders_result_not_its_questions() -> None:
    pam = definition("pam")
    assert {(item.id, item.type) for item in pam.items} == {
        ("score", "decimal"),
        ("level", "choice"),
        ("assessed_on", "date"),
        ("licence_holder", "text"),
    }
    assert [(scale.id, scale.values) for scale in pam.scales] == [("level", [1, 2, 3, 4])]
    # Each score is one answer, as typed in: the score 0 to 100 and the level 1 to 4.
    assert {(score.code, score.item, score.minimum, score.maximum) for score in pam.scores} == {
        ("score", "score", Decimal(0), Decimal(100)),
        ("level", "level", Decimal(1), Decimal(4)),
    }


def test_poet_has_no_scores() -> None:
    assert definition("poet").scores == []


# -- the repository scan ---------------------------------------------------------------------------


_CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_NOT_A_WORD = re.compile(r"[^\w\s']|_")


def normalised_words(text: str) -> list[str]:
    """Lower case, curly quotes made straight, anything but letters, digits and apostrophes a space."""
    return _NOT_A_WORD.sub(" ", text.lower().translate(_CURLY)).split()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@cache
def _word_hash(word: str) -> str:
    return sha256(word)


def fingerprint(words: list[str]) -> Fingerprint:
    return Fingerprint(sha256(" ".join(words)), len(words), sha256(words[0]))


def find_sentences(text: str, fingerprints: Iterable[Fingerprint]) -> list[Fingerprint]:
    """The fingerprinted sentences that occur in ``text`` as a run of words."""
    by_first: dict[str, list[Fingerprint]] = {}
    for known in fingerprints:
        by_first.setdefault(known.first_word_sha256, []).append(known)
    words = normalised_words(text)
    found = []
    for start, word in enumerate(words):
        for known in by_first.get(_word_hash(word), ()):
            if sha256(" ".join(words[start : start + known.words])) == known.sentence_sha256:
                found.append(known)
    return found


def repository_files() -> list[Path]:
    """Every file git tracks, or would add (not ignored), that is text."""
    git = shutil.which("git")
    assert git is not None, "the repository scan needs git"
    listed = subprocess.run(  # noqa: S603 - fixed arguments
        [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPOSITORY,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    paths = []
    for name in sorted(set(filter(None, listed.split("\0")))):
        path = REPOSITORY / name
        if path.name in SKIPPED_FILES or not path.is_file():
            continue
        paths.append(path)
    return paths


def _text(path: Path) -> str | None:
    try:
        content = path.read_bytes()
    except FileNotFoundError:  # removed since git listed it
        return None
    if b"\0" in content[:8192]:
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def test_scanner_finds_a_fingerprinted_sentence_however_it_is_written() -> None:
    """The scan works: a sentence (not a licensed one) is found through case, quotes, markup and line breaks."""
    words = ["i'm", "able", "to", "walk", "to", "the", "shops", "on", "my", "own"]
    known = fingerprint(words)
    assert known.words == 10
    written = "<p>Goal: \u201cI\u2019m able to\n   WALK to the shops, on my own.\u201d</p>"
    assert find_sentences(written, [known]) == [known]
    assert find_sentences('{"text": "' + " ".join(words) + '"}', [known]) == [known]
    # One word different, or one missing, and it is not found.
    assert find_sentences(written.replace("shops", "park"), [known]) == []
    assert find_sentences(written.replace("on my own", "on my"), [known]) == []
    # The licensed fingerprints are not found in it either.
    assert find_sentences(written, LICENSED_SENTENCES) == []


def test_normalised_words() -> None:
    assert normalised_words("It\u2019s  \u201cFINE\u201d,\tsnake_case-word 2nd") == [
        "it's",
        "fine",
        "snake",
        "case",
        "word",
        "2nd",
    ]


def test_fingerprints_are_well_formed() -> None:
    assert len(LICENSED_SENTENCES) == 12
    assert len({known.sentence_sha256 for known in LICENSED_SENTENCES}) == 12
    for known in LICENSED_SENTENCES:
        assert re.fullmatch("[0-9a-f]{64}", known.sentence_sha256)
        assert re.fullmatch("[0-9a-f]{64}", known.first_word_sha256)
        assert known.words >= 4


def test_no_licensed_wording_in_the_repository() -> None:
    files = repository_files()
    assert any(path.name == "swemwbs.json" for path in files)  # the scan sees the shipped definitions
    found: dict[str, list[int]] = {}
    for path in files:
        text = _text(path)
        if text is None:
            continue
        matches = find_sentences(text, LICENSED_SENTENCES)
        if matches:
            found[str(path.relative_to(REPOSITORY))] = [LICENSED_SENTENCES.index(match) for match in matches]
    assert found == {}, f"Licensed wording (by index in LICENSED_SENTENCES) found in: {found}"
