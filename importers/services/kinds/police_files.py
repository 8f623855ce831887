"""Police extracts: offences, charges, or both (one combined sheet, or two sheets). The three kinds
(``offences``, ``charges``, ``police``) read their sheets here."""

from __future__ import annotations

import hashlib

import pandas as pd
from django.utils import timezone

from importers.parsers.common import ParseError, Problem, normalise_header
from importers.parsers.police import CHARGE_ALIASES, OFFENCE_ALIASES, charges_parse, offences_parse
from reports.aggregates import aggregates_refresh
from reports.models import ReportedOffence

from .. import police, stream
from ..results import MAX_ERRORS_SHOWN, Counts, Plan, frame_preview, replace_period_dates
from ..scope import rows_problems, stored_offence_problems
from .base import Head, Reading

PERSON_HEADERS = {normalise_header(a) for a in CHARGE_ALIASES["person_id"] + CHARGE_ALIASES["cpr"]}
OFFENCE_HEADERS = {normalise_header(a) for a in OFFENCE_ALIASES["report_date"] + OFFENCE_ALIASES["code"]}


def has_person(head: Head) -> bool:
    return bool(head.headers & PERSON_HEADERS)


def has_offence(head: Head) -> bool:
    return bool(head.headers & OFFENCE_HEADERS)


