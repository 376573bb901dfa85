"""Cohorts: who to invite, written as a small declarative rule in YAML or JSON.

A cohort file::

    key: mltc-and-emergency-admission
    name: Two or more long-term conditions and an emergency admission in the last 12 months
    description: ...
    all:                      # every criterion must hold
      - ltc_count: {min: 2}
      - activity: {setting: emergency_admission, within_months: 12, min: 1}
    any: []                   # optional: at least one must hold (an empty list is ignored)
    none: []                  # optional: exclusions, none may hold

Each criterion is a one-key mapping:

* ``conditions: {any: [keys], all: [keys]}``: condition flags. A key is a model prefix and a
  category key: ``cms.dia`` (Cambridge Multimorbidity Score conditions, from ``cms_mask``) or
  ``charlson.metacanc`` (Charlson categories, from ``charlson_mask``).
* ``age: {min, max}``, ``deprivation_decile: {min, max}``, ``ltc_count: {min, max}``: inclusive.
* ``sex: {in: [female, male, unknown]}``, ``practice: {in: [ODS codes]}``, ``segment: {in: [keys]}``.
* ``score: {name, min, max}``: name one of hfrs, charlson, elixhauser, cms_general, efi, lace,
  priority_score. A missing score (no eFI, no LACE) never matches.
* ``band: {name, in}``: name one of hfrs_band, efi_category, lace_band.
* ``activation: {levels: [1, 2], unknown: false}``: the latest PAM level; ``unknown: true`` also
  takes people with none recorded.
* ``activity: {setting, within_months, min, max}``: rows of ``activity`` in the ``within_months``
  before the as-at date (12 if not given; at least 1 if neither min nor max is given).
* ``utilisation: {name, min, max}``: the 12-month counts in ``features`` (ae_attendances,
  emergency_admissions, elective_admissions, outpatient_attendances, gp_appointments, bed_days).
* ``all: [...]``, ``any: [...]``, ``none: [...]``: a nested group of criteria.

Segment rules (``carehouse.population.segmentation``) use the same language, so there is one
compiler; they cannot use ``segment``, ``activity`` or the priority score, which come later.
Everything compiles to portable SQL (ADR 18): a WHERE clause over ``strata`` and, for each
distinct (setting, months) pair of ``activity`` criteria, one LEFT JOIN of a grouped count.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from carehouse.population.config import AGE_BANDS, Settings
from carehouse.population.engine import Engine
from carehouse.population.models.base import category_bits, has
from carehouse.population.schema import SETTINGS, SEXES

COHORT_DIR = Path(__file__).parent / "cohorts"

# The 20 Cambridge Multimorbidity Score conditions, in the order of models.cms.CMS_CONDITIONS (their bits
# in ``cms_mask``). ``cms_condition_keys`` prefers that module's order when it is installed.
CMS_CONDITION_KEYS = (
    "hyp", "anxdep", "pnc", "hel", "ibs", "ast", "dia", "chd", "ckd", "atr",
    "con", "str", "copd", "rhe", "can", "alc", "hef", "dem", "scz", "epi",
)  # fmt: skip

SCORES = ("hfrs", "charlson", "elixhauser", "cms_general", "efi", "lace", "priority_score")
BANDS = {
    "hfrs_band": ("low", "intermediate", "high"),
    "efi_category": ("fit", "mild", "moderate", "severe"),
    "lace_band": ("low", "moderate", "high"),
}
UTILISATION = (
    "ae_attendances",
    "emergency_admissions",
    "elective_admissions",
    "outpatient_attendances",
    "gp_appointments",
    "bed_days",
)
CRITERIA = (
    "conditions",
    "age",
    "sex",
    "segment",
    "deprivation_decile",
    "score",
    "band",
    "activation",
    "activity",
    "utilisation",
    "practice",
    "ltc_count",
)
GROUPS = ("all", "any", "none")
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
PRACTICE_PATTERN = re.compile(r"^[A-Za-z0-9]+$")

INVITATION_COLUMNS = (
    "practice_code",
    "person_id",
    "nhs_number",
    "priority_rank",
    "priority_score",
    "segment",
    "priority_reasons",
    "age",
    "sex",
    "ltc_count",
    "charlson",
    "hfrs_band",
    "efi_category",
    "activation_level",
    "emergency_admissions",
)


class CohortError(ValueError):
    """A cohort or segment rule that cannot be read; the message says what and where."""


@cache
def cms_condition_keys() -> tuple[str, ...]:
    """The CMS condition keys in ``cms_mask`` bit order: models.cms's when present, else ours."""
    try:
        from carehouse.population.models import cms
    except ImportError:
        return CMS_CONDITION_KEYS
    conditions: Iterable[Any] = getattr(cms, "CMS_CONDITIONS", ())
    keys = tuple(str(getattr(item, "key", item)) for item in conditions)
    return keys or CMS_CONDITION_KEYS


