"""Population by district, street table, boundaries, category rules, activity figures. Pure.

Pure as in no queries: the limits a value must respect (text lengths, integer ranges) are read
from the model fields' metadata, so a value the database cannot hold is a row error here and
never a crash (or a silent truncation) when the file is written.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from common.formatting import number
from districts.streets import street_key
from reports.periods import Period, PeriodError

from .common import (
    ParseError,
    Problem,
    danish_integer,
    decode_bytes,
    field_integer_range,
    field_max_length,
    parse_date,
    parse_decimal,
)
from .police import FLAGS, Parsed, canonical_frame, municipality_resolve

POPULATION_ALIASES = {
    "district": ["Bydel", "Distrikt"], "date": ["Dato", "Tælledato"], "count": ["Antal", "Folketal"],
    "sex": ["Køn"], "age": ["Alder"], "municipality": ["Kommunekode", "Kommune"],
}
STREET_ALIASES = {
    "street_name": ["Vejnavn", "Vej"], "house_from": ["Husnr fra", "Fra husnr"],
    "house_to": ["Husnr til", "Til husnr"], "side": ["Side"], "postcode": ["Postnr", "Postnummer"],
    "district": ["Bydel", "Distrikt"], "street_code": ["Vejkode"], "municipality": ["Kommunekode", "Kommune"],
}
CATEGORY_ALIASES = {
    "category": ["Kategori"], "code": ["Kode"], "source": ["Kilde"], "name": ["Navn"],
    "exclude": ["Udelad"], "municipality": ["Kommunekode", "Kommune"],
}
METRIC_ALIASES = {
    "name": ["Nøgletal"], "period": ["Periode"], "value": ["Værdi"], "district": ["Bydel"],
    "unit": ["Enhed"], "municipality": ["Kommunekode", "Kommune"],
}
# the columns each file must have (the help page's tables read these too)
POPULATION_REQUIRED = ["district", "date", "count"]
STREET_REQUIRED = ["street_name", "house_from", "house_to", "district"]
CATEGORY_REQUIRED = ["category", "code", "source"]
METRIC_REQUIRED = ["name", "period", "value"]
# DST's classification KOMGRP (municipality groups) as dst.dk delivers it: level 1 = group, level 2 = municipality
KOMGRP_ALIASES = {"code": ["KODE"], "level": ["NIVEAU"], "title": ["TITEL"], "sequence": ["SEKVENS"]}
KOMGRP_REQUIRED = ["code", "level", "title"]
MUNICIPALITY_BOUNDARY_PROPERTY = "label_dk"  # DAGI's municipality name, as in DST's kommunegrænser
MUNICIPALITY_BOUNDARY_TOLERANCE = 0.002  # degrees (~130–220 m): detail enough for a map of the country
MUNICIPALITY_BOUNDARY_GRID = 0.0001  # degrees: coordinates kept to four decimals
_HOUSE = re.compile(r"^\s*(\d+)\s*([A-Za-zÆØÅæøå]?)\s*$")
_AGE_BAND = re.compile(r"^\s*(\d+)\s*(?:-|–|til)\s*(\d+)\s*(?:år)?\s*$")
_POSTCODE = re.compile(r"\d{4}")  # Danish postcodes are four digits (0800 Høje Taastrup … 9990 Skagen)
SANE_YEARS = (1900, 2100)  # count dates and periods outside these years are typing errors
POLICE_CODE_DIGITS = 6  # police gerningskoder have 5–6 digits (domain.md): a longer prefix matches nothing


def _decimal(value: float, places: int) -> str:
    """A number with decimal comma (Danish)."""
    return number(value, places, grouping=False)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _too_long(frame: pd.DataFrame, column: str, label: str, limit: int, problems: list[Problem]) -> None:
    """A row error for each cell of ``column`` longer than the model field holds."""
    if column not in frame:
        return
    for row, value in zip(frame["row"], frame[column], strict=True):
        if len(value) > limit:
            problems.append(Problem(row, label, _short(value),
                                    f"Teksten er {len(value)} tegn lang; der er plads til højst {limit} tegn"))


def _required(frame: pd.DataFrame, column: str, label: str, problems: list[Problem]) -> None:
    for row, value in zip(frame["row"], frame[column], strict=True):
        if not value:
            problems.append(Problem(row, label, "", f"{label} mangler"))


def _duplicates(keys: Sequence[tuple | None], rows: pd.Series, column: str, reason: str, problems: list[Problem],
                values: list[str] | None = None) -> None:
    """A row error for each row whose key an earlier row already has; ``reason`` gets the earlier row.

    A key of None (a row that cannot be compared) is skipped.
    """
    first: dict[tuple, int] = {}
    for index, (key, row) in enumerate(zip(keys, rows, strict=True)):
        if key is None:
            continue
        if key in first:
            problems.append(Problem(row, column, values[index] if values else "", f"{reason} række {first[key]}"))
        else:
            first[key] = row


def _municipality_column(frame, municipalities, default, problems):
    by_name = {n.casefold(): c for c, n in municipalities.items()}
    given = frame["municipality"] if "municipality" in frame else pd.Series("", index=frame.index)
    codes = []
    for row, value in zip(frame["row"], given, strict=True):
        code = municipality_resolve(value, by_code=municipalities, by_name=by_name) if value else default
        if code is None:
            problems.append(Problem(row, "Kommunekode", value, "Ukendt kommune, eller ingen kommune valgt"))
        codes.append(code)
    return codes


def parse_count(text: str) -> float | None:
    """A head count: "9170", "9.170" or "9 170" (Danish thousands separators), "9170,0"."""
    if re.fullmatch(r"\s*\d{1,3}(?:[.\s\u00a0]\d{3})+\s*", str(text)):
        return float(re.sub(r"\D", "", str(text)))
    return parse_decimal(text)


def _sane_date(day: dt.date) -> dt.date:
    if not SANE_YEARS[0] <= day.year <= SANE_YEARS[1]:
        raise ValueError(f"Datoen {day:%d-%m-%Y} ligger uden for årene {SANE_YEARS[0]}–{SANE_YEARS[1]}")
    return day


def _age_band(text: str, highest: int) -> tuple[int, int]:
    """An Alder cell → (from, to); empty or "i alt" → all ages. Raises ValueError (Danish)."""
    text = text.strip().casefold()
    if not text or text in ("i alt", "alder i alt", "ialt"):
        return 0, highest
    single = re.fullmatch(r"(\d+)\s*(?:år)?", text)
    ranged = _AGE_BAND.match(text)
    if single:
        band = (int(single[1]), int(single[1]))
    elif ranged:
        band = (int(ranged[1]), int(ranged[2]))
    else:
        raise ValueError("Alder skal være et tal eller et interval som 15-17")
    if band[0] > band[1]:
        raise ValueError(f"Aldersintervallet er vendt om: {band[0]} er større end {band[1]} (skriv fx 15-17)")
    if band[1] > highest:
        raise ValueError(f"Alder skal ligge mellem 0 og {highest} år")
    return band


def population_parse(raw, *, file_name, municipalities, default_municipality) -> Parsed:
    frame = canonical_frame(raw, POPULATION_ALIASES, required=POPULATION_REQUIRED,
                            what="befolkningstal", file_name=file_name)
    problems: list[Problem] = []
    frame["municipality"] = _municipality_column(frame, municipalities, default_municipality, problems)
    # A district population file: a row without its district would overwrite the municipality's
    # own total (the DST series, stored without a district).
    _required(frame, "district", "Bydel", problems)
    model = "districts.PopulationCount"
    from django.apps import apps  # the model class's constants (metadata only: no query)

    lowest, highest = field_integer_range(model, "count")
    oldest = min(field_integer_range(model, "age_to")[1], apps.get_model(model).ALL_AGES[1])
    dates: list = []
    counts: list[int | None] = []
    sexes: list[str] = []
    bands: list[tuple[int, int]] = []
    sex_column = frame["sex"] if "sex" in frame else pd.Series("", index=frame.index)
    age_column = frame["age"] if "age" in frame else pd.Series("", index=frame.index)
    for row, date_text, count_text, sex, age in zip(
        frame["row"], frame["date"], frame["count"], sex_column, age_column, strict=True
    ):
        try:
            day = parse_date(date_text)
            if day is None:
                raise ValueError("Dato mangler")
            day = _sane_date(day)
        except ValueError as exc:
            problems.append(Problem(row, "Dato", date_text, str(exc)))
            day = None
        dates.append(day)
        try:
            number = parse_count(count_text)
            if number is None or not math.isfinite(number) or number < lowest or number != int(number):
                raise ValueError(f"'{count_text}' er ikke et antal (et helt tal, 0 eller derover)")
            if number > highest:
                raise ValueError(f"Antallet {count_text} er for stort; højst {danish_integer(highest)} kan gemmes")
            counts.append(int(number))
        except ValueError as exc:
            problems.append(Problem(row, "Antal", count_text, str(exc)))
            counts.append(None)
        sex_code = {"": "", "i alt": "", "tot": "", "m": "M", "mænd": "M", "mand": "M", "k": "K",
                    "kvinder": "K", "kvinde": "K"}.get(sex.strip().casefold())
        if sex_code is None:
            problems.append(Problem(row, "Køn", sex, "Køn skal være M, K eller tomt"))
        sexes.append(sex_code or "")
        try:
            band = _age_band(age, oldest)
        except ValueError as exc:
            problems.append(Problem(row, "Alder", age, str(exc)))
            band = (0, oldest)
        bands.append(band)
    frame["date"], frame["count"], frame["sex"] = dates, counts, sexes
    frame["age_from"] = [b[0] for b in bands]
    frame["age_to"] = [b[1] for b in bands]
    # District names are matched case-insensitively, so "Vester" and "vester" are the same district.
    keys = [key if key[1] else None  # a row without its district already has its error
            for key in zip(frame["municipality"], frame["district"].str.casefold(), frame["date"], frame["sex"],
                           frame["age_from"], frame["age_to"], strict=True)]
    _duplicates(keys, frame["row"], "Bydel/Dato", "Samme bydel, dato, køn og alder står også i", problems,
                list(frame["district"]))
    return Parsed(frame, problems)


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


def _exclude(text: str) -> bool | None:
    """An Udelad cell → True/False; None when it is neither a yes nor a no."""
    value = text.strip().casefold()
    return FLAGS.get(value) if value else False  # the J/N spellings of the police extracts' flags


def categories_parse(raw, *, file_name, municipalities) -> Parsed:
    frame = canonical_frame(raw, CATEGORY_ALIASES, required=CATEGORY_REQUIRED,
                            what="gerningstyper", file_name=file_name)
    problems: list[Problem] = []
    frame["category"] = frame["category"].str.casefold()
    frame["source"] = frame["source"].str.casefold().replace({"police": "politi", "statistik": "dst"})
    for row, value in zip(frame.loc[~frame["source"].isin(["politi", "dst"]), "row"],
                          frame.loc[~frame["source"].isin(["politi", "dst"]), "source"], strict=True):
        problems.append(Problem(row, "Kilde", value, "Kilde skal være 'politi' eller 'dst'"))
    prefix_length = field_max_length("reports.CategoryRule", "prefix")
    for row, code, source in zip(frame["row"], frame["code"], frame["source"], strict=True):
        if source == "politi" and not re.fullmatch(rf"\d{{1,{min(prefix_length, POLICE_CODE_DIGITS)}}}", code):
            problems.append(Problem(row, "Kode", _short(code),
                                    f"Politiets gerningskoder er cifre: koden skal være 1–{POLICE_CODE_DIGITS} "
                                    "cifre (fx 7324 eller 73241)"))
        elif source != "politi" and not re.fullmatch(rf"[0-9A-Za-z]{{1,{prefix_length}}}", code):
            problems.append(Problem(row, "Kode", _short(code), "Koden skal være et kodepræfiks (cifre)"))
    slug_length = field_max_length("reports.OffenceCategory", "slug")
    bad = ~frame["category"].str.fullmatch(rf"[a-z0-9æøå_-]{{1,{slug_length}}}")
    for row, value in zip(frame.loc[bad, "row"], frame.loc[bad, "category"], strict=True):
        problems.append(Problem(row, "Kategori", _short(value),
                                "Kategori skal være et kort navn uden mellemrum (fx vold)"))
    if "exclude" in frame:
        excludes = []
        for row, text in zip(frame["row"], frame["exclude"], strict=True):
            value = _exclude(text)
            if value is None:
                problems.append(Problem(row, "Udelad", _short(text), "Udelad skal være J, N eller tom"))
            excludes.append(bool(value))
        frame["exclude"] = excludes
    else:
        frame["exclude"] = False
    if "name" not in frame:
        frame["name"] = ""
    _too_long(frame, "name", "Navn", field_max_length("reports.OffenceCategory", "name"), problems)
    if "municipality" in frame:
        by_name = {n.casefold(): c for c, n in municipalities.items()}
        codes = []
        for row, value in zip(frame["row"], frame["municipality"], strict=True):
            code = municipality_resolve(value, by_code=municipalities, by_name=by_name) if value else ""
            if code is None:
                problems.append(Problem(row, "Kommunekode", value, "Ukendt kommune"))
            codes.append(code or "")
        frame["municipality"] = codes
    else:
        frame["municipality"] = ""
    dup = frame.duplicated(subset=["category", "source", "code"])
    for row in frame.loc[dup, "row"]:
        problems.append(Problem(row, "Kategori/Kode", "", "Samme regel står to gange"))
    return Parsed(frame, problems)


def metrics_parse(raw, *, file_name, municipalities, default_municipality) -> Parsed:
    frame = canonical_frame(raw, METRIC_ALIASES, required=METRIC_REQUIRED,
                            what="nøgletal", file_name=file_name)
    problems: list[Problem] = []
    frame["municipality"] = _municipality_column(frame, municipalities, default_municipality, problems)
    _required(frame, "name", "Nøgletal", problems)
    _too_long(frame, "name", "Nøgletal", field_max_length("reports.ActivityFigure", "name"), problems)
    given_unit = frame["unit"].str.casefold() if "unit" in frame else pd.Series("", index=frame.index)
    units = given_unit.replace({"%": "procent", "pct": "procent", "pct.": "procent"})
    values, periods, unit_list = [], [], []
    for row, period, value, unit in zip(frame["row"], frame["period"], frame["value"], units, strict=True):
        try:
            parsed_period = Period.parse(period)
            if not SANE_YEARS[0] <= parsed_period.year <= SANE_YEARS[1]:
                raise PeriodError(f"Perioden '{period}' ligger uden for årene {SANE_YEARS[0]}–{SANE_YEARS[1]}")
            period = str(parsed_period)
        except PeriodError as exc:
            problems.append(Problem(row, "Periode", period, str(exc)))
        periods.append(period)
        percent_sign = value.strip().endswith("%")
        if percent_sign and unit == "antal":
            problems.append(Problem(row, "Værdi", value, "Værdien har et %-tegn, men enheden er antal"))
        unit = unit or ("procent" if percent_sign else "antal")
        unit_list.append(unit)
        try:
            number = parse_decimal(value.strip().rstrip("%").strip())
            if number is None:
                raise ValueError("Værdi mangler")
            if not math.isfinite(number):
                raise ValueError(f"'{value}' er ikke et tal")
            if unit == "procent" and not 0 <= number <= 100:
                raise ValueError("En andel i procent skal ligge mellem 0 og 100")
        except ValueError as exc:
            problems.append(Problem(row, "Værdi", value, str(exc)))
            number = None
        values.append(number)
    frame["value"], frame["period"], frame["unit"] = values, periods, unit_list
    bad = ~frame["unit"].isin(["antal", "procent"])
    for row, value in zip(frame.loc[bad, "row"], frame.loc[bad, "unit"], strict=True):
        problems.append(Problem(row, "Enhed", value, "Enhed skal være antal eller procent"))
    if "district" not in frame:
        frame["district"] = ""
    keys = list(zip(frame["municipality"], frame["district"].str.casefold(), frame["name"], frame["period"],
                    strict=True))
    _duplicates(keys, frame["row"], "Nøgletal/Periode", "Samme nøgletal, periode og bydel står også i", problems,
                [f"{n} {p}" for n, p in zip(frame["name"], frame["period"], strict=True)])
    return Parsed(frame, problems)


# --- District boundaries (GeoJSON) -------------------------------------------------------------

# Longitude/latitude box around Denmark with a margin (Bornholm and Christiansø included).
DENMARK_WGS84 = (7.5, 54.4, 15.7, 58.0)
_GEOGRAPHIC_EPSG = {4326, 4258}  # WGS84 and ETRS89 longitude/latitude: already what is stored
_UTM32N_EPSG = {25832, 32632}
_JSON_REASONS = {
    "Expecting value": "her skulle der stå en værdi",
    "Expecting property name enclosed in double quotes": "her skulle der stå et navn i dobbelte anførselstegn",
    "Expecting ',' delimiter": "her mangler et komma",
    "Expecting ':' delimiter": "her mangler et kolon",
    "Unterminated string starting at": "en tekst mangler sit afsluttende anførselstegn",
    "Extra data": "der står mere efter JSON-dokumentets slutning",
    "Invalid control character at": "en tekst indeholder et ugyldigt kontroltegn",
    "Invalid \\escape": "en tekst indeholder en ugyldig \\-sekvens",
    "Invalid \\uXXXX escape": "en tekst indeholder en ugyldig \\u-sekvens",
}
_VALIDITY_REASONS = {
    "Self-intersection": "kanten krydser sig selv",
    "Ring Self-intersection": "en ring rører eller krydser sig selv",
    "Too few points in geometry component": "for få forskellige punkter",
    "Hole lies outside shell": "et hul ligger uden for polygonet",
    "Nested holes": "et hul ligger inden i et andet hul",
    "Interior is disconnected": "polygonets indre er delt i flere stykker",
    "Nested shells": "et polygon ligger inden i et andet",
    "Duplicate Rings": "den samme ring står to gange",
    "Invalid Coordinate": "ugyldig koordinat",
}


def _json_load(text: str, file_name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        reason = _JSON_REASONS.get(exc.msg, "ugyldig JSON")
        raise ParseError(f"Filen {file_name} er ikke gyldig GeoJSON: fejl i linje {exc.lineno}, "
                         f"kolonne {exc.colno} ({reason}).") from exc
    except RecursionError as exc:
        raise ParseError(f"Filen {file_name} er ikke gyldig GeoJSON: lister eller objekter er indlejret "
                         "i for mange niveauer.") from exc
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ParseError(f"Filen {file_name} er ikke gyldig GeoJSON: den indeholder et tal, der ikke kan "
                         "læses.") from exc


def _crs(collection: dict, file_name: str) -> int | None:
    """The collection's declared coordinate system as an EPSG code (None: not declared)."""
    crs = collection.get("crs")
    if not crs:
        return None
    properties = crs.get("properties") if isinstance(crs, dict) else None
    properties = properties if isinstance(properties, dict) else {}
    name = str(properties.get("name") or properties.get("code") or "")
    if "crs84" in name.casefold():
        return 4326
    match = re.search(r"EPSG(?:/0/|:+(?:[\d.]+:)?)(\d+)\s*$", name, re.IGNORECASE)
    if match or name.isdigit():
        return int(match[1] if match else name)
    raise ParseError(f"Filen {file_name} angiver et koordinatsystem (crs), der ikke kendes: "
                     f"{_short(json.dumps(crs, ensure_ascii=False))}. Brug WGS84 (længde-/breddegrad) "
                     "eller ETRS89/UTM32N (EPSG:25832).")