def _split_sheets(kind: str, sheets: dict, file_name: str) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Which table holds offences and which charges (one combined sheet, two sheets, or one kind)."""
    offences_raw = charges_raw = None
    for frame in sheets.values():
        headers = {normalise_header(c) for c in frame.columns}
        is_person, is_offence = bool(headers & PERSON_HEADERS), bool(headers & OFFENCE_HEADERS)
        if is_offence and offences_raw is None and kind in ("offences", "police"):
            offences_raw = frame
        if is_person and charges_raw is None and kind in ("charges", "police"):
            charges_raw = frame
    if kind == "offences" and offences_raw is None:
        offences_raw = next(iter(sheets.values()))
    if kind == "charges" and charges_raw is None:
        charges_raw = next(iter(sheets.values()))
    if kind == "police" and offences_raw is None:
        raise ParseError(f"Filen {file_name} har ingen ark med anmeldelser ('Anmeldt dato', 'Gerningskode').")
    return offences_raw, charges_raw


def police_plan(kind: str, r: Reading) -> Plan:
    """The plan of a police extract read as ``kind``: its offences and charges parsed, checked and previewed."""
    file_name, names, objects, default, options, allowed = (r.file_name, r.names, r.objects, r.default, r.options,
                                                            r.allowed)
    offences_raw, charges_raw = _split_sheets(kind, r.sheets, file_name)
    report_dates = None
    offence_columns: set[str] | None = None
    charge_columns: set[str] | None = None
    problems: list[Problem] = []
    warnings: list[str] = []
    offence_rows = None
    charge_rows = None
    preview: list[dict] = []
    columns: list[str] = []
    period = (None, None)
    rows_read = 0
    checked: list[tuple[pd.DataFrame, bool]] = []  # (frame, charges?): keys whose stored offence must be the user's: (frame, charges?)
    if offences_raw is not None:
        parsed = r.parsed("offences", lambda: offences_parse(offences_raw, file_name=file_name, municipalities=names,
                                                             default_municipality=default))
        frame = parsed.frame
        offence_columns = set(frame.attrs.get("columns_in_file", frame.columns))
        report_dates = frame["report_date"]
        if charges_raw is offences_raw:  # combined sheet: one row per (offence, person)
            frame = frame.drop_duplicates(subset=["journal_number", "forhold"], keep="first")
            parsed.problems = [p for p in parsed.problems if not p.reason.startswith("Samme nøgle")]
        problems += parsed.problems
        problems += rows_problems(frame, scope=allowed, objects=objects, file_name=file_name)
        checked.append((frame[["row", "journal_number", "forhold"]], False))
        warnings += parsed.warnings
        rows_read += len(offences_raw)
        preview, columns = frame_preview(frame, ["journal_number", "forhold", "report_date", "offence_date", "code",
                                            "code_text", "address", "municipality", "district"],
                                    raw=offences_raw, aliases=OFFENCE_ALIASES, problems=parsed.problems)
        dates = [d for d in frame["report_date"] if d]
        period = (min(dates, default=None), max(dates, default=None))
        if not problems:
            offence_rows, notes = police.offences_rows(frame, municipalities=objects)
            warnings += notes
            preview, columns = police.preview_districts(preview, columns, offence_rows)
    if charges_raw is not None:
        secret, year = police.person_key_secret(), timezone.localdate().year
        parsed_charges = r.parsed(f"charges-{year}-{_secret_id(secret)}", lambda: charges_parse(
            charges_raw, file_name=file_name, municipalities=names, secret=secret, as_of_year=year,
            reference_dates=report_dates if charges_raw is offences_raw else None))
        frame = parsed_charges.frame
        charge_columns = set(frame.attrs.get("columns_in_file", frame.columns))
        if charges_raw is offences_raw:
            frame = frame[frame["person_key"] != ""]
            parsed_charges.problems = [p for p in parsed_charges.problems if p.reason != "Person-ID eller CPR mangler"]
        else:
            rows_read += len(charges_raw)
        problems += parsed_charges.problems
        if charges_raw is not offences_raw:  # a combined sheet's rows are checked as offences
            checked.append((frame[["row", "journal_number", "forhold"]], True))
        warnings += [w for w in parsed_charges.warnings if w not in warnings]  # a combined sheet's file, once
        if not preview:
            preview, columns = frame_preview(frame, ["journal_number", "forhold", "charge_date", "birth_year", "sex",
                                                "home_municipality", "home_district"],
                                        raw=charges_raw, aliases=CHARGE_ALIASES, problems=parsed_charges.problems)
        if not problems:
            charge_rows, notes = police.charges_rows(frame, municipalities=objects)
            warnings += notes
    replace = options.get("replace_period")
    if replace and offences_raw is None:
        raise ParseError("'Erstat periode' gælder kun for filer med anmeldelser: lad felterne stå tomme.",
                             cli="--replace-period gælder kun for filer med anmeldelser.")

    def stored_elsewhere() -> list[Problem]:
        return [p for frame, charges in checked
                for p in stored_offence_problems(frame, scope=allowed, file_name=file_name, charges=charges)]

    problems += stored_elsewhere()

    def write(*, batch, progress):
        late = stored_elsewhere()  # again, in the import's transaction: another import may have come between
        if late:
            raise stream.Rejected(late[:MAX_ERRORS_SHOWN], len(late))
        counts, notes = Counts(), list[str]()
        touched: set[int] = set()
        if offence_rows is not None:
            offence_counts, notes = police.offences_write(rows=offence_rows, batch=batch,
                                                          replace_period=replace_period_dates(replace), progress=progress,
                                                          columns=offence_columns)
            counts.add(offence_counts)
            touched |= set(offence_rows["municipality_id"].dropna().astype(int).tolist())
        if charge_rows is not None and len(charge_rows):
            charge_counts, charge_notes = police.charges_write(rows=charge_rows, batch=batch, progress=progress,
                                                               columns=charge_columns)
            counts.add(charge_counts)
            notes = notes + charge_notes
            touched |= police.charge_municipalities(batch=batch)
        if replace:
            touched |= {batch.municipality_id} if batch.municipality_id else set()
        aggregates_refresh(municipality_ids=touched, months=counts.months)
        return counts, notes

    def forecast() -> list[str]:
        """What the replaced period loses: its stored offences whose key the file does not have."""
        if not replace or offence_rows is None:
            return []
        start, end = replace_period_dates(replace) or (None, None)
        ids = set(offence_rows["municipality_id"].dropna().astype(int).tolist())
        if not ids and default in objects:
            ids = {objects[default].pk}
        stored = set(ReportedOffence.objects.filter(municipality_id__in=ids, report_date__range=(start, end))
                     .values_list("journal_number", "forhold"))
        gone = len(stored - set(zip(offence_rows["journal_number"], offence_rows["forhold"], strict=True)))
        return [f"Perioden {start:%d-%m-%Y} – {end:%d-%m-%Y} erstattes af filen: {gone} af de {len(stored)} "
                "anmeldelser, der ligger i perioden nu, findes ikke i filen og fjernes, når du godkender."]

    return Plan(rows_read=rows_read, preview=preview, columns=columns, problems=problems, warnings=warnings,
                period=period, write=write, forecast=forecast)


def _secret_id(secret: str) -> str:
    """Which person-key secret charges were parsed under (kept parses are of that secret only), not the secret."""
    return hashlib.sha256(b"dke-parse-" + secret.encode()).hexdigest()[:12]
