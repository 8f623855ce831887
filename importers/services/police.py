"""Loading police extracts: offences, charges and the combined sheet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection

from districts.addresses import DistrictLocator
from districts.models import District, Municipality
from importers.models import ImportBatch, ImportChange
from importers.parsers.common import ParseError, distinct_rows, per_distinct
from reports.aggregates import aggregates_add_charges, aggregates_add_offences
from reports.categories import offence_codes_register
from reports.models import CategoryCode, Charge, ChargeFact, ReportedOffence

from . import bulk
from .bulk import (
    Lookup,
    Merged,
    MergeSpec,
    Replace,
    Staged,
    staged_merge,
    upkeep_deferred_when_large,
)
from .results import Counts
from .scope import charge_link_permitted
from .staging import StagingTable
from .table_upkeep import analyze, upkeep_deferred
from .writer import model_label


def person_key_secret() -> str:
    """The secret person keys are hashed under; a file with persons is refused without one (never a fallback)."""
    secret = settings.PERSON_KEY_SECRET
    if not secret:
        raise ParseError("Sigtelser kan ikke indlæses: PERSON_KEY_SECRET er ikke sat, så CPR-numre og person-id'er "
                         "kan ikke gøres anonyme. Kontakt driften (manage.py check --deploy viser fejlen).")
    return secret


OFFENCE_KEY = ("journal_number", "forhold")
OFFENCE_FIELDS = [
    "report_date", "offence_date", "code", "code_text", "address", "postcode", "municipality_id",
    "district_id", "district_method", "x", "y", "police_initiated",
]
CHARGE_KEY = ("journal_number", "forhold", "person_key")
OFFENCE_DATES = ("report_date", "offence_date")  # an offence counts in the months of both (figures by either)
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


PLACE_COLUMNS = ["municipality", "district", "address", "postcode", "x", "y"]


def _locate_distinct(frame: pd.DataFrame, locators: dict[str, DistrictLocator]) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's place number and, per distinct place (municipality, bydel, address, postcode, x, y), its district.

    A place is located once however many offences it has; ``locators`` maps municipality code → locator.
    """
    places = frame.reindex(columns=PLACE_COLUMNS)
    numbers, first = distinct_rows(places)
    distinct = places.iloc[first].reset_index(drop=True)
    found = []
    columns = [distinct[c].to_numpy(dtype=object) for c in PLACE_COLUMNS]  # plain arrays: iterating them is fast
    for code, district, address, postcode, x, y in zip(*columns, strict=True):
        found.append(locators[code].locate(district=district or "", address=address or "", postcode=postcode or "",
                                           x=None if pd.isna(x) else x, y=None if pd.isna(y) else y))
    distinct["district_id"] = pd.array([f.district_id for f in found], dtype="Int64")
    distinct["method"] = [f.method for f in found]
    distinct["rows"] = np.bincount(numbers, minlength=len(distinct))
    return numbers, distinct


def _municipality_ids(codes: pd.Series, municipalities: dict[str, Municipality]) -> pd.Series:
    """Municipality codes → their ids (missing where unknown), each distinct code looked up once."""
    ids = {c: m.pk for c, m in municipalities.items()}
    return per_distinct(codes, lambda distinct: distinct.map(ids)).astype("Int64")


