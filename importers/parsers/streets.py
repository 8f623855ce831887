"""The street table: street ranges (street, house numbers, side) and their districts. Pure."""

from __future__ import annotations

import re

import pandas as pd

from districts.streets import street_key

from .common import Problem, danish_integer, field_integer_range, field_max_length
from .common import text_short as _short
from .police import Parsed, canonical_frame
from .rows import duplicates as _duplicates
from .rows import municipality_column as _municipality_column
from .rows import required as _required
from .rows import too_long as _too_long

STREET_ALIASES = {
    "street_name": ["Vejnavn", "Vej"], "house_from": ["Husnr fra", "Fra husnr"],
    "house_to": ["Husnr til", "Til husnr"], "side": ["Side"], "postcode": ["Postnr", "Postnummer"],
    "district": ["Bydel", "Distrikt"], "street_code": ["Vejkode"], "municipality": ["Kommunekode", "Kommune"],
}
STREET_REQUIRED = ["street_name", "house_from", "house_to", "district"]
_POSTCODE = re.compile(r"\d{4}")  # Danish postcodes are four digits (0800 Høje Taastrup … 9990 Skagen)
_HOUSE = re.compile(r"^\s*(\d+)\s*([A-Za-zÆØÅæøå]?)\s*$")


def _house_numbers(frame: pd.DataFrame, problems: list[Problem]) -> None:
    """Husnr fra/til → number and letter columns; a number the column cannot hold is a row error."""
    model = "districts.StreetRange"
    for column, label in (("house_from", "Husnr fra"), ("house_to", "Husnr til")):
        lowest, highest = field_integer_range(model, column)
        numbers, letters = [], []
        for row, text in zip(frame["row"], frame[column], strict=True):
            match = _HOUSE.match(text)
            if not match:
                problems.append(Problem(row, label, text, "Husnummer skal være et tal, evt. med bogstav (10A)"))
                numbers.append(0)
                letters.append("")
            elif not lowest <= int(match[1]) <= highest:
                problems.append(Problem(row, label, text, f"Husnummeret er for stort; højst {danish_integer(highest)}"))
                numbers.append(0)
                letters.append("")
            else:
                numbers.append(int(match[1]))
                letters.append(match[2].upper())
        frame[column] = numbers
        frame[column + "_letter"] = letters


def _range_bounds(record: dict) -> tuple[tuple[int, str], tuple[int, str]]:
    """The addresses a street table row covers, as districts.addresses.DistrictLocator reads it."""
    return ((record["house_from"], record["house_from_letter"]),
            (record["house_to"], record["house_to_letter"] or "Å"))


def _parities(side: str) -> set[int]:
    return {"lige": {0}, "ulige": {1}}.get(side, {0, 1})


def _share_address(one: dict, other: dict) -> bool:
    """True when some address (number, letter) lies in both rows' ranges on a side both cover."""
    if one["postcode"] and other["postcode"] and one["postcode"] != other["postcode"]:
        return False
    parities = _parities(one["side"]) & _parities(other["side"])
    low = max(_range_bounds(one)[0], _range_bounds(other)[0])
    high = min(_range_bounds(one)[1], _range_bounds(other)[1])
    if not parities or low > high:
        return False
    return any(number % 2 in parities for number in range(low[0], min(high[0], low[0] + 1) + 1))


def _describe_range(record: dict) -> str:
    start = f"{record['house_from']}{record['house_from_letter']}"
    end = f"{record['house_to']}{record['house_to_letter']}"
    return f"{record['street_name']} {start}-{end} ({record['side']})"


