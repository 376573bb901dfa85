"""Instrument definitions: every shipped file reads, and an inconsistent file is refused with a reason."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from carehouse.measures.definitions import (
    SHIPPED_DIRECTORY,
    DefinitionFileError,
    InstrumentDefinition,
    ItemTextPack,
    LicenceKind,
    parse_file,
    shipped_definitions,
)

SHIPPED_FILES = sorted(SHIPPED_DIRECTORY.glob("*.json"))
SHIPPED_KEYS = {"collaborate", "gad7", "mycaw", "ons4", "pam", "phq9", "poet", "semcd6", "swemwbs"}


def shipped(key: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SHIPPED_DIRECTORY / f"{key}.json").read_text())
    return data


def problems(data: object) -> dict[str, str]:
    with pytest.raises(DefinitionFileError) as refused:
        parse_file(json.dumps(data))
    return refused.value.problems


def all_problems(data: object) -> str:
    return " | ".join(f"{where}: {what}" for where, what in problems(data).items())


# -- the shipped files -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=[path.stem for path in SHIPPED_FILES])
def test_every_shipped_file_parses(path: Any) -> None:
    parsed = parse_file(path.read_bytes())
    assert isinstance(parsed, InstrumentDefinition)
    assert parsed.key == path.stem
    assert parsed.licence.holder and parsed.licence.terms


def test_shipped_definitions_are_all_the_files() -> None:
    assert {definition.key for definition in shipped_definitions()} == SHIPPED_KEYS


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("phq9", LicenceKind.OPEN),
        ("gad7", LicenceKind.OPEN),
        ("ons4", LicenceKind.OPEN),
        ("semcd6", LicenceKind.OPEN),
        ("swemwbs", LicenceKind.SCORING_ONLY),
        ("mycaw", LicenceKind.SCORING_ONLY),
        ("pam", LicenceKind.EXTERNAL),
        ("poet", LicenceKind.EXTERNAL),
        ("collaborate", LicenceKind.CONTENT_PACK),
    ],
)
def test_shipped_licence_kinds(key: str, kind: LicenceKind) -> None:
    definition = next(d for d in shipped_definitions() if d.key == key)
    assert definition.licence.kind == kind


def test_open_instruments_ship_their_wording() -> None:
    for definition in shipped_definitions():
        if definition.licence.kind == LicenceKind.OPEN:
            assert all(item.text for item in definition.items), definition.key


def test_headline_and_band_lookup() -> None:
    phq9 = next(d for d in shipped_definitions() if d.key == "phq9")
    assert phq9.headline is not None and phq9.headline.code == "total"
    assert phq9.headline.band_for(phq9.headline.minimum) == "Minimal"
    assert phq9.headline.band_for(phq9.headline.maximum) == "Severe"
    assert phq9.reference == "phq9/1"


# -- consistency errors -----------------------------------------------------------------------------


Mutation = Callable[[dict[str, Any]], None]


def _bad_scale_name(data: dict[str, Any]) -> None:
    data["items"][0]["scale"] = "no_such_scale"


def _band_outside_range(data: dict[str, Any]) -> None:
    data["scores"][0]["bands"][-1]["high"] = 28


def _band_upside_down(data: dict[str, Any]) -> None:
    data["scores"][0]["bands"][0] = {"low": 4, "high": 0, "label": "Minimal"}


def _reserved_item_id(data: dict[str, Any]) -> None:
    data["items"][0]["id"] = "timepoint"


def _meaningful_change_without_source(data: dict[str, Any]) -> None:
    data["scores"][0]["meaningful_change_source"] = ""


def _scoring_unknown_item(data: dict[str, Any]) -> None:
    data["scoring"]["items"].append("99")


def _duplicate_item(data: dict[str, Any]) -> None:
    data["items"].append(copy.deepcopy(data["items"][0]))


def _flag_unknown_item(data: dict[str, Any]) -> None:
    data["flags"][0]["item"] = "99"


def _sum_without_items(data: dict[str, Any]) -> None:
    data["scoring"]["items"] = []


def _more_missing_than_items(data: dict[str, Any]) -> None:
    data["scoring"]["max_missing"] = 10


def _unknown_field(data: dict[str, Any]) -> None:
    data["colour"] = "blue"


def _scale_with_duplicate_values(data: dict[str, Any]) -> None:
    data["scales"][0]["options"][1]["value"] = 0


def _scores_without_method(data: dict[str, Any]) -> None:
    data["scoring"] = None


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_bad_scale_name, "item 1: no scale called no_such_scale"),
        (_band_outside_range, "score total: band Severe lies outside 0-27"),
        (_band_upside_down, "score total: band Minimal lies outside 0-27"),
        (_reserved_item_id, "item timepoint: that id is reserved; choose another"),
        (_meaningful_change_without_source, "score total: say where the meaningful change was published"),
        (_scoring_unknown_item, "scoring: no item called 99"),
        (_duplicate_item, "two items share an id"),
        (_flag_unknown_item, "flag self_harm_risk: no item called 99"),
        (_sum_without_items, "scoring: sum needs the items it scores"),
        (_more_missing_than_items, "scoring: more items may be missing than are scored"),
        (_unknown_field, "Extra inputs are not permitted"),
        (_scale_with_duplicate_values, "scale frequency: each answer needs its own value"),
        (_scores_without_method, "scores need a scoring method"),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else None,
)
def test_inconsistent_phq9_refused(mutate: Mutation, expected: str) -> None:
    data = shipped("phq9")
    mutate(data)
    assert expected in all_problems(data)


def test_conversion_table_with_a_gap_refused() -> None:
    data = shipped("swemwbs")
    del data["scoring"]["conversion"]["20"]
    assert "the conversion table must cover every raw total 7-35" in all_problems(data)


def test_conversion_table_beyond_the_range_refused() -> None:
    data = shipped("swemwbs")
    data["scoring"]["conversion"]["36"] = "36.00"
    assert "the conversion table must cover every raw total 7-35" in all_problems(data)


def test_conversion_table_without_source_refused() -> None:
    data = shipped("swemwbs")
    data["scoring"]["conversion_source"] = ""
    assert "say where the conversion table was published" in all_problems(data)


def test_per_item_score_must_name_its_item() -> None:
    data = shipped("ons4")
    data["scores"][0]["item"] = ""
    assert "score satisfaction: per_item scores name their item" in all_problems(data)


def test_score_naming_an_unknown_item_refused() -> None:
    data = shipped("ons4")
    data["scores"][0]["item"] = "joy"
    assert "score satisfaction: no item called joy" in all_problems(data)


def test_external_instrument_cannot_be_calculated() -> None:
    data = shipped("pam")
    data["scoring"] = {"method": "sum", "items": ["level"]}
    assert "never calculated" in all_problems(data)


def test_number_item_needs_a_range() -> None:
    data = shipped("pam")
    del data["items"][0]["maximum"]
    assert "item score: a number needs a minimum and a maximum" in all_problems(data)


def test_choice_item_needs_a_scale_and_others_none() -> None:
    data = shipped("phq9")
    data["items"][0]["scale"] = ""
    assert "item 1: a choice names its scale" in all_problems(data)
    data = shipped("pam")
    data["items"][0]["scale"] = "level"
    assert "item score: only a choice has a scale" in all_problems(data)


def test_problems_are_keyed_by_where_they_are() -> None:
    data = shipped("phq9")
    data["key"] = "PHQ 9"
    data["title"] = ""
    found = problems(data)
    assert set(found) == {"key", "title"}


# -- parse_file ------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", ""])
def test_parse_file_bad_json(content: bytes | str) -> None:
    with pytest.raises(DefinitionFileError) as refused:
        parse_file(content)
    assert refused.value.problems[""].startswith("The file is not valid JSON")


@pytest.mark.parametrize("content", ["[]", "3", '"phq9"', "null"])
def test_parse_file_not_an_object(content: str) -> None:
    with pytest.raises(DefinitionFileError) as refused:
        parse_file(content)
    assert refused.value.problems == {"": "The file must hold one JSON object"}


def test_parse_file_reads_an_item_text_pack() -> None:
    pack = parse_file(
        json.dumps(
            {
                "kind": "item_text",
                "instrument": "swemwbs",
                "version": "1",
                "licence_holder": "Test",
                "items": {"1": "A"},
            }
        )
    )
    assert isinstance(pack, ItemTextPack)
    assert pack.items == {"1": "A"}


def test_item_text_pack_needs_a_licence_holder() -> None:
    found = problems({"kind": "item_text", "instrument": "swemwbs", "version": "1", "items": {}})
    assert set(found) == {"licence_holder"}


# -- packs against a definition -------------------------------------------------------------------


def _swemwbs() -> InstrumentDefinition:
    return next(d for d in shipped_definitions() if d.key == "swemwbs")


def _pack(**changes: Any) -> ItemTextPack:
    data: dict[str, Any] = {
        "instrument": "swemwbs",
        "version": "1",
        "licence_holder": "Test",
        "items": {str(n): f"Test statement {n}" for n in range(1, 8)},
        "scales": {"frequency": [f"Test answer {n}" for n in range(1, 6)]},
    }
    data.update(changes)
    return ItemTextPack.model_validate(data)


def test_check_pack_accepts_a_whole_pack_and_with_text_applies_it() -> None:
    definition = _swemwbs()
    pack = _pack(preamble="Test instructions")
    assert definition.check_pack(pack) == {}
    worded = definition.with_text(pack)
    assert worded.has_text
    assert worded.preamble == "Test instructions"
    assert [item.text for item in worded.items] == [f"Test statement {n}" for n in range(1, 8)]
    assert worded.scale("frequency").options[0].label == "Test answer 1"
    assert not definition.has_text  # the shipped one is unchanged


def test_check_pack_names_missing_and_unknown_items_and_labels() -> None:
    definition = _swemwbs()
    items = {str(n): f"Test statement {n}" for n in range(1, 7)}
    assert definition.check_pack(_pack(items=items))["items"] == "Give the wording of every item; missing: 7"
    extra = {**items, "7": "x", "8": "y"}
    assert definition.check_pack(_pack(items=extra))["items"] == "No such items in SWEMWBS: 8"
    short = _pack(scales={"frequency": ["a", "b"]})
    assert definition.check_pack(short) == {"scales.frequency": "Give the 5 answer labels of scale frequency, in order"}
    assert set(definition.check_pack(_pack(version="2"))) == {"instrument"}
