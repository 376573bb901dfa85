"""Population segmentation: each person in exactly one segment, the first whose rule they meet.

A segmentation is an ordered list of segments in YAML (``segments/bridges_to_health.yaml`` by
default, after NHS England's Bridges to Health segments; ``segments/snee_style.yaml`` shows a local
variant). Each segment has a key, a label and a rule written in the cohort language
(``carehouse.population.cohort``: ``all``, ``any`` and ``none`` lists of criteria); the last
segment has no rule and takes everyone left. The rules compile to one CASE WHEN chain, so the
first match wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carehouse.population.cohort import (
    GROUPS,
    KEY_PATTERN,
    SCORES,
    CohortError,
    Compiler,
    Context,
    Group,
    parse_rule,
    read_document,
)
from carehouse.population.engine import Engine

SEGMENT_DIR = Path(__file__).parent / "segments"
DEFAULT_CONFIG = SEGMENT_DIR / "bridges_to_health.yaml"

SEGMENT_CONTEXT = Context(
    what="segment rule",
    forbidden={
        "segment": "segments are what the rules decide",
        "activity": "use utilisation (the 12-month counts) instead",
    },
    scores=tuple(score for score in SCORES if score != "priority_score"),
)


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    rule: Group


@dataclass(frozen=True)
class SegmentationConfig:
    name: str
    description: str
    segments: tuple[Segment, ...]
    source: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(segment.key for segment in self.segments)

    def label(self, key: str) -> str:
        return next(segment.label for segment in self.segments if segment.key == key)


def parse_config(data: Any, source: str = "segmentation") -> SegmentationConfig:
    """A segmentation from its YAML mapping; ``CohortError`` says what is wrong and where."""
    if not isinstance(data, dict):
        raise CohortError(f"{source}: a segmentation is a mapping with name, description and segments")
    for key in data:
        if key not in ("name", "description", "segments"):
            raise CohortError(f"{source}: unknown key {key!r}; expected name, description or segments")
    entries = data.get("segments")
    if not isinstance(entries, list) or len(entries) < 2:
        raise CohortError(f"{source}: segments: give a list of at least two segments, the last a catch-all")
    segments: list[Segment] = []
    for index, entry in enumerate(entries):
        where = f"{source}: segments[{index}]"
        if not isinstance(entry, dict):
            raise CohortError(f"{where}: expected a mapping with key, label, all, any and none")
        for key in entry:
            if key not in ("key", "label", *GROUPS):
                raise CohortError(f"{where}: unknown key {key!r}; expected key, label, all, any or none")
        key = entry.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise CohortError(f"{where}.key: expected lower-case letters, digits, - and _, got {key!r}")
        if key in (segment.key for segment in segments):
            raise CohortError(f"{where}.key: {key!r} is used twice")
        label = entry.get("label")
        if not isinstance(label, str) or not label.strip():
            raise CohortError(f"{where}.label: give the segment a label")
        rule = parse_rule(entry, f"{where}.", SEGMENT_CONTEXT)
        last = index == len(entries) - 1
        if last and not rule.empty:
            raise CohortError(f"{where}: the last segment is the catch-all and has no rule")
        if not last and rule.empty:
            raise CohortError(f"{where}: only the last segment may have no rule")
        segments.append(Segment(key, label.strip(), rule))
    description = data.get("description") or ""
    name = data.get("name") or source
    if not isinstance(name, str) or not isinstance(description, str):
        raise CohortError(f"{source}: name and description are text")
    return SegmentationConfig(name=name, description=description.strip(), segments=tuple(segments), source=source)


def load_config(path: Path | None = None) -> SegmentationConfig:
    path = path or DEFAULT_CONFIG
    return parse_config(read_document(path), path.name)


def segment_sql(config: SegmentationConfig, table: str = "features") -> str:
    """``table`` plus ``segment`` (the first matching segment's key) and ``segment_label``."""
    compiler = Compiler("f")
    *ruled, catch_all = config.segments
    whens = " ".join(f"WHEN {compiler.rule(segment.rule)} THEN '{segment.key}'" for segment in ruled)
    labels = " ".join(f"WHEN '{segment.key}' THEN '{segment.label.replace("'", "''")}'" for segment in config.segments)
    return f"""
        SELECT s.*, CASE s.segment {labels} END AS segment_label
        FROM (
            SELECT f.*, CASE {whens} ELSE '{catch_all.key}' END AS segment
            FROM {compiler.from_sql(table)}
        ) AS s
    """


def build(engine: Engine, config_path: Path | None = None) -> SegmentationConfig:
    """``segmented``: ``features`` plus segment and segment_label; returns the segmentation used."""
    config = load_config(config_path)
    engine.view("segmented", segment_sql(config))  # read once, by the priority step
    return config
