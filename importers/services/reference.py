"""Loading population, street tables, boundaries, category rules and activity figures."""

from __future__ import annotations

import pandas as pd

from districts.models import District, Municipality, PopulationCount, StreetRange
from districts.streets import street_key
from importers.models import ImportBatch, ImportChange
from importers.parsers.common import Problem
from reports.categories import category_membership_refresh
from reports.models import (
    ActivityFigure,
    CategoryCode,
    CategoryRule,
    OffenceCategory,
    ReportCategory,
    ReportedOffence,
)

from .results import Counts
from .writer import rows_delete, rows_upsert


def _district_ids(frame: pd.DataFrame, municipalities: dict[str, Municipality], column: str = "district",
                  *, required: bool) -> tuple[list[int | None], list[Problem]]:
    known = {(d.municipality.code, d.name.casefold()): d.pk for d in District.objects.select_related("municipality")}
    ids: list[int | None] = []
    problems: list[Problem] = []
    for row, code, name in zip(frame["row"], frame["municipality"], frame[column], strict=True):
        if not name:
            if required:
                problems.append(Problem(row, "Bydel", "", "Bydel mangler"))
            ids.append(None)
            continue
        pk = known.get((code, str(name).casefold()))
        if pk is None:
            muni = municipalities.get(code)
            problems.append(Problem(row, "Bydel", name, f"Ukendt bydel i {muni.name if muni else code}"))
        ids.append(pk)
    return ids, problems


def population_rows(frame, municipalities) -> tuple[list[dict], list[Problem]]:
    # Required: a row without a district would overwrite the municipality's own total (DST).
    district_ids, problems = _district_ids(frame, municipalities, required=True)
    rows = [
        {"municipality_id": municipalities[r["municipality"]].pk, "district_id": d, "date": r["date"],
         "sex": r["sex"], "age_from": r["age_from"], "age_to": r["age_to"], "count": r["count"]}
        for r, d in zip(frame.to_dict("records"), district_ids, strict=True)
    ]
    return rows, problems


def population_write(*, rows, batch: ImportBatch) -> Counts:
    key = ("municipality_id", "district_id", "date", "sex", "age_from", "age_to")
    existing = {}
    for muni_id in {r["municipality_id"] for r in rows}:
        for v in PopulationCount.objects.filter(municipality_id=muni_id).values("pk", *key, "count"):
            existing[tuple(v[k] for k in key)] = v
    return rows_upsert(model=PopulationCount, rows=rows, key=key, fields=["count"], batch=batch, existing=existing)


def streets_rows(frame, municipalities) -> tuple[list[dict], list[Problem]]:
    district_ids, problems = _district_ids(frame, municipalities, required=True)
    rows = []
    for r, d in zip(frame.to_dict("records"), district_ids, strict=True):
        rows.append({
            "municipality_id": municipalities[r["municipality"]].pk, "district_id": d,
            "street_name": r["street_name"], "street_key": street_key(r["street_name"]),
            "street_code": r["street_code"], "house_from": r["house_from"],
            "house_from_letter": r["house_from_letter"], "house_to": r["house_to"],
            "house_to_letter": r["house_to_letter"], "side": r["side"], "postcode": r["postcode"],
        })
    return rows, problems


def streets_write(*, rows, batch: ImportBatch) -> Counts:
    """The file replaces the street table of the municipalities it covers."""
    fields = ["district_id", "street_code", "postcode", "street_key"]
    # Letters belong to the key: 21-21C and 21D-21F are two rows of one street table.
    key = ("municipality_id", "street_name", "house_from", "house_from_letter", "house_to", "house_to_letter", "side")
    existing = {}
    muni_ids = {r["municipality_id"] for r in rows}
    for v in StreetRange.objects.filter(municipality_id__in=muni_ids).values("pk", *key, *fields):
        existing[tuple(v[k] for k in key)] = v
    counts = rows_upsert(model=StreetRange, rows=rows, key=key, fields=fields, batch=batch, existing=existing)
    keep = {tuple(r[k] for k in key) for r in rows}
    gone = [v["pk"] for k, v in existing.items() if k not in keep]
    counts.removed = rows_delete(model=StreetRange, queryset=StreetRange.objects.filter(pk__in=gone), batch=batch,
                                 fields=[*key, *fields])
    return counts


def boundaries_rows(*, frame: pd.DataFrame, municipality: Municipality | None) -> tuple[list[dict], list[Problem]]:
    """Match each feature's name to a district of ``municipality`` (checked before anything is written)."""
    if municipality is None:
        return [], [Problem(None, "Kommune", "", "Vælg den kommune, bydelsgrænserne hører til")]
    districts = {d.name.casefold(): d for d in District.objects.filter(municipality=municipality)}
    rows, problems = [], []
    for record in frame.to_dict("records"):
        district = districts.get(record["district"].casefold())
        if district is None:
            known = ", ".join(sorted(d.name for d in districts.values())) or "ingen"
            problems.append(Problem(record["row"], "navn", record["district"],
                                    f"Ukendt bydel i {municipality.name} (kendte bydele: {known})"))
            continue
        rows.append({"pk": district.pk, "boundary": record["geometry"]})
    return rows, problems


def boundaries_write(*, rows: list[dict], batch: ImportBatch) -> Counts:
    """Set the boundary of each district; the previous boundary is kept for rollback."""
    counts = Counts(read=len(rows))
    current = dict(District.objects.filter(pk__in=[r["pk"] for r in rows]).values_list("pk", "boundary"))
    for row in rows:
        if current[row["pk"]] == row["boundary"]:
            counts.unchanged += 1
            continue
        ImportChange.objects.create(batch=batch, model="districts.district", object_id=row["pk"],
                                    action=ImportChange.Action.UPDATED, previous={"boundary": current[row["pk"]]})
        District.objects.filter(pk=row["pk"]).update(boundary=row["boundary"])
        counts.updated += 1
    return counts