def offences_rows(frame: pd.DataFrame, *, municipalities: dict[str, Municipality],
                  locators: dict[str, DistrictLocator] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Canonical offence frame → the stored columns, districts assigned; warnings for unknowns.

    ``locators`` (municipality code → locator) lets the chunks of a streamed file share them.
    """
    warnings: list[str] = []
    locators = {} if locators is None else locators
    if len(frame):
        locators.update({c: DistrictLocator.for_municipality(municipalities[c])
                         for c in frame["municipality"].unique() if c not in locators})
    numbers, places = _locate_distinct(frame, locators)
    rows = pd.DataFrame({
        "journal_number": frame["journal_number"], "forhold": frame["forhold"].astype(int),
        "report_date": frame["report_date"],
        "offence_date": frame["offence_date"] if "offence_date" in frame else None,
        "code": frame["code"], "code_text": frame["code_text"], "address": frame["address"],  # lengths: the parser
        "postcode": frame["postcode"],
        "municipality_id": _municipality_ids(frame["municipality"], municipalities),
        "district_id": places["district_id"].array.take(numbers),
        "district_method": places["method"].to_numpy()[numbers],
        "x": frame["x"] if "x" in frame else float("nan"), "y": frame["y"] if "y" in frame else float("nan"),
        "police_initiated": frame["police_initiated"] if "police_initiated" in frame else None,
    }, index=frame.index)
    unknown_district = 0
    for group_code, here in places.groupby("municipality", sort=False):
        code = str(group_code)
        if locators[code].by_name:
            unknown_district += int(here.loc[here["district_id"].isna(), "rows"].sum())
        named_unknown = set(here.loc[(here["district"] != "") & (here["method"] != "column"), "district"])
        if named_unknown:
            warnings.append(
                f"{municipalities[code].name}: ukendte bydelsnavne " + ", ".join(sorted(named_unknown))
                + " – adressen eller koordinaten er brugt i stedet."
            )
    if unknown_district:
        warnings.append(
            f"{unknown_district} anmeldelser kunne ikke placeres i en bydel (ukendt bydel); "
            "de tælles med i kommunens tal og vises på datakvalitetssiden."
        )
    return rows.reset_index(drop=True), warnings


def preview_districts(preview: list[dict], columns: list[str], rows: pd.DataFrame) -> tuple[list[dict], list[str]]:
    """Add to the preview the district each offence will be counted in, and how it was found."""
    names = dict(District.objects.values_list("pk", "name"))
    head = rows.head(len(preview))
    for row, district_id, method in zip(preview, head["district_id"], head["district_method"], strict=True):
        row["assigned_district"] = names.get(district_id, "Ukendt bydel") if not pd.isna(district_id) else "Ukendt bydel"
        row["district_method"] = method  # its label in the reader's language when the page is shown
    return preview, [*columns, "assigned_district", "district_method"]


def offence_codes(rows: pd.DataFrame) -> dict[str, str]:
    """The offence codes of ``rows`` with a code text where the file gives one."""
    texts = rows.loc[rows["code_text"] != "", ["code", "code_text"]].drop_duplicates("code")
    return dict.fromkeys(rows["code"].unique().tolist(), "") | dict(texts.itertuples(index=False))


def offences_write(
    *, rows: pd.DataFrame, batch: ImportBatch, replace_period: tuple[dt.date, dt.date] | None, progress=None,
    columns: set[str] | None = None,
) -> tuple[Counts, list[str]]:
    """Create or update offences by (journal number, forhold); ``columns`` are the file's canonical columns."""
    return offences_merge(frame=rows, batch=batch, replace_period=replace_period, progress=progress, columns=columns,
                          codes=offence_codes(rows), municipality_ids=set(rows["municipality_id"].dropna().astype(int)))


def offences_merge(
    *, batch: ImportBatch, replace_period: tuple[dt.date, dt.date] | None, columns: set[str] | None,
    codes: dict[str, str], municipality_ids: set[int], frame: pd.DataFrame | None = None,
    stage: StagingTable | None = None, rows: int = 0, progress=None,
) -> tuple[Counts, list[str]]:
    """Merge offences given as a ``frame`` or a loaded ``stage``; register codes, link waiting charges."""
    warnings: list[str] = []
    replace = None
    if replace_period:
        start, end = replace_period
        replaced = municipality_ids or ({batch.municipality_id} if batch.municipality_id else set())
        replace = Replace(column="report_date", start=start, end=end, owner="municipality_id",
                          owners=frozenset(replaced))
    spec = MergeSpec(model=ReportedOffence, key=OFFENCE_KEY, fields=tuple(OFFENCE_FIELDS), compare=tuple(
        fields_from_columns(fields=OFFENCE_FIELDS, sources=OFFENCE_FIELD_SOURCES, columns=columns)),
        dates=OFFENCE_DATES, replace=replace)
    merged = staged_merge(spec, batch=batch, frame=frame, stage=stage, rows=rows, progress=progress,
                          on_merged=_offences_counted)
    notes, linked = _offences_stored(codes)
    # the months of changed and removed rows are regrouped; new rows were counted as they are, unless
    # waiting charges were linked to them: then their months are regrouped too
    merged.counts.months = merged.months | (merged.added if linked else frozenset())
    return merged.counts, warnings + notes


def _offences_counted(cursor, merged: Merged, result: Staged) -> bool:
    """New offences (a new quarter) are added to the aggregate table as they are. Regrouping their months
    instead would regroup every month back to the offence dates of late-reported offences."""
    aggregates_add_offences(cursor, offences=merged.new_rows())
    return True


def _offences_stored(codes: dict[str, str]) -> tuple[list[str], int]:
    """After offences are written: register their codes, link waiting charges; the warnings for both and
    the number of charges linked."""
    warnings = []
    offence_codes_register(source="politi", codes=codes)
    mapped = set(CategoryCode.objects.filter(source="politi", code__in=list(codes)).values_list("code", flat=True))
    unmapped = sorted(set(codes) - mapped)
    if unmapped:
        warnings.append(
            f"{len(unmapped)} gerningskoder hører ikke til nogen gerningstype: " + ", ".join(unmapped[:20])
            + (" …" if len(unmapped) > 20 else "") + ". Tilføj en koderegel for at tælle dem med."
        )
    linked = charges_link()
    if linked:
        warnings.append(f"{linked} tidligere indlæste sigtelser er nu knyttet til deres anmeldelse.")
    return warnings, linked


FIRST_LOAD_COLUMNS = [*OFFENCE_KEY, *OFFENCE_FIELDS, "batch_id"]


@contextmanager
def offences_first_load(*, rows: int) -> Iterator[StagingTable | None]:
    """A loader straight into the empty offences table, for a large first load; None otherwise.

    With no stored offence there is nothing to merge with: the rows go into the table itself, its
    natural key, secondary indexes and (PostgreSQL) foreign keys are created again afterwards, and
    the staging and merge copies are saved (bench/RESULTS.md). The table is locked against other
    writers before it is found empty, until the import commits. Keys repeated within the file must
    be found before the block ends (the natural key, created again, would refuse them anyway).
    """
    table = ReportedOffence._meta.db_table
    if rows < bulk.BULK_REBUILD_ROWS:
        yield None
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN SHARE ROW EXCLUSIVE MODE")
        if ReportedOffence.objects.exists():
            yield None
            return
        with upkeep_deferred(cursor, table=table, unique=True) as deferred:
            yield StagingTable.into(model=ReportedOffence, columns=FIRST_LOAD_COLUMNS) if deferred else None


def offences_first_loaded(*, batch: ImportBatch, count: int, months: frozenset, codes: dict[str, str]) -> tuple[Counts, list[str]]:
    """The bookkeeping of a first load: one change record for the created rows, fresh planner
    statistics, codes registered and waiting charges linked (as ``offences_merge`` does)."""
    ImportChange.objects.create(batch=batch, model=model_label(ReportedOffence), object_id=count,
                                action=ImportChange.Action.BULK_CREATED)
    with connection.cursor() as cursor:
        analyze(cursor, ReportedOffence._meta.db_table)
    return Counts(read=count, created=count, months=months), _offences_stored(codes)[0]


def charges_link() -> int:
    """Link waiting (orphan) charges to their offences by (journal number, forhold), in one statement.

    A waiting charge belongs to no municipality: it is linked only when the import that last wrote it
    could write the offence's municipality (``scope.charge_link_permitted``); otherwise it keeps waiting."""
    charge, offence = (connection.ops.quote_name(m._meta.db_table) for m in (Charge, ReportedOffence))
    match = f"SELECT o.id FROM {offence} o WHERE o.journal_number = {charge}.journal_number AND o.forhold = {charge}.forhold"
    permitted = charge_link_permitted(charge, "o")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {charge} SET offence_id = ({match}) WHERE offence_id IS NULL "
                       f"AND EXISTS ({match} AND {permitted})")
        return max(cursor.rowcount, 0)