@cache
def condition_bits() -> dict[str, tuple[str, int]]:
    """``cms.dia`` -> ("cms_mask", bit), ``charlson.metacanc`` -> ("charlson_mask", bit)."""
    from carehouse.population.models import charlson

    bits = {f"cms.{key}": ("cms_mask", 1 << index) for index, key in enumerate(cms_condition_keys())}
    bits.update({f"charlson.{key}": ("charlson_mask", bit) for key, bit in category_bits(charlson.CATEGORIES).items()})
    return bits


# --------------------------------------------------------------------------------------------
# The parsed form
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Test:
    """One criterion, checked and normalised."""

    kind: str
    spec: dict[str, Any]
    where: str


@dataclass(frozen=True)
class Group:
    """all (AND), any (OR) or none (NOT OR) of its items; an empty group holds for everyone."""

    kind: str
    items: tuple[Test | Group, ...]

    @property
    def empty(self) -> bool:
        return all(isinstance(item, Group) and item.empty for item in self.items)


@dataclass(frozen=True)
class Context:
    """What a rule may use: cohorts may use everything, segment rules not what comes after segmentation."""

    what: str = "cohort"
    forbidden: dict[str, str] = field(default_factory=dict)
    scores: tuple[str, ...] = SCORES


COHORT_CONTEXT = Context()


@dataclass(frozen=True)
class Cohort:
    key: str
    name: str
    description: str
    rule: Group
    source: str = ""

    @property
    def table(self) -> str:
        """The engine table ``run`` leaves the cohort's members in."""
        return "cohort_" + re.sub(r"[^a-z0-9]", "_", self.key)


