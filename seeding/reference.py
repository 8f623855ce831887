"""Reference data: the 98 municipalities, their groups, populations and boundaries,
Albertslund's districts and street table, and the default offence categories.

Readers are pure (path/bytes → DataFrame) so the importers can reuse them; ``reference_load``
writes everything idempotently (natural keys, update only what differs).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import transaction

from districts.models import District, Municipality, PopulationCount, StreetRange
from importers.parsers.common import ParseError, decode_bytes, read_csv_text
from importers.parsers.reference import streets_parse
from reports.categories import category_membership_refresh, offence_codes_register
from reports.models import CategoryRule, OffenceCategory, ReportCategory

FIXTURES = Path(settings.BASE_DIR) / "fixtures"

DISTRICT_COLOURS = {"Vester": "#1b6ca8", "Øster": "#d95f02", "Lund": "#1b9e77"}


def komgrp_read(path: Path) -> pd.DataFrame:
    """KOMGRP classification → code, name, group_code, group_name (level 2 rows under level 1)."""
    frame = read_csv_text(decode_bytes(path.read_bytes(), file_name=path.name).text, sep=";")
    rows, group = [], ("", "")
    for record in frame.itertuples(index=False):
        level, code, title = str(record.NIVEAU), str(record.KODE).strip('"'), str(record.TITEL)
        if level == "1":
            group = (code, title)
        elif level == "2":
            rows.append({"code": code.zfill(3), "name": title, "group_code": group[0], "group_name": group[1]})
    return pd.DataFrame(rows)


def folk1a_quarterly_read(path: Path, *, names_to_codes: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """FOLK1A as re-saved long CSV (``tid,område,Folketal den 1. i kvartalet``).

    Returns (code, date, count) rows and the area names that are not one of the 98
    municipalities (Christiansø is counted by DST but belongs to no municipality).
    """
    frame = read_csv_text(decode_bytes(path.read_bytes(), file_name=path.name).text)
    frame.columns = ["period", "area", "count"]
    codes = frame["area"].map(names_to_codes)
    skipped = sorted(frame.loc[codes.isna(), "area"].unique())
    frame = frame.assign(code=codes).dropna(subset=["code"])
    year = frame["period"].str[:4].astype(int)
    quarter = frame["period"].str[-1].astype(int)
    dates = [dt.date(y, 3 * (q - 1) + 1, 1) for y, q in zip(year, quarter, strict=True)]
    return (
        pd.DataFrame({"code": frame["code"], "date": dates, "count": frame["count"].astype(int)}),
        skipped,
    )


@dataclass
class LoadSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def count(self, model: str, created: bool, changed: bool) -> None:
        if created:
            self.created[model] = self.created.get(model, 0) + 1
        elif changed:
            self.updated[model] = self.updated.get(model, 0) + 1

    def __str__(self) -> str:
        parts = [f"{k}: {v} oprettet" for k, v in sorted(self.created.items())]
        parts += [f"{k}: {v} opdateret" for k, v in sorted(self.updated.items())]
        return "; ".join(parts) or "ingen ændringer"


def _upsert(model, summary: LoadSummary, lookup: dict, values: dict):
    """get-or-create by ``lookup``; save only when a value differs (keeps reruns no-ops)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        summary.count(model.__name__, True, False)
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for key in changed:
            setattr(obj, key, values[key])
        obj.save(update_fields=changed)
    summary.count(model.__name__, False, bool(changed))
    return obj


def municipalities_read(path: Path) -> pd.DataFrame:
    """``municipalities.csv`` → code, region_code, region_name, police_district (one row per municipality)."""
    frame = read_csv_text(decode_bytes(path.read_bytes(), file_name=path.name).text, sep=";")
    return pd.DataFrame({
        "code": frame["Kommunekode"].str.zfill(3), "name": frame["Kommune"],
        "region_code": frame["Regionskode"].str.zfill(3), "region_name": frame["Region"],
        "police_district": frame["Politikreds"],
    })


def municipalities_load(summary: LoadSummary) -> dict[str, Municipality]:
    """The 98 municipalities of KOMGRP with their group, region, police district and boundary."""
    groups = komgrp_read(FIXTURES / "dst" / "komgrp_kommunegrupper.csv")
    extra = {r["code"]: r for r in municipalities_read(FIXTURES / "municipalities.csv").to_dict("records")}
    boundaries = json.loads((FIXTURES / "municipalities.geojson").read_text(encoding="utf-8"))
    boundary_of = {f["properties"]["code"]: f["geometry"] for f in boundaries["features"]}
    result: dict[str, Municipality] = {}
    for row in groups.itertuples(index=False):
        code = str(row.code)
        known = extra.get(code, {})
        result[code] = _upsert(
            Municipality, summary, {"code": code},
            {
                "name": row.name, "group_code": row.group_code, "group_name": row.group_name,
                "region_code": known.get("region_code", ""),
                "police_district": known.get("police_district", ""),
                "boundary": boundary_of.get(row.code),
            },
        )
    return result


