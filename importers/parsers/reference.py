"""Population by district, street table, category rules, activity figures, municipality groups. Pure.
(Boundaries, GeoJSON: ``geojson``.)

Pure as in no queries: the limits a value must respect (text lengths, integer ranges) are read
from the model fields' metadata, so a value the database cannot hold is a row error here and
never a crash (or a silent truncation) when the file is written.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from reports.periods import Period, PeriodError

from .common import (
    Problem,
    danish_integer,
    field_integer_range,
    field_max_length,
    parse_date,
    parse_decimal,
)
from .common import (
    text_short as _short,
)
from .police import Parsed, canonical_frame
from .police_columns import FLAGS, municipality_resolve
from .rows import (
    SANE_YEARS,
    parse_count,
)
from .rows import (
    duplicates as _duplicates,
)
from .rows import (
    municipality_column as _municipality_column,
)
from .rows import (
    required as _required,
)
from .rows import (
    sane_date as _sane_date,
)
from .rows import (
    too_long as _too_long,
)
from .streets import STREET_ALIASES, STREET_REQUIRED, streets_parse  # noqa: F401 - its public names stay here too

POPULATION_ALIASES = {
    "district": ["Bydel", "Distrikt"], "date": ["Dato", "Tælledato"], "count": ["Antal", "Folketal"],
    "sex": ["Køn"], "age": ["Alder"], "municipality": ["Kommunekode", "Kommune"],
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
CATEGORY_REQUIRED = ["category", "code", "source"]
METRIC_REQUIRED = ["name", "period", "value"]
# DST's classification KOMGRP (municipality groups) as dst.dk delivers it: level 1 = group, level 2 = municipality
KOMGRP_ALIASES = {"code": ["KODE"], "level": ["NIVEAU"], "title": ["TITEL"], "sequence": ["SEKVENS"]}
KOMGRP_REQUIRED = ["code", "level", "title"]
_AGE_BAND = re.compile(r"^\s*(\d+)\s*(?:-|–|til)\s*(\d+)\s*(?:år)?\s*$")
POLICE_CODE_DIGITS = 6  # police gerningskoder have 5–6 digits (domain.md): a longer prefix matches nothing


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


# --- Municipality groups (KOMGRP) -------------------------------------------------------------


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