def _fail(where: str, message: str) -> CohortError:
    return CohortError(f"{where}: {message}")


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _integer(value: Any, where: str, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, f"expected a whole number, got {_show(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{low} to {high}" if high is not None else f"{low} or more"
        raise _fail(where, f"expected {bounds}, got {value}")
    return value


def _number(value: Any, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(where, f"expected a number, got {_show(value)}")
    return value


def _mapping(value: Any, where: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, f"expected a mapping with keys from {', '.join(allowed)}, got {_show(value)}")
    for key in value:
        if key not in allowed:
            raise _fail(where, f"unknown key {_show(key)}; expected one of {', '.join(allowed)}")
    return value


def _strings(value: Any, where: str, choices: tuple[str, ...] | None = None) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _fail(where, f"expected a non-empty list, got {_show(value)}")
    for item in value:
        if not isinstance(item, str):
            raise _fail(where, f"expected text, got {_show(item)}")
        if choices is not None and item not in choices:
            raise _fail(where, f"unknown value {_show(item)}; expected one of {', '.join(choices)}")
    return tuple(value)


def _range(
    value: Any, where: str, extra: tuple[str, ...] = (), *, low: int | None = None, high: int | None = None
) -> dict[str, Any]:
    """``{min, max}`` of whole numbers (plus ``extra`` keys), at least one bound, min <= max."""
    spec = dict(_mapping(value, where, ("min", "max", *extra)))
    for bound in ("min", "max"):
        if bound in spec:
            spec[bound] = _integer(spec[bound], f"{where}.{bound}", low, high)
    _check_bounds(spec, where)
    return spec


def _check_bounds(spec: dict[str, Any], where: str) -> None:
    if "min" not in spec and "max" not in spec:
        raise _fail(where, "give min, max or both")
    if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
        raise _fail(where, f"min ({spec['min']}) is more than max ({spec['max']})")


def _parse_test(kind: str, value: Any, where: str, context: Context) -> Test:
    if kind in context.forbidden:
        raise _fail(where, f"{context.what}s cannot use {kind!r}: {context.forbidden[kind]}")
    spec: dict[str, Any]
    if kind == "conditions":
        spec = dict(_mapping(value, where, ("any", "all")))
        if not spec:
            raise _fail(where, "give any, all or both")
        known = condition_bits()
        for part in list(spec):
            keys = _strings(spec[part], f"{where}.{part}")
            for key in keys:
                if key not in known:
                    raise _fail(
                        f"{where}.{part}",
                        f"unknown condition {key!r}; write cms.<key> ({', '.join(cms_condition_keys())}) "
                        f"or charlson.<key> ({', '.join(k[9:] for k in known if k.startswith('charlson.'))})",
                    )
            spec[part] = keys
    elif kind == "age":
        spec = _range(value, where, low=0, high=120)
    elif kind == "deprivation_decile":
        spec = _range(value, where, low=1, high=10)
    elif kind == "ltc_count":
        spec = _range(value, where, low=0)
    elif kind in ("sex", "segment", "practice"):
        spec = dict(_mapping(value, where, ("in",)))
        if "in" not in spec:
            raise _fail(where, "give in: [...]")
        values = _strings(spec["in"], f"{where}.in", SEXES if kind == "sex" else None)
        pattern = {"segment": KEY_PATTERN, "practice": PRACTICE_PATTERN}.get(kind)
        for item in values:
            if pattern is not None and not pattern.match(item):
                raise _fail(f"{where}.in", f"{item!r} is not a valid {kind} key")
        spec["in"] = tuple(item.upper() for item in values) if kind == "practice" else values
    elif kind in ("score", "utilisation"):
        names = context.scores if kind == "score" else UTILISATION
        spec = dict(_mapping(value, where, ("name", "min", "max")))
        if spec.get("name") not in names:
            if kind == "score" and spec.get("name") in SCORES:
                raise _fail(f"{where}.name", f"{context.what}s cannot use {spec['name']!r}")
            raise _fail(f"{where}.name", f"expected one of {', '.join(names)}, got {_show(spec.get('name'))}")
        for bound in ("min", "max"):
            if bound in spec:
                spec[bound] = (
                    _number(spec[bound], f"{where}.{bound}")
                    if kind == "score"
                    else _integer(spec[bound], f"{where}.{bound}", 0)
                )
        _check_bounds(spec, where)
    elif kind == "band":
        spec = dict(_mapping(value, where, ("name", "in")))
        if spec.get("name") not in BANDS:
            raise _fail(f"{where}.name", f"expected one of {', '.join(BANDS)}, got {_show(spec.get('name'))}")
        if "in" not in spec:
            raise _fail(where, "give in: [...]")
        spec["in"] = _strings(spec["in"], f"{where}.in", BANDS[spec["name"]])
    elif kind == "activation":
        spec = dict(_mapping(value, where, ("levels", "unknown")))
        levels = spec.get("levels", [])
        if not isinstance(levels, list):
            raise _fail(f"{where}.levels", f"expected a list of PAM levels 1 to 4, got {_show(levels)}")
        spec["levels"] = tuple(_integer(level, f"{where}.levels", 1, 4) for level in levels)
        unknown = spec.get("unknown", False)
        if not isinstance(unknown, bool):
            raise _fail(f"{where}.unknown", f"expected true or false, got {_show(unknown)}")
        spec["unknown"] = unknown
        if not spec["levels"] and not unknown:
            raise _fail(where, "give levels, unknown: true, or both")
    elif kind == "activity":
        spec = dict(_mapping(value, where, ("setting", "within_months", "min", "max")))
        if spec.get("setting") not in SETTINGS:
            raise _fail(f"{where}.setting", f"expected one of {', '.join(SETTINGS)}, got {_show(spec.get('setting'))}")
        spec["within_months"] = _integer(spec.get("within_months", 12), f"{where}.within_months", 1, 240)
        for bound in ("min", "max"):
            if bound in spec:
                spec[bound] = _integer(spec[bound], f"{where}.{bound}", 0)
        if "min" not in spec and "max" not in spec:
            spec["min"] = 1
        _check_bounds(spec, where)
    else:
        raise _fail(where, f"unknown criterion {kind!r}; expected one of {', '.join(CRITERIA + GROUPS)}")
    return Test(kind, spec, where)


def parse_items(value: Any, where: str, context: Context) -> tuple[Test | Group, ...]:
    """A list of criteria, each a one-key mapping."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(where, f"expected a list of criteria, got {_show(value)}")
    items: list[Test | Group] = []
    for index, item in enumerate(value):
        here = f"{where}[{index}]"
        if not isinstance(item, dict) or len(item) != 1:
            raise _fail(here, f"each criterion is a mapping with one key, like 'age: {{min: 65}}'; got {_show(item)}")
        ((kind, body),) = item.items()
        if not isinstance(kind, str):
            raise _fail(here, f"unknown criterion {_show(kind)}")
        if kind in GROUPS:
            group = Group(kind, parse_items(body, f"{here}.{kind}", context))
            if not group.items:
                raise _fail(f"{here}.{kind}", "a nested group needs at least one criterion")
            items.append(group)
        else:
            items.append(_parse_test(kind, body, f"{here}.{kind}", context))
    return tuple(items)


def parse_rule(data: dict[str, Any], where: str, context: Context) -> Group:
    """The ``all``, ``any`` and ``none`` lists of a cohort or segment, as one group."""
    return Group("all", tuple(Group(kind, parse_items(data.get(kind), f"{where}{kind}", context)) for kind in GROUPS))


def parse_cohort(data: Any, source: str = "cohort") -> Cohort:
    """A cohort from its YAML or JSON mapping; ``CohortError`` says what is wrong and where."""
    if not isinstance(data, dict):
        raise _fail(source, "a cohort is a mapping with key, name, description, all, any and none")
    allowed = ("key", "name", "description", *GROUPS)
    for key in data:
        if key not in allowed:
            raise _fail(source, f"unknown key {_show(key)}; expected one of {', '.join(allowed)}")
    key = data.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise _fail(f"{source}: key", f"expected lower-case letters, digits, - and _, got {_show(key)}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _fail(f"{source}: name", "give the cohort a name")
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise _fail(f"{source}: description", f"expected text, got {_show(description)}")
    rule = parse_rule(data, f"{source}: ", COHORT_CONTEXT)
    if rule.empty:
        raise _fail(source, "give at least one criterion in all, any or none")
    return Cohort(key=key, name=name.strip(), description=description.strip(), rule=rule, source=source)


def read_document(path: Path) -> Any:
    """A YAML or JSON file's content (YAML reads JSON too)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CohortError(f"{path}: cannot read the file ({error.strerror})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise CohortError(f"{path.name}: not valid YAML or JSON{at}") from None


def load_cohort(path: Path) -> Cohort:
    return parse_cohort(read_document(path), path.name)


def shipped_cohorts() -> list[Cohort]:
    """The example cohorts in ``cohorts/``, by key."""
    paths = sorted([*COHORT_DIR.glob("*.yaml"), *COHORT_DIR.glob("*.json")])
    return sorted((load_cohort(path) for path in paths), key=lambda cohort: cohort.key)


# --------------------------------------------------------------------------------------------
# The compiler
# --------------------------------------------------------------------------------------------


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _literal(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


def _between(column: str, spec: dict[str, Any]) -> str:
    parts = []
    if "min" in spec:
        parts.append(f"{column} >= {_literal(spec['min'])}")
    if "max" in spec:
        parts.append(f"{column} <= {_literal(spec['max'])}")
    return " AND ".join(parts)


class Compiler:
    """Compiles parsed rules to SQL over one table alias; ``activity`` criteria add LEFT JOINs."""

    def __init__(self, alias: str = "f", settings: Settings | None = None) -> None:
        self.alias = alias
        self.settings = settings
        self.joins: dict[tuple[str, int], str] = {}

    def rule(self, node: Test | Group) -> str:
        if isinstance(node, Test):
            # A NULL (no decile, no eFI) never matches, and so never blocks an exclusion either.
            return f"coalesce({self.test(node)}, FALSE)"
        parts = [self.rule(item) for item in node.items if not (isinstance(item, Group) and item.empty)]
        if not parts:
            return "TRUE"
        if node.kind == "all":
            return "(" + " AND ".join(parts) + ")"
        joined = "(" + " OR ".join(parts) + ")"
        return joined if node.kind == "any" else f"(NOT {joined})"

    def test(self, test: Test) -> str:
        a, spec = self.alias, test.spec
        if test.kind == "conditions":
            bits = condition_bits()
            flags = {part: [has(f"{a}.{bits[key][0]}", bits[key][1]) for key in spec[part]] for part in spec}
            clauses = []
            if flags.get("all"):
                clauses.append("(" + " AND ".join(flags["all"]) + ")")
            if flags.get("any"):
                clauses.append("(" + " OR ".join(flags["any"]) + ")")
            return "(" + " AND ".join(clauses) + ")"
        if test.kind in ("age", "deprivation_decile", "ltc_count"):
            return f"({_between(f'{a}.{test.kind}', spec)})"
        if test.kind in ("score", "utilisation"):
            return f"({_between(f'{a}.{spec["name"]}', spec)})"
        if test.kind in ("sex", "segment", "practice", "band"):
            column = {"sex": "sex", "segment": "segment", "practice": "practice_code"}.get(test.kind, spec.get("name"))
            return f"({a}.{column} IN ({', '.join(_quote(v) for v in spec['in'])}))"
        if test.kind == "activation":
            clauses = []
            if spec["levels"]:
                clauses.append(f"{a}.activation_level IN ({', '.join(str(level) for level in spec['levels'])})")
            if spec["unknown"]:
                clauses.append(f"{a}.activation_level IS NULL")
            return "(" + " OR ".join(clauses) + ")"
        if test.kind == "activity":
            if self.settings is None:
                raise _fail(test.where, "activity criteria need the as-at date (settings)")
            pair = (spec["setting"], spec["within_months"])
            alias = self.joins.setdefault(pair, f"activity_{len(self.joins) + 1}")
            return f"({_between(f'coalesce({alias}.n, 0)', spec)})"
        raise _fail(test.where, f"unknown criterion {test.kind!r}")

    def from_sql(self, table: str) -> str:
        """``table AS alias`` with one LEFT JOIN per distinct (setting, months) of the rules compiled so far."""
        sql = f"{table} AS {self.alias}"
        for (setting, months), alias in self.joins.items():
            assert self.settings is not None
            sql += f"""
            LEFT JOIN (
                SELECT p.person_id, count(*) AS n FROM activity AS a JOIN persons AS p ON a.pid = p.pid
                WHERE a.setting = {_quote(setting)} AND a.date >= {self.settings.since_sql(months)}
                  AND a.date <= {self.settings.as_at_sql}
                GROUP BY p.person_id
            ) AS {alias} ON {self.alias}.person_id = {alias}.person_id"""
        return sql


def members_sql(cohort: Cohort, settings: Settings, table: str = "strata") -> str:
    """The rows of ``table`` (``strata`` by default) in the cohort."""
    compiler = Compiler("f", settings)
    where = compiler.rule(cohort.rule)
    return f"SELECT f.* FROM {compiler.from_sql(table)} WHERE {where}"


# --------------------------------------------------------------------------------------------
# Running a cohort
# --------------------------------------------------------------------------------------------


@dataclass
class CohortResult:
    cohort: Cohort
    people: int
    by_practice: list[dict[str, Any]]
    by_segment: list[dict[str, Any]]
    by_age_band: list[dict[str, Any]]
    by_deprivation_decile: list[dict[str, Any]]

    @property
    def table(self) -> str:
        return self.cohort.table

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.cohort.key,
            "name": self.cohort.name,
            "description": self.cohort.description,
            "people": self.people,
            "by_practice": self.by_practice,
            "by_segment": self.by_segment,
            "by_age_band": self.by_age_band,
            "by_deprivation_decile": self.by_deprivation_decile,
        }


GROUPINGS = ("practice_code", "segment", "age_band", "deprivation_decile")


def _counts(engine: Engine, table: str) -> dict[str, list[dict[str, Any]]]:
    """Members counted by each of ``GROUPINGS``, in one query (one Spark job, not four)."""
    query = " UNION ALL ".join(
        f"SELECT '{column}' AS grouped_by, CAST({column} AS VARCHAR) AS group_value, count(*) AS people "
        f"FROM {table} GROUP BY {column}"
        for column in GROUPINGS
    )
    counts: dict[str, list[dict[str, Any]]] = {column: [] for column in GROUPINGS}
    for row in engine.fetch(query).to_pylist():
        value = row["group_value"]
        if row["grouped_by"] == "deprivation_decile" and value is not None:
            value = int(value)
        counts[row["grouped_by"]].append({row["grouped_by"]: value, "people": int(row["people"])})
    return counts


def run(engine: Engine, settings: Settings, cohort: Cohort) -> CohortResult:
    """Find the cohort's members in ``strata``, keep them in ``cohort.table``, and count them by group."""
    engine.create(cohort.table, members_sql(cohort, settings))
    counts = _counts(engine, cohort.table)
    by_practice = sorted(counts["practice_code"], key=lambda row: row["practice_code"])
    by_segment = sorted(counts["segment"], key=lambda row: (-row["people"], row["segment"]))
    order = {band: index for index, band in enumerate(AGE_BANDS)}
    by_age = sorted(counts["age_band"], key=lambda row: order.get(row["age_band"], len(order)))
    deciles = sorted(
        counts["deprivation_decile"],
        key=lambda row: (row["deprivation_decile"] is None, row["deprivation_decile"] or 0),
    )
    return CohortResult(
        cohort=cohort,
        people=sum(row["people"] for row in by_practice),
        by_practice=by_practice,
        by_segment=by_segment,
        by_age_band=by_age,
        by_deprivation_decile=deciles,
    )


def invitations(
    engine: Engine, cohort: Cohort, practice_code: str | None = None, *, settings: Settings | None = None
) -> pa.Table:
    """Per-practice invitation lists, ranked 1..n within each practice by priority score then person_id.

    Reads the members ``run`` left in ``cohort.table``; give ``settings`` to find them afresh. With
    ``practice_code``, only that practice's rows.
    """
    if settings is not None:
        engine.create(cohort.table, members_sql(cohort, settings))
    else:
        try:
            engine.columns(cohort.table)
        except Exception:  # noqa: BLE001 (each engine raises its own "no such table" error)
            raise CohortError(f"Run the cohort {cohort.key!r} first, or pass settings") from None
    where = ""
    if practice_code is not None:
        if not PRACTICE_PATTERN.match(practice_code):
            raise CohortError(f"{practice_code!r} is not a valid practice code")
        where = f"WHERE practice_code = {_quote(practice_code.upper())}"
    columns = ", ".join(column for column in INVITATION_COLUMNS if column != "priority_rank")
    return engine.fetch(
        f"""
        SELECT {", ".join(INVITATION_COLUMNS)} FROM (
            SELECT {columns},
                   row_number() OVER (
                       PARTITION BY practice_code ORDER BY priority_score DESC, person_id
                   ) AS priority_rank
            FROM {cohort.table} {where}
        ) AS ranked
        ORDER BY practice_code, priority_rank
        """
    )


def invitations_for_practice(engine: Engine, cohort: Cohort, practice_code: str) -> pa.Table:
    """One practice's own invitation list (and no other practice's rows)."""
    return invitations(engine, cohort, practice_code)