def population_load(summary: LoadSummary, municipalities: dict[str, Municipality]) -> None:
    """Municipality-level quarterly population (FOLK1A), written in bulk, idempotently."""
    names = {m.name: code for code, m in municipalities.items()}
    frame, skipped = folk1a_quarterly_read(
        FIXTURES / "dst" / "folketal_kvartal_kommuner_2008K1-2022K3.csv", names_to_codes=names
    )
    if skipped:
        summary.notes.append(
            "Ikke kommuner, sprunget over i FOLK1A: " + ", ".join(skipped)
        )
    existing = {
        (m_id, d): (pk, c)
        for pk, m_id, d, c in PopulationCount.objects.filter(
            district__isnull=True, sex="", age_from=0, age_to=125
        ).values_list("pk", "municipality_id", "date", "count")
    }
    new, changed = [], []
    for code, date, count in zip(frame["code"], frame["date"], frame["count"], strict=True):
        muni = municipalities[code]
        key = (muni.pk, date)
        if key not in existing:
            new.append(PopulationCount(municipality=muni, date=date, count=count))
        elif existing[key][1] != count:
            changed.append(PopulationCount(pk=existing[key][0], count=count))
    PopulationCount.objects.bulk_create(new, batch_size=2000)
    PopulationCount.objects.bulk_update(changed, ["count"], batch_size=2000)
    if new:
        summary.created["PopulationCount"] = len(new)
    if changed:
        summary.updated["PopulationCount"] = len(changed)


def albertslund_load(summary: LoadSummary, municipality) -> None:
    features = json.loads((FIXTURES / "albertslund_bydele.geojson").read_text(encoding="utf-8"))
    geometry = {f["properties"]["name"]: f["geometry"] for f in features["features"]}
    districts = {}
    for order, name in enumerate(["Vester", "Øster", "Lund"]):
        districts[name] = _upsert(
            District, summary, {"municipality": municipality, "name": name},
            {"slug": name.lower().replace("ø", "oe"), "order": order,
             "color": DISTRICT_COLOURS[name], "boundary": geometry[name]},
        )
    for row in streets_read(FIXTURES / "albertslund_streets.csv", municipality=municipality):
        _upsert(
            StreetRange, summary,
            {"municipality": municipality, "street_name": row["street_name"], "house_from": row["house_from"],
             "house_to": row["house_to"], "side": row["side"]},
            {"district": districts[row["district"]], "postcode": row["postcode"],
             "house_from_letter": row["house_from_letter"], "house_to_letter": row["house_to_letter"]},
        )


def streets_read(path: Path, *, municipality) -> list[dict]:
    """A street table file (formats.md §5) read by the importer's own parser; refuses on any bad row."""
    raw = read_csv_text(decode_bytes(path.read_bytes(), file_name=path.name).text, sep=";")
    parsed = streets_parse(raw, file_name=path.name, municipalities={municipality.code: municipality.name},
                           default_municipality=municipality.code)
    if parsed.errors:
        raise ParseError(f"{path.name}: " + "; ".join(
            f"række {p.row}, {p.column} '{p.value}': {p.reason}" for p in parsed.errors[:5]))
    return parsed.frame.to_dict("records")


def categories_load(summary: LoadSummary, municipalities: dict) -> None:
    """Default categories, their rules, Albertslund's report categories, and known codes."""
    rules = read_csv_text((FIXTURES / "categories.csv").read_text(encoding="utf-8"), sep=";")
    order = {slug: i for i, slug in enumerate(dict.fromkeys(rules["Kategori"]))}
    for slug, group in rules.groupby("Kategori", sort=False):
        category = _upsert(
            OffenceCategory, summary, {"slug": slug},
            {"name": group["Navn"].iloc[0], "order": order[slug]},
        )
        for row in group.itertuples(index=False):
            _upsert(
                CategoryRule, summary,
                {"category": category, "source": row.Kilde, "prefix": row.Kode},
                {"exclude": str(row.Udelad).upper() == "J"},
            )
        for position, code in enumerate(sorted(set(group["Kommunekode"]) - {""})):
            _upsert(
                ReportCategory, summary,
                {"municipality": municipalities[code.zfill(3)], "category": category},
                {"order": order[slug] + position},
            )
    codes = read_csv_text((FIXTURES / "police_codes.csv").read_text(encoding="utf-8"), sep=";")
    for source, group in codes.groupby("Kilde"):
        offence_codes_register(source=str(source), codes=dict(zip(group["Kode"], group["Tekst"], strict=True)))
    category_membership_refresh()


@transaction.atomic
def reference_load() -> LoadSummary:
    """Load all reference data; running it again changes nothing."""
    summary = LoadSummary()
    municipalities = municipalities_load(summary)
    population_load(summary, municipalities)
    albertslund_load(summary, municipalities["165"])
    categories_load(summary, municipalities)
    return summary