def _street_conflicts(frame: pd.DataFrame, problems: list[Problem]) -> None:
    """Rows that map the same address to two districts, and rows that repeat a range."""
    bad = {p.row for p in problems}  # rows already rejected are left out of the comparison
    records = [r for r in frame.to_dict("records") if r["row"] not in bad]
    _duplicates([(r["municipality"], r["street_name"], *_range_bounds(r), r["side"]) for r in records],
                pd.Series([r["row"] for r in records], dtype=object), "Vejnavn/Husnr",
                "Samme vej, husnumre og side står også i", problems, [_describe_range(r) for r in records])
    repeated = {p.row for p in problems if p.column == "Vejnavn/Husnr"}
    streets: dict[tuple, list[dict]] = {}
    for record in records:
        if record["street_name"] and record["row"] not in repeated:
            streets.setdefault((record["municipality"], street_key(record["street_name"])), []).append(record)
    for ranges in streets.values():
        ranges.sort(key=lambda r: _range_bounds(r)[0])
        reported: set[int] = set()
        for index, one in enumerate(ranges):
            for other in ranges[index + 1:]:
                if _range_bounds(other)[0] > _range_bounds(one)[1]:
                    break  # sorted by start: no later row reaches back into this one
                if (one["district"].casefold() == other["district"].casefold()
                        or not _share_address(one, other)):
                    continue
                first, later = sorted((one, other), key=lambda r: r["row"])
                if later["row"] in reported:
                    continue
                reported.add(later["row"])
                problems.append(Problem(later["row"], "Husnr fra/Husnr til", _describe_range(later),
                                        f"Overlapper række {first['row']} ({_describe_range(first)}), som peger på "
                                        f"bydel {first['district']}; samme adresse kan kun høre til én bydel"))


def streets_parse(raw, *, file_name, municipalities, default_municipality) -> Parsed:
    frame = canonical_frame(raw, STREET_ALIASES, required=STREET_REQUIRED,
                            what="vejtabellen", file_name=file_name)
    problems: list[Problem] = []
    frame["municipality"] = _municipality_column(frame, municipalities, default_municipality, problems)
    model = "districts.StreetRange"
    _required(frame, "street_name", "Vejnavn", problems)
    _too_long(frame, "street_name", "Vejnavn", field_max_length(model, "street_name"), problems)
    key_length = field_max_length(model, "street_key")  # the normalised name can grow (casefold: ß → ss)
    for row, name in zip(frame["row"], frame["street_name"], strict=True):
        if len(name) <= field_max_length(model, "street_name") and len(street_key(name)) > key_length:
            problems.append(Problem(row, "Vejnavn", _short(name),
                                    f"Vejnavnet er for langt; der er plads til højst {key_length} tegn"))
    _house_numbers(frame, problems)
    bad_numbers = {p.row for p in problems if p.column in ("Husnr fra", "Husnr til")}
    for row, start, start_letter, end, end_letter in zip(
        frame["row"], frame["house_from"], frame["house_from_letter"], frame["house_to"], frame["house_to_letter"],
        strict=True,
    ):
        if row not in bad_numbers and (start, start_letter) > (end, end_letter):
            problems.append(Problem(row, "Husnr fra", f"{start}{start_letter}",
                                    f"Husnr fra er større end Husnr til ({end}{end_letter})"))
    side = frame["side"].str.casefold() if "side" in frame else pd.Series("begge", index=frame.index)
    side = side.replace({"": "begge", "alle": "begge", "both": "begge", "even": "lige", "odd": "ulige"})
    for row, value in zip(frame.loc[~side.isin(["lige", "ulige", "begge"]), "row"],
                          side[~side.isin(["lige", "ulige", "begge"])], strict=True):
        problems.append(Problem(row, "Side", value, "Side skal være lige, ulige eller begge"))
    frame["side"] = side
    for column in ("postcode", "street_code"):
        if column not in frame:
            frame[column] = ""
    for row, value in zip(frame["row"], frame["postcode"], strict=True):
        if value and not (_POSTCODE.fullmatch(value) and len(value) <= field_max_length(model, "postcode")):
            problems.append(Problem(row, "Postnr", _short(value), "Postnummeret skal være fire cifre (fx 2620)"))
    _too_long(frame, "street_code", "Vejkode", field_max_length(model, "street_code"), problems)
    _street_conflicts(frame, problems)
    return Parsed(frame, problems)
