"""Loading police extracts: offences, charges and the combined sheet."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from districts.addresses import DistrictLocator
from districts.models import District, Municipality
from importers.models import ImportBatch
from reports.categories import offence_codes_register
from reports.models import CategoryCode, Charge, ReportedOffence

from .results import Counts
from .writer import existing_by_key, rows_delete, rows_upsert

OFFENCE_KEY = ("journal_number", "forhold")
OFFENCE_FIELDS = [
    "report_date", "offence_date", "code", "code_text", "address", "postcode", "municipality_id",
    "district_id", "district_method", "x", "y", "police_initiated",
]
CHARGE_KEY = ("journal_number", "forhold", "person_key")
CHARGE_FIELDS = ["offence_id", "charge_date", "birth_year", "sex", "home_municipality_id", "home_district_id"]
# Which file columns a stored field comes from: a later file without them leaves the field as it is.
OFFENCE_FIELD_SOURCES = {
    "offence_date": {"offence_date"}, "code_text": {"code_text"}, "address": {"address"},
    "postcode": {"postcode"}, "x": {"x"}, "y": {"y"}, "police_initiated": {"police_initiated"},
    "district_id": {"district", "address", "x", "y"}, "district_method": {"district", "address", "x", "y"},
}
CHARGE_FIELD_SOURCES = {
    "charge_date": {"charge_date"}, "birth_year": {"birth_year", "age", "cpr"}, "sex": {"sex", "cpr"},
    "home_municipality_id": {"home_municipality"}, "home_district_id": {"home_district"},
}


def fields_from_columns(*, fields: list[str], sources: dict[str, set[str]], columns: set[str] | None) -> list[str]:
    """The fields an update may change, given the canonical columns the file has (None: all)."""
    if columns is None:
        return list(fields)
    return [f for f in fields if f not in sources or sources[f] & columns]


def _none(value):
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def offences_rows(frame: pd.DataFrame, *, municipalities: dict[str, Municipality]) -> tuple[list[dict], list[str]]:
    """Canonical offence frame → model rows with districts assigned; warnings for unknowns."""
    warnings: list[str] = []
    rows: list[dict] = []
    unknown_district = 0
    for code, group in frame.groupby("municipality", sort=False):
        municipality = municipalities[code]
        locator = DistrictLocator.for_municipality(municipality)
        has_districts = bool(locator.by_name)
        named_unknown = set()
        for record in group.to_dict("records"):
            located = locator.locate(
                district=record["district"], address=record["address"], postcode=record["postcode"],
                x=_none(record.get("x")), y=_none(record.get("y")),
            )
            if record["district"] and located.method != "column":
                named_unknown.add(record["district"])
            if has_districts and located.district_id is None:
                unknown_district += 1
            rows.append({
                "journal_number": record["journal_number"], "forhold": int(record["forhold"]),
                "report_date": record["report_date"], "offence_date": _none(record.get("offence_date")),
                "code": record["code"], "code_text": record.get("code_text", "")[:200],
                "address": record.get("address", "")[:200], "postcode": record.get("postcode", "")[:4],
                "municipality_id": municipality.pk, "district_id": located.district_id,
                "district_method": located.method, "x": _none(record.get("x")), "y": _none(record.get("y")),
                "police_initiated": _none(record.get("police_initiated")),
            })
        if named_unknown:
            warnings.append(
                f"{municipality.name}: ukendte bydelsnavne " + ", ".join(sorted(named_unknown))
                + " – adressen eller koordinaten er brugt i stedet."
            )
    if unknown_district:
        warnings.append(
            f"{unknown_district} anmeldelser kunne ikke placeres i en bydel (ukendt bydel); "
            "de tælles med i kommunens tal og vises på datakvalitetssiden."
        )
    return rows, warnings


def offences_write(
    *, rows: list[dict], batch: ImportBatch, replace_period: tuple[dt.date, dt.date] | None, progress=None,
    columns: set[str] | None = None,
) -> tuple[Counts, list[str]]:
    """Create or update offences by (journal number, forhold); ``columns`` are the file's canonical columns."""
    warnings: list[str] = []
    fields = fields_from_columns(fields=OFFENCE_FIELDS, sources=OFFENCE_FIELD_SOURCES, columns=columns)
    existing = existing_by_key(
        model=ReportedOffence, key=OFFENCE_KEY, fields=fields,
        keys=[(r["journal_number"], r["forhold"]) for r in rows], lookup="journal_number",
    )
    counts = rows_upsert(model=ReportedOffence, rows=rows, key=OFFENCE_KEY, fields=fields,
                         batch=batch, existing=existing, progress=progress)
    if replace_period:
        start, end = replace_period
        keys = {(r["journal_number"], r["forhold"]) for r in rows}
        municipality_ids = {r["municipality_id"] for r in rows} or (
            {batch.municipality_id} if batch.municipality_id else set()
        )
        candidates = ReportedOffence.objects.filter(
            municipality_id__in=municipality_ids, report_date__gte=start, report_date__lte=end
        )
        absent = [pk for pk, j, f in candidates.values_list("pk", "journal_number", "forhold") if (j, f) not in keys]
        counts.removed = rows_delete(
            model=ReportedOffence, queryset=ReportedOffence.objects.filter(pk__in=absent), batch=batch,
            fields=[*OFFENCE_KEY, *OFFENCE_FIELDS],
        )
    codes = {}
    for r in rows:
        if r["code"] not in codes or (r["code_text"] and not codes[r["code"]]):
            codes[r["code"]] = r["code_text"]
    offence_codes_register(source="politi", codes=codes)
    mapped = set(CategoryCode.objects.filter(source="politi", code__in=list(codes)).values_list("code", flat=True))
    unmapped = sorted(set(codes) - mapped)
    if unmapped:
        warnings.append(
            f"{len(unmapped)} gerningskoder hører ikke til nogen gerningstype: " + ", ".join(unmapped[:20])
            + (" …" if len(unmapped) > 20 else "") + ". Tilføj en koderegel for at tælle dem med."
        )
    linked = charges_link(keys=[(r["journal_number"], r["forhold"]) for r in rows])
    if linked:
        warnings.append(f"{linked} tidligere indlæste sigtelser er nu knyttet til deres anmeldelse.")
    return counts, warnings