def _transformer(epsg: int, file_name: str):
    """A function (xs, ys) → (lons, lats) from ``epsg`` to WGS84, and the system's name for the warning."""
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        source = CRS.from_epsg(epsg)
    except CRSError as exc:
        raise ParseError(f"Filen {file_name} angiver koordinatsystemet EPSG:{epsg}, som ikke kendes. "
                         "Brug WGS84 (længde-/breddegrad) eller ETRS89/UTM32N (EPSG:25832).") from exc
    transform = Transformer.from_crs(source, "EPSG:4326", always_xy=True).transform
    return transform, ("ETRS89/UTM32N" if epsg in _UTM32N_EPSG else f"{source.name} (EPSG:{epsg})")


def _polygons(geometry: Any) -> tuple[str, str] | None:
    """Why a geometry is not a well-formed Polygon or MultiPolygon: (value, reason) in Danish, or None.

    Walks the fixed GeoJSON nesting by hand: every coordinate must be a finite number, every
    point two (or three) of them, every ring closed with at least four points.
    """
    if not isinstance(geometry, dict):
        return _short(json.dumps(geometry, ensure_ascii=False)), "geometry skal være et GeoJSON-objekt med type og coordinates"
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        return str(kind), "Kun Polygon og MultiPolygon"
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons or not all(isinstance(p, list) and p for p in polygons):
        return _short(json.dumps(coordinates)), f"{kind} har ingen koordinater"
    for polygon in polygons:
        for ring in polygon:
            if not isinstance(ring, list):
                return _short(json.dumps(ring)), "En ring skal være en liste af punkter [x, y]"
            for point in ring:
                if not isinstance(point, list) or len(point) not in (2, 3):
                    return _short(json.dumps(point)), "Et punkt skal være to tal [x, y]"
                for value in point:
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        return _short(json.dumps(value, ensure_ascii=False)), "Koordinaten er ikke et tal"
                    if not math.isfinite(value):
                        return json.dumps(point), "Koordinaten er ikke et endeligt tal (NaN eller uendelig)"
            if not ring or ring[0] != ring[-1]:
                return _short(json.dumps(ring[:2] + ring[-1:])), ("Ringen er ikke lukket: det første og det "
                                                                   "sidste punkt skal være ens")
            if len(ring) < 4:
                return _short(json.dumps(ring)), "En ring skal have mindst fire punkter (det første gentaget til sidst)"
    return None


