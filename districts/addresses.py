"""Address → district: the Bydel column, then the street table, then the point in a boundary.

Build one ``DistrictLocator`` per municipality and import; it answers from dictionaries
and prepared polygons, never with a query per row.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .models import District, StreetRange
from .streets import street_key

# "Lundevej 12", "Lundevej 12A", "Lundevej 12 A, 1. th.", "Lundevej 12, st."
_ADDRESS = re.compile(r"^\s*(?P<street>.*?\D)\s*(?P<number>\d+)\s*(?P<letter>[a-zæøå]?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Located:
    district_id: int | None
    method: str  # column / street / point / unknown


def address_split(address: str) -> tuple[str, int | None, str]:
    """(street key, house number, letter); floor and door are ignored."""
    text = str(address or "").split(",")[0]
    match = _ADDRESS.match(text)
    if not match:
        return street_key(text), None, ""
    return street_key(match["street"]), int(match["number"]), match["letter"].upper()


@dataclass(frozen=True)
class _Range:
    low: tuple[int, str]
    high: tuple[int, str]
    side: str
    postcode: str
    district_id: int

    def covers(self, number: int, letter: str, postcode: str) -> bool:
        if self.side == "lige" and number % 2:
            return False
        if self.side == "ulige" and not number % 2:
            return False
        if postcode and self.postcode and postcode != self.postcode:
            return False
        return self.low <= (number, letter) <= self.high


class DistrictLocator:
    REMEMBERED = 100_000  # places whose district is kept for the rest of the file (memory stays bounded)

    def __init__(self, *, districts: dict[str, int], ranges: list[Any], boundaries: dict[int, dict]):
        """``districts`` name → id; ``ranges`` street table rows; ``boundaries`` id → GeoJSON."""
        self._seen: dict[tuple, Located] = {}
        self.by_name = {name.casefold(): pk for name, pk in districts.items()}
        self.streets: dict[str, list[_Range]] = defaultdict(list)
        for r in ranges:
            self.streets[street_key(r["street_name"])].append(_Range(
                (r["house_from"], (r.get("house_from_letter") or "").upper()),
                (r["house_to"], (r.get("house_to_letter") or "Å").upper() or "Å"),
                r["side"], r.get("postcode") or "", r["district_id"],
            ))
        self.polygons = []
        if boundaries:  # pyproj and shapely load only when a municipality has boundaries (a slow import)
            from pyproj import Transformer
            from shapely.geometry import shape
            from shapely.prepared import prep

            self.to_wgs84 = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)
            self.polygons = [(pk, prep(shape(geometry))) for pk, geometry in boundaries.items()]

    @classmethod
    def for_municipality(cls, municipality) -> DistrictLocator:
        districts = list(District.objects.filter(municipality=municipality))
        return cls(
            districts={d.name: d.pk for d in districts},
            ranges=list(StreetRange.objects.filter(municipality=municipality).values(
                "street_name", "house_from", "house_from_letter", "house_to", "house_to_letter",
                "side", "postcode", "district_id",
            )),
            boundaries={d.pk: d.boundary for d in districts if d.boundary},
        )

    def district_named(self, name: str) -> int | None:
        return self.by_name.get(str(name or "").strip().casefold())

    def locate(self, *, district: str = "", address: str = "", postcode: str = "",
               x: float | None = None, y: float | None = None) -> Located:
        """The district of a place; a place seen before (in an earlier chunk of the same file) is answered
        from memory, up to ``REMEMBERED`` places per locator."""
        place = (district, address, postcode, x, y)
        found = self._seen.get(place)
        if found is None:
            found = self._locate(district=district, address=address, postcode=postcode, x=x, y=y)
            if len(self._seen) < self.REMEMBERED:
                self._seen[place] = found
        return found

    def _locate(self, *, district: str, address: str, postcode: str, x: float | None, y: float | None) -> Located:
        if district:
            found = self.district_named(district)
            if found is not None:
                return Located(found, "column")
        if address:
            key, number, letter = address_split(address)
            for candidate in self.streets.get(key, ()):
                if number is not None and candidate.covers(number, letter, str(postcode or "")):
                    return Located(candidate.district_id, "street")
        if self.polygons and x is not None and y is not None and x == x and y == y:
            from shapely.geometry import Point  # lazy like the imports in __init__

            lon, lat = self.to_wgs84.transform(x, y)
            point = Point(lon, lat)
            for pk, polygon in self.polygons:
                if polygon.contains(point):
                    return Located(pk, "point")
        return Located(None, "unknown")