def charges_link(*, keys: list[tuple[str, int]] | None = None) -> int:
    """Link waiting (orphan) charges to their offences by (journal number, forhold)."""
    orphans = Charge.objects.filter(offence__isnull=True)
    if keys is not None:
        journals = sorted({k[0] for k in keys})
        orphans = orphans.filter(journal_number__in=journals) if len(journals) < 5000 else orphans
    waiting = list(orphans.values_list("pk", "journal_number", "forhold"))
    if not waiting:
        return 0
    offence_of = offence_ids(journals={j for _pk, j, _f in waiting})
    updates = [Charge(pk=pk, offence_id=offence_of[(j, f)]) for pk, j, f in waiting if (j, f) in offence_of]
    Charge.objects.bulk_update(updates, ["offence_id"], batch_size=2000)
    return len(updates)


def offence_ids(*, journals: set[str]) -> dict[tuple[str, int], int]:
    """(journal number, forhold) → offence id for the offences of these journal numbers."""
    ordered = sorted(journals)
    found: dict[tuple[str, int], int] = {}
    for start in range(0, len(ordered), 2000):
        for pk, j, f in ReportedOffence.objects.filter(journal_number__in=ordered[start:start + 2000]).values_list(
            "pk", "journal_number", "forhold"
        ):
            found[(j, f)] = pk
    return found


def charges_rows(frame: pd.DataFrame, *, municipalities: dict[str, Municipality]) -> tuple[list[dict], list[str]]:
    warnings: list[str] = []
    districts = {(d.municipality_id, d.name.casefold()): d.pk for d in District.objects.all()}
    offence_of = offence_ids(journals=set(frame["journal_number"]))
    rows, orphans, unknown_home_district = [], 0, set()
    for record in frame.to_dict("records"):
        home = municipalities.get(record["home_municipality"]) if record["home_municipality"] else None
        home_district = None
        if home is not None and record.get("home_district"):
            home_district = districts.get((home.pk, record["home_district"].casefold()))
            if home_district is None:
                unknown_home_district.add(record["home_district"])
        offence = offence_of.get((record["journal_number"], int(record["forhold"])))
        orphans += offence is None
        rows.append({
            "journal_number": record["journal_number"], "forhold": int(record["forhold"]),
            "person_key": record["person_key"], "offence_id": offence,
            "charge_date": _none(record.get("charge_date")), "birth_year": _none(record.get("birth_year")),
            "sex": record.get("sex") or "", "home_municipality_id": home.pk if home else None,
            "home_district_id": home_district,
        })
    if orphans:
        warnings.append(
            f"{orphans} sigtelser hører til anmeldelser, der ikke er indlæst endnu; de gemmes og knyttes "
            "til anmeldelsen, når den kommer (se datakvalitetssiden)."
        )
    if unknown_home_district:
        warnings.append("Ukendte bopælsbydele (gemt uden bydel): " + ", ".join(sorted(unknown_home_district)))
    return rows, warnings


def charges_write(*, rows: list[dict], batch: ImportBatch, progress=None, columns: set[str] | None = None) -> Counts:
    """Create or update charges by (journal number, forhold, person key)."""
    fields = fields_from_columns(fields=CHARGE_FIELDS, sources=CHARGE_FIELD_SOURCES, columns=columns)
    existing = existing_by_key(
        model=Charge, key=CHARGE_KEY, fields=fields,
        keys=[(r["journal_number"], r["forhold"], r["person_key"]) for r in rows], lookup="journal_number",
    )
    return rows_upsert(model=Charge, rows=rows, key=CHARGE_KEY, fields=fields, batch=batch,
                       existing=existing, progress=progress)



def offence_municipalities(*, offence_ids: set[int]) -> set[int]:
    ordered = sorted(offence_ids)
    found: set[int] = set()
    for start in range(0, len(ordered), 2000):
        found |= set(ReportedOffence.objects.filter(pk__in=ordered[start:start + 2000])
                     .values_list("municipality_id", flat=True).distinct())
    return found
