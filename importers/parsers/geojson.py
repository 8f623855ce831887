"""District and municipality boundaries from GeoJSON (any projection DAGI or a GIS exports). Pure."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pandas as pd

from comparisons.dst_meta import areas as known_areas

from .common import ParseError, Problem, decode_bytes
from .common import decimal_text as _decimal
from .common import text_short as _short
from .dst_cells import AreaResolver
from .police import Parsed

MUNICIPALITY_BOUNDARY_PROPERTY = "label_dk"  # DAGI's municipality name, as in DST's kommunegrænser
MUNICIPALITY_BOUNDARY_TOLERANCE = 0.002  # degrees (~130–220 m): detail enough for a map of the country
MUNICIPALITY_BOUNDARY_GRID = 0.0001  # degrees: coordinates kept to four decimals
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
    # lazy: pyproj (and its PROJ data) only for a file in another projection
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
    # lazy: shapely is loaded only for a boundary file
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
    # lazy: shapely is loaded only for a boundary file
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


def _simplified(geometry: dict) -> dict:
    """A municipality's outline as the map needs it: two dimensions, simplified, four decimals, still valid."""
    # lazy: shapely is loaded only for a boundary file
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