def _first_point(geometry: dict) -> list:
    coordinates = geometry["coordinates"]
    return coordinates[0][0] if geometry["type"] == "Polygon" else coordinates[0][0][0]


def _validity(shape_) -> str | None:
    """Why a (WGS84) shape is not a valid polygon, short and in Danish; None when it is valid."""
    from shapely.validation import explain_validity

    if shape_.is_valid:
        return None
    match = re.fullmatch(r"(.*?)\s*\[([-\d.eE+]+)\s+([-\d.eE+]+)\]", explain_validity(shape_))
    if not match:
        return "Polygonet er ugyldigt"
    reason = _VALIDITY_REASONS.get(match[1], "det er ugyldigt")
    return (f"Polygonet er ugyldigt: {reason} ved længdegrad {_decimal(float(match[2]), 5)}, "
            f"breddegrad {_decimal(float(match[3]), 5)}")


def _outside_denmark(shape_) -> str | None:
    west, south, east, north = shape_.bounds
    box_west, box_south, box_east, box_north = DENMARK_WGS84
    if box_west <= west and east <= box_east and box_south <= south and north <= box_north:
        return None
    return (f"Grænsen ligger uden for Danmark (længdegrad {_decimal(west, 2)}–{_decimal(east, 2)}, breddegrad "
            f"{_decimal(south, 2)}–{_decimal(north, 2)}). Er længde- og breddegrad byttet om, eller er koordinatsystemet forkert?")