def charges_rows(frame: pd.DataFrame, *, municipalities: dict[str, Municipality]) -> tuple[pd.DataFrame, list[str]]:
    """Canonical charge frame → the stored columns; the offence is found when the rows are written."""
    warnings: list[str] = []
    districts = {(d.municipality_id, d.name.casefold()): d.pk for d in District.objects.all()}
    home = _municipality_ids(frame["home_municipality"], municipalities)
    named = per_distinct(frame["home_district"].fillna(""), lambda t: t.str.strip())
    numbers, first = distinct_rows(pd.DataFrame({"home": home, "name": named}))  # each (home, bydel) looked up once
    pairs = [(h, n) for h, n in zip(home.iloc[first], named.iloc[first], strict=True) if n and not pd.isna(h)]
    found = {(h, n): districts.get((int(h), n.casefold())) for h, n in pairs}
    home_district = pd.array([found.get((h, n)) for h, n in zip(home.iloc[first], named.iloc[first], strict=True)],
                             dtype="Int64").take(numbers)
    unknown = {n for (h, n), pk in found.items() if pk is None}
    rows = pd.DataFrame({
        "journal_number": frame["journal_number"], "forhold": frame["forhold"].astype(int),
        "person_key": frame["person_key"],
        "charge_date": frame["charge_date"] if "charge_date" in frame else None,
        "birth_year": pd.array(frame["birth_year"].tolist(), dtype="Int64"),
        "sex": frame["sex"].fillna(""), "home_municipality_id": home,
        "home_district_id": home_district,
    }, index=frame.index)
    if unknown:
        warnings.append("Ukendte bopælsbydele (gemt uden bydel): " + ", ".join(sorted(unknown)))
    return rows.reset_index(drop=True), warnings


