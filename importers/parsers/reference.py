"""Population by district, street table, boundaries, category rules, activity figures. Pure."""

from __future__ import annotations

import json
import re

import pandas as pd

from reports.periods import Period, PeriodError

from .common import ParseError, Problem, parse_date, parse_decimal
from .police import Parsed, canonical_frame, municipality_resolve

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
_HOUSE = re.compile(r"^\s*(\d+)\s*([A-Za-zÆØÅæøå]?)\s*$")
_AGE_BAND = re.compile(r"^\s*(\d+)\s*(?:-|–|til)\s*(\d+)\s*(?:år)?\s*$")


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


def population_parse(raw, *, file_name, municipalities, default_municipality) -> Parsed:
    frame = canonical_frame(raw, POPULATION_ALIASES, required=["district", "date", "count"],
                            what="befolkningstal", file_name=file_name)
    problems: list[Problem] = []
    frame["municipality"] = _municipality_column(frame, municipalities, default_municipality, problems)
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
        except ValueError as exc:
            problems.append(Problem(row, "Dato", date_text, str(exc)))
            day = None
        dates.append(day)
        try:
            number = parse_count(count_text)
            if number is None or number < 0 or number != int(number):
                raise ValueError(f"'{count_text}' er ikke et antal")
            counts.append(int(number))
        except ValueError as exc:
            problems.append(Problem(row, "Antal", count_text, str(exc)))
            counts.append(None)
        sex_code = {"": "", "i alt": "", "tot": "", "m": "M", "mænd": "M", "mand": "M", "k": "K",
                    "kvinder": "K", "kvinde": "K"}.get(sex.strip().casefold())
        if sex_code is None:
            problems.append(Problem(row, "Køn", sex, "Køn skal være M, K eller tomt"))
        sexes.append(sex_code or "")
        band = (0, 125)
        text = age.strip().casefold()
        if text and text not in ("i alt", "alder i alt", "ialt"):
            single = re.fullmatch(r"(\d+)\s*(?:år)?", text)
            ranged = _AGE_BAND.match(text)
            if single:
                band = (int(single[1]), int(single[1]))
            elif ranged:
                band = (int(ranged[1]), int(ranged[2]))
            else:
                problems.append(Problem(row, "Alder", age, "Alder skal være et tal eller et interval som 15-17"))
        bands.append(band)
    frame["date"], frame["count"], frame["sex"] = dates, counts, sexes
    frame["age_from"] = [b[0] for b in bands]
    frame["age_to"] = [b[1] for b in bands]
    dup = frame.duplicated(subset=["municipality", "district", "date", "sex", "age_from", "age_to"])
    for row in frame.loc[dup, "row"]:
        problems.append(Problem(row, "Bydel/Dato", "", "Samme bydel, dato, køn og alder står to gange"))
    return Parsed(frame, problems)


def streets_parse(raw, *, file_name, municipalities, default_municipality) -> Parsed:
    frame = canonical_frame(raw, STREET_ALIASES, required=["street_name", "house_from", "house_to", "district"],
                            what="vejtabellen", file_name=file_name)
    problems: list[Problem] = []
    frame["municipality"] = _municipality_column(frame, municipalities, default_municipality, problems)
    for column, label in (("house_from", "Husnr fra"), ("house_to", "Husnr til")):
        numbers, letters = [], []
        for row, text in zip(frame["row"], frame[column], strict=True):
            match = _HOUSE.match(text)
            if not match:
                problems.append(Problem(row, label, text, "Husnummer skal være et tal, evt. med bogstav (10A)"))
                numbers.append(0)
                letters.append("")
            else:
                numbers.append(int(match[1]))
                letters.append(match[2].upper())
        frame[column] = numbers
        frame[column + "_letter"] = letters
    side = frame["side"].str.casefold() if "side" in frame else pd.Series("begge", index=frame.index)
    side = side.replace({"": "begge", "alle": "begge", "both": "begge", "even": "lige", "odd": "ulige"})
    for row, value in zip(frame.loc[~side.isin(["lige", "ulige", "begge"]), "row"],
                          side[~side.isin(["lige", "ulige", "begge"])], strict=True):
        problems.append(Problem(row, "Side", value, "Side skal være lige, ulige eller begge"))
    frame["side"] = side
    for column in ("postcode", "street_code"):
        if column not in frame:
            frame[column] = ""
    return Parsed(frame, problems)