def boundaries_parse(data: bytes, *, file_name: str, name_property: str | None,
                     noun: tuple[str, str, str] = ("bydel", "Bydelen", "bydelsnavn")) -> Parsed:
    """GeoJSON FeatureCollection (WGS84 or ETRS89/UTM32N) → district name + WGS84 geometry.

    The coordinate system is the collection's ``crs`` (any EPSG system is converted with pyproj);
    without one, longitude/latitude, or ETRS89/UTM32N when the first point is in metres.
    """
    collection = _json_load(decode_bytes(data, file_name=file_name).text, file_name)
    features = collection.get("features") if isinstance(collection, dict) else None
    if not features:
        raise ParseError(f"Filen {file_name} er ikke en GeoJSON FeatureCollection med features.")
    if not isinstance(features, list):
        raise ParseError(f"Filen {file_name} er ikke gyldig GeoJSON: 'features' skal være en liste af features.")
    candidates = [name_property] if name_property else ["name", "navn", "bydel", "Name", "Navn", "Bydel"]
    thing, the_thing, name_of = noun  # "bydel", "Bydelen", "bydelsnavn" (or the municipality's words)
    epsg = _crs(collection, file_name)
    problems: list[Problem] = []
    accepted = []
    seen: dict[str, tuple[int, str]] = {}
    for index, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            problems.append(Problem(index, "feature", _short(json.dumps(feature, ensure_ascii=False)),
                                    f"Feature {index} er ikke et GeoJSON-objekt (Feature)"))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            problems.append(Problem(index, "properties", _short(json.dumps(properties, ensure_ascii=False)),
                                    f"Feature {index}: properties skal være et objekt med {name_of}et"))
            continue
        name = next((str(properties[c]).strip() for c in candidates if properties.get(c)), "")
        if not name:
            problems.append(Problem(index, "properties", _short(json.dumps(properties, ensure_ascii=False)),
                                    f"Feature {index} har ingen {name_of} i egenskaben "
                                    f"{' / '.join(candidates)} (vælg egenskaben ved upload)"))
            continue
        earlier = seen.setdefault(name.casefold(), (index, name))
        if earlier[0] != index:
            problems.append(Problem(index, "navn", name, f"{the_thing} står også i feature {earlier[0]} "
                                                         f"('{earlier[1]}'); hver {thing} må kun have én grænse i filen"))
            continue
        wrong = _polygons(feature.get("geometry"))
        if wrong is not None:
            problems.append(Problem(index, "geometry", wrong[0], f"Feature {index} ({name}): {wrong[1]}"))
            continue
        accepted.append((index, name, feature["geometry"]))
    if epsg is None and accepted:
        x, y = _first_point(accepted[0][2])[:2]
        epsg = 25832 if abs(x) > 180 or abs(y) > 90 else 4326
    transform, system = (None, "") if epsg in _GEOGRAPHIC_EPSG or epsg is None else _transformer(epsg, file_name)
    import shapely
    from shapely.geometry import mapping, shape

    rows = []
    for index, name, geometry in accepted:
        outline = shape(geometry)
        if transform is not None:
            outline = shapely.transform(outline, transform, interleaved=False)
            geometry = json.loads(json.dumps(mapping(outline)))  # tuples → lists
        reason = _outside_denmark(outline) or _validity(outline)
        if reason is not None:
            problems.append(Problem(index, "geometry", str(geometry["type"]), f"Feature {index} ({name}): {reason}"))
            continue
        rows.append({"row": index, "district": name,
                     "geometry": {"type": geometry["type"], "coordinates": geometry["coordinates"]}})
    warnings = [f"Koordinater omregnet fra {system} til WGS84."] if transform is not None else []
    return Parsed(pd.DataFrame(rows, columns=["row", "district", "geometry"]), problems, warnings)