def categories_write(*, frame: pd.DataFrame, municipalities: dict[str, Municipality], batch: ImportBatch) -> tuple[Counts, list[str]]:
    """Replace the rules of the categories the file names, then re-categorise."""
    counts = Counts(read=len(frame))
    before = {slug: set(codes) for slug, codes in _membership().items()}
    for slug, group in frame.groupby("category", sort=False):
        name = next((n for n in group["name"] if n), str(slug).capitalize())
        category, created = OffenceCategory.objects.get_or_create(slug=slug, defaults={"name": name})
        if created:
            _change(batch, category, ImportChange.Action.CREATED)
        elif category.name != name and any(group["name"]):
            _change(batch, category, ImportChange.Action.UPDATED, previous={"name": category.name})
            category.name = name
            category.save(update_fields=["name"])
        rows = [{"category_id": category.pk, "source": r["source"], "prefix": r["code"], "exclude": bool(r["exclude"])}
                for r in group.to_dict("records")]
        key = ("category_id", "source", "prefix")
        existing = {tuple(v[k] for k in key): v for v in CategoryRule.objects.filter(category=category).values(
            "pk", *key, "exclude")}
        result = rows_upsert(model=CategoryRule, rows=rows, key=key, fields=["exclude"], batch=batch, existing=existing)
        keep = {tuple(r[k] for k in key) for r in rows}
        gone = [v["pk"] for k, v in existing.items() if k not in keep]
        result.removed = rows_delete(model=CategoryRule, queryset=CategoryRule.objects.filter(pk__in=gone),
                                     batch=batch, fields=[*key, "exclude"])
        counts.add(result)
        for code in sorted({c for c in group["municipality"] if c}):
            report_category, created = ReportCategory.objects.get_or_create(
                municipality=municipalities[code], category=category)
            if created:
                _change(batch, report_category, ImportChange.Action.CREATED)
    category_membership_refresh()
    return counts, category_changes_describe(before=before, after=_membership())


def _change(batch: ImportBatch, obj, action: str, previous: dict | None = None) -> None:
    ImportChange.objects.create(batch=batch, model=obj._meta.label_lower, object_id=obj.pk, action=action,
                                previous=previous)


def category_changes_describe(*, before: dict[str, set[tuple[str, str]]],
                              after: dict[str, set[tuple[str, str]]]) -> list[str]:
    """One Danish line per category whose codes changed: codes and stored offences that entered or left."""
    notes = []
    for slug in sorted(set(before) | set(after)):
        entered = after.get(slug, set()) - before.get(slug, set())
        left = before.get(slug, set()) - after.get(slug, set())
        if not entered and not left:
            continue
        offences_in = _offences_with_codes(entered)
        offences_out = _offences_with_codes(left)
        notes.append(
            f"Gerningstypen {slug}: {len(entered)} koder kom med ({offences_in} anmeldelser), "
            f"{len(left)} faldt ud ({offences_out} anmeldelser)."
        )
    return notes


def _offences_with_codes(codes: set[tuple[str, str]]) -> int:
    police = sorted(code for source, code in codes if source == "politi")
    return sum(ReportedOffence.objects.filter(code__in=police[start:start + 2000]).count()
               for start in range(0, len(police), 2000))


def _membership() -> dict[str, set[tuple[str, str]]]:
    result: dict[str, set[tuple[str, str]]] = {}
    for slug, source, code in CategoryCode.objects.values_list("category__slug", "source", "code"):
        result.setdefault(slug, set()).add((source, code))
    return result


def metrics_rows(frame, municipalities) -> tuple[list[dict], list[Problem]]:
    district_ids, problems = _district_ids(frame, municipalities, required=False)
    rows = [
        {"municipality_id": municipalities[r["municipality"]].pk, "district_id": d, "name": r["name"],
         "period": r["period"], "value": r["value"], "unit": r["unit"]}
        for r, d in zip(frame.to_dict("records"), district_ids, strict=True)
    ]
    return rows, problems


def metrics_write(*, rows, batch: ImportBatch) -> Counts:
    key = ("municipality_id", "district_id", "name", "period")
    existing = {}
    for v in ActivityFigure.objects.filter(municipality_id__in={r["municipality_id"] for r in rows}).values(
        "pk", *key, "value", "unit"
    ):
        existing[tuple(v[k] for k in key)] = v
    return rows_upsert(model=ActivityFigure, rows=rows, key=key, fields=["value", "unit"], batch=batch,
                       existing=existing)


def municipality_fields_write(*, rows: list[dict], fields: tuple[str, ...], batch: ImportBatch) -> Counts:
    """Set ``fields`` of each municipality (``rows``: code and the new values); the previous values are kept
    for rollback. Municipality groups (KOMGRP) and municipality boundaries are written this way."""
    counts = Counts(read=len(rows))
    current = {m["code"]: m for m in Municipality.objects.filter(code__in=[r["code"] for r in rows])
               .values("pk", "code", *fields)}
    for row in rows:
        stored = current[row["code"]]
        previous = {name: stored[name] for name in fields}
        if all(previous[name] == row[name] for name in fields):
            counts.unchanged += 1
            continue
        ImportChange.objects.create(batch=batch, model="districts.municipality", object_id=stored["pk"],
                                    action=ImportChange.Action.UPDATED, previous=previous)
        Municipality.objects.filter(pk=stored["pk"]).update(**{name: row[name] for name in fields})
        counts.updated += 1
    return counts