def categories_parse(raw, *, file_name, municipalities) -> Parsed:
    frame = canonical_frame(raw, CATEGORY_ALIASES, required=["category", "code", "source"],
                            what="gerningstyper", file_name=file_name)
    problems: list[Problem] = []
    frame["category"] = frame["category"].str.casefold()
    frame["source"] = frame["source"].str.casefold().replace({"police": "politi", "statistik": "dst"})
    for row, value in zip(frame.loc[~frame["source"].isin(["politi", "dst"]), "row"],
                          frame.loc[~frame["source"].isin(["politi", "dst"]), "source"], strict=True):
        problems.append(Problem(row, "Kilde", value, "Kilde skal være 'politi' eller 'dst'"))
    bad = ~frame["code"].str.fullmatch(r"[0-9A-Za-z]{1,10}")
    for row, value in zip(frame.loc[bad, "row"], frame.loc[bad, "code"], strict=True):
        problems.append(Problem(row, "Kode", value, "Koden skal være et kodepræfiks (cifre)"))
    bad = ~frame["category"].str.fullmatch(r"[a-z0-9æøå_-]{1,50}")
    for row, value in zip(frame.loc[bad, "row"], frame.loc[bad, "category"], strict=True):
        problems.append(Problem(row, "Kategori", value, "Kategori skal være et kort navn uden mellemrum (fx vold)"))
    frame["exclude"] = (frame["exclude"].str.upper().str[:1].isin(["J", "Y", "1"])
                        if "exclude" in frame else False)
    if "name" not in frame:
        frame["name"] = ""
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
    frame = canonical_frame(raw, METRIC_ALIASES, required=["name", "period", "value"],
                            what="nøgletal", file_name=file_name)
    problems: list[Problem] = []
    frame["municipality"] = _municipality_column(frame, municipalities, default_municipality, problems)
    values = []
    for row, period, value in zip(frame["row"], frame["period"], frame["value"], strict=True):
        try:
            Period.parse(period)
        except PeriodError as exc:
            problems.append(Problem(row, "Periode", period, str(exc)))
        try:
            number = parse_decimal(value.rstrip("%").strip())
            if number is None:
                raise ValueError("Værdi mangler")
        except ValueError as exc:
            problems.append(Problem(row, "Værdi", value, str(exc)))
            number = None
        values.append(number)
    frame["value"] = values
    frame["period"] = [str(Period.parse(p)) if _is_period(p) else p for p in frame["period"]]
    unit = frame["unit"].str.casefold() if "unit" in frame else pd.Series("antal", index=frame.index)
    frame["unit"] = unit.replace({"": "antal", "%": "procent", "pct": "procent", "pct.": "procent"})
    bad = ~frame["unit"].isin(["antal", "procent"])
    for row, value in zip(frame.loc[bad, "row"], frame.loc[bad, "unit"], strict=True):
        problems.append(Problem(row, "Enhed", value, "Enhed skal være antal eller procent"))
    if "district" not in frame:
        frame["district"] = ""
    return Parsed(frame, problems)


def _is_period(text: str) -> bool:
    try:
        Period.parse(text)
    except PeriodError:
        return False
    return True


def boundaries_parse(data: bytes, *, file_name: str, name_property: str | None) -> Parsed:
    """GeoJSON FeatureCollection (WGS84 or ETRS89/UTM32N) → district name + WGS84 geometry."""
    try:
        collection = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"Filen {file_name} er ikke gyldig GeoJSON: {exc}") from exc
    features = collection.get("features") if isinstance(collection, dict) else None
    if not features:
        raise ParseError(f"Filen {file_name} er ikke en GeoJSON FeatureCollection med features.")
    candidates = [name_property] if name_property else ["name", "navn", "bydel", "Name", "Navn", "Bydel"]
    crs = json.dumps(collection.get("crs") or {})
    first = _first_coordinate(features[0].get("geometry") or {})
    utm = "25832" in crs or "32632" in crs or (first is not None and abs(first[0]) > 180)
    transform = None
    if utm:
        from pyproj import Transformer

        transform = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True).transform
    problems: list[Problem] = []
    rows = []
    for index, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        name = next((str(properties[c]).strip() for c in candidates if properties.get(c)), "")
        if not name:
            problems.append(Problem(index, "properties", json.dumps(properties, ensure_ascii=False)[:80],
                                    f"Feature {index} har ingen bydelsnavn i egenskaben "
                                    f"{' / '.join(candidates)} (vælg egenskaben ved upload)"))
            continue
        geometry = feature.get("geometry")
        if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            problems.append(Problem(index, "geometry", str((geometry or {}).get("type")), "Kun Polygon og MultiPolygon"))
            continue
        if transform is not None:
            import shapely
            from shapely.geometry import mapping, shape

            geometry = mapping(shapely.transform(shape(geometry), transform, interleaved=False))
            geometry = json.loads(json.dumps(geometry))  # tuples → lists
        rows.append({"row": index, "district": name, "geometry": geometry})
    return Parsed(pd.DataFrame(rows, columns=["row", "district", "geometry"]), problems,
                  ["Koordinater omregnet fra ETRS89/UTM32N til WGS84."] if utm else [])


def _first_coordinate(geometry: dict):
    coordinates = geometry.get("coordinates")
    while isinstance(coordinates, list) and coordinates and isinstance(coordinates[0], list):
        coordinates = coordinates[0]
    return coordinates if isinstance(coordinates, list) and len(coordinates) >= 2 else None