# --- Municipality groups (DST's KOMGRP) and municipality boundaries (DAGI GeoJSON) ----------------


def komgrp_parse(raw, *, file_name: str, municipalities: dict[str, str]) -> Parsed:
    """KOMGRP → one row per line: code, level, title; level 2 rows get their municipality and group.

    ``municipalities``: code → name of the stored municipalities. A level 2 code that is none of them, a
    level other than 1 or 2, a municipality before the first group or twice are row errors; a file without
    level 2 rows is an error of the file."""
    frame = canonical_frame(raw, KOMGRP_ALIASES, required=KOMGRP_REQUIRED, what="kommunegrupper (KOMGRP)",
                            file_name=file_name)
    problems: list[Problem] = []
    frame["code"] = frame["code"].str.strip('"').str.strip()
    group_limit = field_max_length("districts.Municipality", "group_code")
    name_limit = field_max_length("districts.Municipality", "group_name")
    group = ("", "")
    seen: dict[str, int] = {}
    municipality, group_codes, group_names = [], [], []
    for row, code, level, title in zip(frame["row"], frame["code"], frame["level"], frame["title"], strict=True):
        found = ""
        if level == "1":
            group = (code, title)
            if not code or not title:
                problems.append(Problem(row, "KODE" if not code else "TITEL", code or title,
                                        "En gruppe (niveau 1) skal have både kode og titel"))
            elif len(code) > group_limit:
                problems.append(Problem(row, "KODE", code, f"Gruppens kode må højst have {group_limit} tegn"))
            elif len(title) > name_limit:
                problems.append(Problem(row, "TITEL", _short(title), f"Gruppens navn må højst have {name_limit} tegn"))
        elif level == "2":
            candidate = code.zfill(3) if code.isdigit() else code
            if candidate not in municipalities:
                problems.append(Problem(row, "KODE", code, f"Ukendt kommune: {code} {title}".rstrip()
                                        + " (ikke en af de 98 kommuner)"))
            elif not group[0]:
                problems.append(Problem(row, "NIVEAU", level, f"Kommunen {title} (niveau 2) står før den første "
                                        "gruppe (niveau 1)"))
            elif candidate in seen:
                problems.append(Problem(row, "KODE", code, f"Kommunen {municipalities[candidate]} står også i "
                                        f"række {seen[candidate]}; en kommune hører til én gruppe"))
            else:
                found = candidate
                seen[candidate] = int(row)
        else:
            problems.append(Problem(row, "NIVEAU", level, "Niveau skal være 1 (kommunegruppe) eller 2 (kommune)"))
        municipality.append(found)
        group_codes.append(group[0] if found else "")
        group_names.append(group[1] if found else "")
    frame["municipality"], frame["group_code"], frame["group_name"] = municipality, group_codes, group_names
    if not (frame["level"] == "2").any():
        problems.append(Problem(None, "NIVEAU", "", f"Filen {file_name} har ingen kommuner (rækker på niveau 2): "
                                "en KOMGRP-fil har grupperne på niveau 1 og kommunerne på niveau 2 under dem"))
    return Parsed(frame, problems)