CHARGE_LOOKUPS = (Lookup("offence_id", ReportedOffence, (("journal_number", "journal_number"), ("forhold", "forhold"))),)


def _charges_counted(cursor, merged: Merged, result: Staged) -> bool:
    """New charges are added to the aggregate table and the charge facts as they are (no regrouping
    needed). A large load of charges builds the facts' indexes afterwards, as the offences' do. Returns
    False when the aggregate table is out of step with them: their months are regrouped instead."""
    with upkeep_deferred_when_large(cursor, table=ChargeFact._meta.db_table, rows=result.counts.created) as deferred:
        counted = aggregates_add_charges(cursor, charges=merged.new_rows())
    if deferred:
        analyze(cursor, ChargeFact._meta.db_table)
    return bool(counted)


def charges_write(*, rows: pd.DataFrame | None, batch: ImportBatch, progress=None, columns: set[str] | None = None,
                  stage: StagingTable | None = None, count: int = 0) -> tuple[Counts, list[str]]:
    """Create or update charges by (journal number, forhold, person key), each linked to its offence.

    The charges come as a frame (``rows``) or as a loaded ``stage`` of ``count`` rows.
    """
    spec = MergeSpec(model=Charge, key=CHARGE_KEY, fields=tuple(CHARGE_FIELDS), compare=tuple(
        fields_from_columns(fields=CHARGE_FIELDS, sources=CHARGE_FIELD_SOURCES, columns=columns)),
        lookups=CHARGE_LOOKUPS, dates=OFFENCE_DATES, dates_via="offence_id")
    merged = staged_merge(spec, batch=batch, frame=rows, stage=stage, rows=count, progress=progress,
                          on_merged=_charges_counted)
    # changed charges' months, and new ones' if they were not counted as they are
    merged.counts.months = merged.months | (frozenset() if merged.added_counted else merged.added)
    notes = []
    orphans = merged.lookups_missing.get("offence_id", 0)
    if orphans:
        notes.append(
            f"{orphans} sigtelser hører til anmeldelser, der ikke er indlæst endnu; de gemmes og knyttes "
            "til anmeldelsen, når den kommer (se datakvalitetssiden)."
        )
    return merged.counts, notes


def charge_municipalities(*, batch: ImportBatch) -> set[int]:
    """The municipalities of the offences whose charges ``batch`` created or changed."""
    return set(ReportedOffence.objects.filter(charges__batch=batch).values_list("municipality_id", flat=True)
               .distinct().order_by())
