"""Full-text search, written once per database: SQLite FTS5, or PostgreSQL ``tsvector`` and ``pg_trgm``.

Both index the same two columns (a service's name, weighted higher, and its ``body``: the
description, organisation and taxonomy term names), stem English words, and match every word
of a query (or a word it starts). Typo tolerance is the same on both: a query word the index
has never seen is also matched by its nearest indexed words, picked by trigram similarity
(PostgreSQL's ``pg_trgm`` finds the candidates there; an FTS5 trigram table does on SQLite).
"""

# ruff: noqa: S608  (SQL here names our own tables; every value is passed as a parameter)

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL

from carehouse.directory.models import SearchEntry, SearchWord

FTS_TABLE = "directory_search_fts"
WORD_TABLE = "directory_searchword_fts"
#: Name counts three times as much as the rest.
NAME_WEIGHT = 3.0
#: A word is only swapped for one this similar (pg_trgm's measure, 0 to 1).
MIN_SIMILARITY = 0.4
MIN_CORRECTABLE_LENGTH = 4
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "our",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "with",
        "your",
        "you",
    ]
)
WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """The text without accents: "Café" becomes "Cafe"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    """Lower-case words, without stop words; accents are folded to plain letters for matching."""
    folded = fold(text.lower()).encode("ascii", "ignore").decode("ascii")
    return [w for w in WORD.findall(folded) if w not in STOP_WORDS and len(w) <= 60]


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams: the word padded with two spaces before and one after."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


@dataclass(frozen=True)
class TextQuery:
    """What a user typed, as words, with the spellings we also tried for words we did not know."""

    words: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...]

    @property
    def corrections(self) -> dict[str, tuple[str, ...]]:
        return {w: alts for w, alts in zip(self.words, self.alternatives, strict=True) if alts}

    def __bool__(self) -> bool:
        return bool(self.words)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def parse(text: str) -> TextQuery:
    words = tuple(dict.fromkeys(words_of(text)))[:10]
    known = set(SearchWord.objects.filter(word__in=words).values_list("word", flat=True))
    # A word that starts an indexed word ("mindful") matches as it is: nothing to correct.
    known |= {w for w in words if w not in known and _starts_a_word(w)}
    alternatives = tuple(
        () if word in known or len(word) < MIN_CORRECTABLE_LENGTH or word.isdigit() else tuple(_nearest(word))
        for word in words
    )
    return TextQuery(words=words, alternatives=alternatives)


def _starts_a_word(prefix: str) -> bool:
    # A range on the unique index: every word that starts with the prefix sorts between these.
    return SearchWord.objects.filter(word__gt=prefix, word__lt=prefix + "{").exists()


def _nearest(word: str, limit: int = 2) -> list[str]:
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(
                "SELECT word FROM directory_searchword WHERE word %% %s ORDER BY similarity(word, %s) DESC LIMIT 20",
                [word, word],
            )
        else:
            grams = [g for g in trigrams(word) if " " not in g]
            if not grams:
                return []
            match = " OR ".join(f'"{g}"' for g in grams)
            cursor.execute(f"SELECT word FROM {WORD_TABLE} WHERE {WORD_TABLE} MATCH %s ORDER BY rank LIMIT 50", [match])
        candidates = [row[0] for row in cursor.fetchall()]
    scored = sorted(((similarity(word, c), c) for c in candidates if c != word), reverse=True)
    return [c for score, c in scored[:limit] if score >= MIN_SIMILARITY]


def match_sql(query: TextQuery) -> tuple[str, list[object]]:
    """SQL selecting ``(entry id, score)`` for entries matching every word; higher scores are better."""
    if is_postgresql():
        groups = []
        for word, alternatives in zip(query.words, query.alternatives, strict=True):
            options = [f"{word}:*", *alternatives]
            groups.append("(" + " | ".join(options) + ")")
        expression = " & ".join(groups)
        return (
            "SELECT e.id AS entry_id, ts_rank_cd(e.search_vector, q) AS score FROM directory_searchentry e, "
            "to_tsquery('english', %s) q WHERE e.search_vector @@ q",
            [expression],
        )
    groups = []
    for word, alternatives in zip(query.words, query.alternatives, strict=True):
        options = [f'"{word}"', f'"{word}"*', *(f'"{a}"' for a in alternatives)]
        groups.append("(" + " OR ".join(options) + ")")
    expression = " AND ".join(groups)
    return (
        f"SELECT rowid AS entry_id, -bm25({FTS_TABLE}, {NAME_WEIGHT}, 1.0) AS score "
        f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
        [expression],
    )


def ids_sql(query: TextQuery) -> tuple[str, list[object]]:
    """SQL selecting the ids of entries matching every word (no ranking: cheaper than ``match_sql``)."""
    _, params = match_sql(query)
    if is_postgresql():
        return (
            "SELECT e.id FROM directory_searchentry e WHERE e.search_vector @@ to_tsquery('english', %s)",
            params,
        )
    return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", params


def tsquery(query: TextQuery) -> str:
    """The PostgreSQL ``to_tsquery`` text: every word (or a word it starts, or a close spelling)."""
    groups = []
    for word, alternatives in zip(query.words, query.alternatives, strict=True):
        groups.append("(" + " | ".join([f"{word}:*", *alternatives]) + ")")
    return " & ".join(groups)


def matching(entries: QuerySet[SearchEntry], query: TextQuery) -> QuerySet[SearchEntry]:
    """Only the entries matching the words, with their ``text_score`` (higher is better) on PostgreSQL.

    On PostgreSQL the match is a condition on the entry's own ``search_vector`` column, so the
    planner sees one table; on SQLite it is the set of rows the FTS5 table matches.
    """
    if is_postgresql():
        words = Func(Value("english"), Value(tsquery(query)), function="to_tsquery", output_field=TextField())
        vector = F("search_vector")
        matches = Func(vector, words, template="(%(expressions)s)", arg_joiner=" @@ ", output_field=BooleanField())
        score = Func(vector, words, function="ts_rank_cd", output_field=FloatField())
        return entries.filter(matches).annotate(text_score=score)
    ids, params = ids_sql(query)
    return entries.filter(id__in=RawSQL(ids, params))  # noqa: S611 (as above)


# -- writing the index ---------------------------------------------------------------------------------------


def remove(entry_ids: Sequence[int]) -> None:
    if not entry_ids or is_postgresql():
        return  # on PostgreSQL the vector is a column of the entry, deleted with it
    with connection.cursor() as cursor:
        for chunk in _chunks(entry_ids, 5000):
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({','.join(['%s'] * len(chunk))})", list(chunk))


def write(rows: Sequence[tuple[int, str, str]]) -> None:
    """Index ``(entry id, name, body)`` rows, and add their words to the vocabulary."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if is_postgresql():
            # Accents folded as the query's words are ("Café" is found by "cafe" and by "café").
            for chunk in _chunks(rows, 1000):
                values = ", ".join(["(%s::bigint, %s, %s)"] * len(chunk))
                cursor.execute(
                    "UPDATE directory_searchentry AS e SET search_vector = "
                    "setweight(to_tsvector('english', v.name), 'A') || setweight(to_tsvector('english', v.body), 'B') "
                    f"FROM (VALUES {values}) AS v(id, name, body) WHERE e.id = v.id",
                    [value for entry_id, name, body in chunk for value in (entry_id, fold(name), fold(body))],
                )
        else:
            # Rows left behind under these ids (a test database flushed without its FTS table) go first.
            remove([r[0] for r in rows])
            cursor.executemany(f"INSERT INTO {FTS_TABLE}(rowid, name, body) VALUES (%s, %s, %s)", list(rows))
    _add_words(w for _, name, body in rows for w in words_of(f"{name} {body}"))


def _add_words(words: Iterable[str]) -> None:
    new = set(words)
    if not new:
        return
    existing: set[str] = set()
    for chunk in _chunks(sorted(new), 5000):
        existing |= set(SearchWord.objects.filter(word__in=chunk).values_list("word", flat=True))
    missing = sorted(new - existing)
    if not missing:
        return
    SearchWord.objects.bulk_create([SearchWord(word=w) for w in missing], ignore_conflicts=True, batch_size=2000)
    if not is_postgresql():
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {WORD_TABLE}(word) VALUES (%s)", [(w,) for w in missing])


def _chunks[T](items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- schema (run from the migration) -----------------------------------------------------------------------

SQLITE_SCHEMA = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(name, body, tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {WORD_TABLE} USING fts5(word, tokenize='trigram')",
]
SQLITE_DROP = [f"DROP TABLE IF EXISTS {FTS_TABLE}", f"DROP TABLE IF EXISTS {WORD_TABLE}"]
POSTGRESQL_SCHEMA = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS directory_searchentry_vector ON directory_searchentry USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS directory_searchword_trigram ON directory_searchword USING gin (word gin_trgm_ops)",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS directory_searchword_trigram",
    "DROP INDEX IF EXISTS directory_searchentry_vector",
]