def _simplified(geometry: dict) -> dict:
    """A municipality's outline as the map needs it: two dimensions, simplified, four decimals, still valid."""
    import shapely
    from shapely.geometry import mapping, shape

    outline = shapely.force_2d(shape(geometry))
    simpler = shapely.set_precision(outline.simplify(MUNICIPALITY_BOUNDARY_TOLERANCE, preserve_topology=True),
                                    MUNICIPALITY_BOUNDARY_GRID)
    if simpler.is_empty:  # a small island vanished as a whole: keep its outline at four decimals
        simpler = shapely.set_precision(outline, MUNICIPALITY_BOUNDARY_GRID)
    if simpler.geom_type == "Polygon":
        simpler = shapely.MultiPolygon([simpler])
    return json.loads(json.dumps(mapping(simpler)))  # tuples → lists


def municipality_boundaries_parse(data: bytes, *, file_name: str, municipalities: dict[str, str],
                                  name_property: str | None = None) -> Parsed:
    """DST's/DAGI's municipality boundaries → municipality code + simplified WGS84 MultiPolygon.

    The name (``label_dk`` unless ``name_property``) is matched as the DST importer matches area names
    (case-free; letters damaged by a wrong encoding recognised from the others). An area that is known but
    no municipality (Christiansø) is left out with a warning; any other name is a row error."""
    from .dst import AreaResolver, known_areas

    parsed = boundaries_parse(data, file_name=file_name, noun=("kommune", "Kommunen", "kommunenavn"),
                              name_property=name_property or MUNICIPALITY_BOUNDARY_PROPERTY)
    areas = AreaResolver(municipalities)
    problems, warnings = list(parsed.problems), list(parsed.warnings)
    rows, skipped = [], []
    for record in parsed.frame.to_dict("records"):
        code, _label = areas.resolve(record["district"])
        if code in municipalities:
            rows.append({"row": record["row"], "municipality": code, "name": municipalities[code],
                         "geometry": _simplified(record["geometry"])})
        elif code is not None:
            skipped.append(f"{known_areas()[code].name} ({code})")
        else:
            problems.append(Problem(record["row"], "label_dk" if not name_property else name_property,
                                    record["district"], f"Ukendt kommune: {record['district']} (ikke en af de 98 "
                                    "kommuner)"))
    if skipped:
        warnings.append(f"Ikke kommuner, sprunget over: {', '.join(skipped)}.")
    if areas.damaged:
        warnings.append("Kommunenavne er genkendt ud fra de øvrige bogstaver: " + ", ".join(sorted(areas.damaged)) + ".")
    frame = pd.DataFrame(rows, columns=["row", "municipality", "name", "geometry"])
    duplicated = frame[frame.duplicated("municipality", keep="first")]
    for row, code in zip(duplicated["row"], duplicated["municipality"], strict=True):
        problems.append(Problem(row, "label_dk", municipalities[code], f"Kommunen {municipalities[code]} har "
                                "allerede en grænse i filen; hver kommune må kun have én"))
    frame = frame.drop(duplicated.index)
    frame.attrs["skipped"] = len(skipped)  # features of areas that are no municipality (Christiansø)
    return Parsed(frame, problems, warnings)
