"""Import a file: detect → parse → validate everything → write in one transaction → batch.

``file_import`` is the one entry point for the web upload, the admin and ``import_file``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from districts.models import Municipality
from importers.jobs import job_hold, writers_turn
from importers.models import ImportBatch
from importers.parsers.common import ParseError, Problem, decode_bytes, normalise_header
from importers.parsers.police import CHARGE_ALIASES, OFFENCE_ALIASES, charges_parse, offences_parse
from importers.parsers.reference import (
    CATEGORY_ALIASES,
    KOMGRP_ALIASES,
    METRIC_ALIASES,
    POPULATION_ALIASES,
    STREET_ALIASES,
    boundaries_parse,
    categories_parse,
    komgrp_parse,
    metrics_parse,
    municipality_boundaries_parse,
    population_parse,
    streets_parse,
)
from importers.parsers.tables import read_table
from reports.aggregates import aggregates_refresh
from reports.models import ReportedOffence
from reports.versioning import data_changed

from . import police, reference, stream
from .results import (
    MAX_ERRORS_SHOWN,
    Counts,
    ImportResult,
    Plan,
    frame_preview,
    problems_sorted,
    replace_period_dates,
)
from .rollback import batch_rollback
from .scope import (
    UNRESTRICTED,
    WriteScope,
    batch_municipalities,
    municipality_refused,
    rows_problems,
    shared_refused,
    stored_offence_problems,
    write_scope,
)

__all__ = ["file_import", "kind_detect", "batch_rollback", "ImportResult", "progress_get"]

log = logging.getLogger(__name__)

KINDS = [k for k, _label in ImportBatch.Kind.choices if k != "reference"]
PERSON_HEADERS = {normalise_header(a) for a in CHARGE_ALIASES["person_id"] + CHARGE_ALIASES["cpr"]}
OFFENCE_HEADERS = {normalise_header(a) for a in OFFENCE_ALIASES["report_date"] + OFFENCE_ALIASES["code"]}


def kind_detect(*, data: bytes, file_name: str) -> str:
    """Recognise the kind of file from its extension and headers."""
    name = file_name.lower()
    if name.endswith((".geojson", ".json")):
        return "mun_bounds" if b'"label_dk"' in data[:200_000] else "boundaries"  # DST's municipality map
    if name.endswith(".px") or data.lstrip(b"\xef\xbb\xbf")[:8].upper().startswith((b"CHARSET", b"AXIS-VER")):
        return "dst"
    if _looks_like_dst(data, file_name):
        return "dst"
    sheets = read_table(data, file_name=file_name, head_only=True)
    headers = set()
    for frame in sheets.values():
        headers |= {normalise_header(c) for c in frame.columns}
    has_person = bool(headers & PERSON_HEADERS)
    has_offence = bool(headers & OFFENCE_HEADERS)
    if has_person and has_offence and len(sheets) == 1:
        return "police"
    if len(sheets) > 1 and has_offence:
        return "police"
    if has_person:
        return "charges"
    if has_offence:
        return "offences"
    if {"kode", "niveau", "titel"} <= headers:  # a DST classification: KOMGRP, the municipality groups
        return "komgrp"
    if {"kategori", "kode", "kilde"} <= headers:
        return "categories"
    if {"noegletal", "periode"} <= headers:
        return "metrics"
    if "vejnavn" in headers:
        return "streets"
    if {"bydel", "dato", "antal"} <= headers:
        return "population"
    if "indhold" in headers or any(h.startswith(("omraade", "tid")) for h in headers):
        return "dst"
    said = (f"Filtypen for {file_name} kunne ikke genkendes ud fra kolonnerne "
            f"({', '.join(sorted(headers))[:300]}).")
    raise ParseError(f"{said} Vælg filtypen i feltet 'Filtype', eller ret kolonneoverskrifterne (se Hjælp).",
                     cli=f"{said} Angiv filtypen med --kind.")


def _looks_like_dst(data: bytes, file_name: str) -> bool:
    """A statbank.dk download: an INDHOLD column, tid/kvartal first, or a header of periods near the top."""
    from importers.parsers.dst import looks_like_dst
    from importers.parsers.tables import is_xlsx

    if is_xlsx(data, file_name):
        return False
    try:
        text = decode_bytes(data[:20000], file_name=file_name).text
    except ParseError:
        return False
    return looks_like_dst(text)


def _progress_key(batch_id: int) -> str:
    return f"import-progress-{batch_id}"


def progress_get(batch_id: int) -> int | None:
    return cache.get(_progress_key(batch_id))


class _Progress:
    """Counts written rows; shows the share in the cache, in ``batch.progress`` and to ``callback``.

    The write runs inside one transaction, so ``batch.progress`` is set through a connection of
    its own (PostgreSQL) that commits at once; other processes (the web page, a Celery worker)
    see it while the import runs. SQLite allows one writer at a time, so there the cache carries
    the progress until the import's transaction commits.
    """

    def __init__(self, batch: ImportBatch, total: int, callback: Callable[[int, int], None] | None):
        self.batch, self.total, self.done, self.callback = batch, max(total, 1), 0, callback
        self.saved = -1
        self.side = None  # a raw DB-API connection of its own, opened on first use
        self.side_failed = False

    def __call__(self, n: int) -> None:
        self.done += n
        percent = min(99, round(100 * self.done / self.total))
        cache.set(_progress_key(self.batch.pk), percent, 3600)
        if percent != self.saved:
            self.saved = percent
            self._save(percent)
        if self.callback:
            self.callback(self.done, self.total)

    def _save(self, percent: int) -> None:
        if not connection.in_atomic_block:
            ImportBatch.objects.filter(pk=self.batch.pk).update(progress=percent)
            return
        if connection.vendor != "postgresql" or self.side_failed:
            return
        table = connection.ops.quote_name(ImportBatch._meta.db_table)
        try:
            if self.side is None:
                self.side = connection.get_new_connection(connection.get_connection_params())
                self.side.autocommit = True
            with self.side.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET progress = %s WHERE id = %s", [percent, self.batch.pk])
        except DatabaseError:  # progress is a nicety; never fail an import over it
            log.warning("Could not save the progress of import batch %s", self.batch.pk, exc_info=True)
            self.side_failed = True

    def close(self) -> None:
        if self.side is not None:
            try:
                self.side.close()
            except DatabaseError:
                pass
            self.side = None


def file_import(
    *, data: bytes | None = None, file_name: str, kind: str = "auto", municipality: Municipality | None = None,
    user=None, options: dict | None = None, dry_run: bool = False, batch: ImportBatch | None = None,
    progress: Callable[[int, int], None] | None = None, path: str | Path | None = None,
) -> ImportResult:
    """Import ``data`` (bytes) or the file at ``path``.

    A police CSV at ``path`` larger than ``IMPORT_STREAM_BYTES`` is streamed in chunks
    (``stream.StreamPlan``): memory stays flat, and it is validated completely before the
    transaction commits. Everything else is read whole, validated, then written.
    """
    options = dict(options or {})
    started = time.perf_counter()
    head = None
    if data is None:
        path = Path(str(path))
        with path.open("rb") as handle:
            sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        head = stream.head_read(path)
    else:
        sha256 = hashlib.sha256(data).hexdigest()
    batch = batch or ImportBatch(file_name=file_name[:255], kind=kind if kind in KINDS else "offences")
    batch.sha256, batch.municipality = sha256, municipality
    batch.user = user if getattr(user, "is_authenticated", False) else batch.user
    kept = {k: v for k, v in (batch.options or {}).items() if k.startswith("_")}  # the UI's preview notes
    batch.options = {**kept, **_jsonable_options(options)}
    result = ImportResult(batch=batch, ok=False, kind=kind, dry_run=dry_run)
    allowed = write_scope(user)  # what the file's rows may touch, whatever the form said
    try:
        if data is not None and len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
            limit = settings.IMPORT_MAX_UPLOAD_BYTES / 1024 / 1024
            raise ParseError(f"Filen {file_name} er {len(data) / 1024 / 1024:.1f} MB; grænsen er {limit:.0f} MB. "
                             "Del filen op, fx pr. kvartal.")
        if kind == "auto":
            kind = kind_detect(data=data if head is None else head, file_name=file_name)
        if kind not in KINDS:
            raise ParseError(f"Ukendt filtype '{kind}'. Brug en af: {', '.join(KINDS)}.")
        result.kind = batch.kind = kind
        refused = municipality_refused(allowed, municipality, file_name)
        if refused:
            raise ParseError(refused)
        loaded = None if dry_run else _same_file_loaded(batch)
        if loaded is not None:
            return _finish(result, status=ImportBatch.Status.UNCHANGED, started=started, dry_run=False,
                           message=f"Filen {file_name} er allerede indlæst (samme indhold, kørsel #{loaded}); "
                                   "intet er ændret.")
        if head is not None and stream.streamable(kind=kind, path=Path(str(path)), head=head):
            names, objects = _municipalities()
            plan: Plan = stream.StreamPlan(path=Path(str(path)), file_name=file_name, kind=kind, head=head,
                                           names=names, objects=objects, options=options,
                                           default=municipality.code if municipality else None, allowed=allowed)
        else:
            data = Path(str(path)).read_bytes() if data is None else data
            plan = _prepare(kind, data=data, file_name=file_name, municipality=municipality, options=options,
                            allowed=allowed)
    except ParseError as exc:
        return _rejected(result, str(exc), started=started, dry_run=dry_run, cli=exc.cli)
    except DatabaseError:
        raise
    except Exception as exc:  # a file no parser rule foresaw: the analyst still gets an answer, not a crash
        log.exception("Reading %s as %s failed", file_name, kind)
        return _rejected(result, f"Filen {file_name} kunne ikke læses: den har en form, som indlæsningen ikke "
                         f"kender ({type(exc).__name__}). Intet er gemt. Kontrollér filens kolonner, datoer og tal, "
                         "og kontakt en administrator, hvis den ser rigtig ud.", started=started, dry_run=dry_run)
    result.preview, result.columns = plan.preview, plan.columns
    result.rows_read, result.warnings = plan.rows_read, plan.warnings
    result.period_from, result.period_to = plan.period
    if plan.problems:
        result.errors = problems_sorted(plan.problems)[:MAX_ERRORS_SHOWN]
        result.error_total = len(plan.problems)
        result.rows_rejected = len({p.row for p in plan.problems})
        return _finish(result, status=ImportBatch.Status.REJECTED, started=started, dry_run=dry_run,
                       message=f"Filen er afvist: {len(plan.problems)} fejl. Intet er gemt.")
    if dry_run and not plan.streamed:
        result.ok = True
        if plan.forecast is not None:
            result.warnings += plan.forecast()
        loaded = _same_file_loaded(batch)
        if loaded is not None:
            result.warnings.append(f"Den samme fil er allerede indlæst i kørsel #{loaded}; "
                                   "en ny indlæsning vil ikke ændre noget.")
        return _finish(result, status=ImportBatch.Status.PREVIEW, started=started, dry_run=True,
                       message=f"{plan.rows_read} rækker klar til indlæsning.")
    batch.status = ImportBatch.Status.RUNNING
    batch.progress = 0
    batch.save()
    with job_hold(batch.pk):  # released once the outcome is saved; its process's death releases it too
        batch.job_started_at = timezone.now()
        ImportBatch.objects.filter(pk=batch.pk).update(job_started_at=batch.job_started_at)
        tracker = _Progress(batch, plan.expected_rows, progress)
        try:
            with transaction.atomic():
                started += writers_turn(batch.pk)  # its duration leaves out the wait for its turn
                counts, notes = plan.write(batch=batch, progress=tracker)
                touched = batch_municipalities(batch) | ({municipality.pk} if municipality else set())
                batch.municipalities.set(touched)
                batch.shared_data = plan.shared
                if dry_run:  # a streamed file was validated by writing it; nothing may stay
                    transaction.set_rollback(True)
        except stream.Rejected as exc:
            result.rows_read, result.warnings, result.preview = plan.rows_read, plan.warnings, plan.preview
            result.errors, result.error_total = problems_sorted(exc.problems), exc.total
            result.rows_rejected = len({p.row for p in exc.problems})
            return _finish(result, status=ImportBatch.Status.REJECTED, started=started, dry_run=dry_run,
                           message=f"Filen er afvist: {exc.total} fejl. Intet er gemt.")
        except ParseError as exc:
            return _rejected(result, str(exc), started=started, dry_run=False, cli=exc.cli)
        except Exception as exc:  # the transaction is rolled back; the batch must not stay "running"
            log.exception("Import batch %s failed", batch.pk)
            message = (f"Indlæsningen af {file_name} fejlede uventet ({type(exc).__name__}); intet er gemt. "
                       "Kontakt en administrator, hvis det sker igen.")
            result.errors = [Problem(None, "", "", message)]
            result.error_total = 1
            _finish(result, status=ImportBatch.Status.FAILED, started=started, dry_run=False, message=message)
            raise
        finally:
            tracker.close()
        if plan.streamed:
            result.rows_read, result.warnings, result.period_from, result.period_to = (
                plan.rows_read, list(plan.warnings), *plan.period)
        result.warnings += notes
        result.rows_created, result.rows_updated = counts.created, counts.updated
        result.rows_unchanged, result.rows_removed = counts.unchanged, counts.removed
        result.ok = True
        if dry_run:
            return _finish(result, status=ImportBatch.Status.PREVIEW, started=started, dry_run=True,
                           message=(f"{plan.rows_read} rækker klar til indlæsning: {counts.created} nye, "
                                    f"{counts.updated} ændrede, {counts.unchanged} uændrede, {counts.removed} fjernes."))
        from accounts.services import audit_log

        codes = sorted(Municipality.objects.filter(pk__in=touched).values_list("code", flat=True))
        audit_log(user=user, action="import", municipality=municipality, target=f"#{batch.pk} {file_name}",
                  details={"kind": kind, "created": counts.created, "updated": counts.updated, "removed": counts.removed,
                           "municipalities": codes},
                  municipalities=touched)
        return _finish(result, status=ImportBatch.Status.DONE, started=started, dry_run=False,
                       message=(f"Indlæst: {counts.created} oprettet, {counts.updated} opdateret, "
                                f"{counts.unchanged} uændret, {counts.removed} fjernet."))


def _rejected(result: ImportResult, message: str, *, started: float, dry_run: bool,
              cli: str | None = None) -> ImportResult:
    """The file as a whole cannot be read: one error, nothing written. ``cli``: the message for the command line."""
    result.errors, result.error_total = [Problem(None, "", "", message, cli_reason=cli)], 1
    result.cli_message = cli or ""
    return _finish(result, status=ImportBatch.Status.REJECTED, started=started, dry_run=dry_run, message=message)


def _jsonable_options(options: dict) -> dict:
    out = {}
    for key, value in options.items():
        if isinstance(value, tuple | list):
            value = [v.isoformat() if isinstance(v, dt.date) else v for v in value]
        out[key] = value
    return out


def _same_file_loaded(batch: ImportBatch) -> int | None:
    """The id of a batch (not rolled back) that loaded the same bytes as the same kind with the same options."""
    same = ImportBatch.objects.filter(
        sha256=batch.sha256, kind=batch.kind, status=ImportBatch.Status.DONE, municipality=batch.municipality,
    ).exclude(pk=batch.pk).order_by("-pk").values_list("pk", "options")
    wanted = _comparable_options(batch.options)
    return next((pk for pk, options in same if _comparable_options(options) == wanted), None)


def _comparable_options(options: dict) -> dict:
    """Options that change what a file does (the UI keeps its preview under "_" keys)."""
    return {k: v for k, v in (options or {}).items() if not k.startswith("_") and v not in (None, "", [], {})}


def _finish(result: ImportResult, *, status: str, started: float, dry_run: bool, message: str) -> ImportResult:
    batch = result.batch
    result.message = message
    if status in (ImportBatch.Status.PREVIEW, ImportBatch.Status.DONE) and not result.rows_read:
        result.warnings.append("Filen har ingen rækker under overskriften: der er intet at indlæse.")
    batch.status = status
    batch.rows_read, batch.rows_created, batch.rows_updated = result.rows_read, result.rows_created, result.rows_updated
    batch.rows_unchanged, batch.rows_removed = result.rows_unchanged, result.rows_removed
    batch.rows_rejected = result.rows_rejected
    batch.errors = [p.as_dict() for p in result.errors]
    batch.error_count = result.error_total
    batch.warnings = result.warnings
    batch.period_from, batch.period_to = result.period_from, result.period_to
    batch.duration_seconds = round(time.perf_counter() - started, 3)
    batch.progress = 100 if status in (ImportBatch.Status.DONE, ImportBatch.Status.UNCHANGED) else batch.progress
    if not dry_run:
        batch.finished_at = timezone.now()
    batch.save()
    if status == ImportBatch.Status.DONE:
        cache.set(_progress_key(batch.pk), 100, 3600)
        data_changed()
    if status == ImportBatch.Status.REJECTED:
        _rejection_audit(result)
    return result


def _rejection_audit(result: ImportResult) -> None:
    """An audit entry for a refused file: who, its name, its hash and how many errors (never its content)."""
    from accounts.services import audit_log

    batch = result.batch
    audit_log(user=batch.user, action="import_rejected", municipality=batch.municipality,
              target=f"#{batch.pk} {batch.file_name}: {result.error_total} fejl",
              details={"kind": batch.kind, "sha256": batch.sha256, "errors": result.error_total,
                       "preview": result.dry_run})


_preview = frame_preview


def _preview_of(parsed, raw, aliases) -> dict:
    """A reference file's preview: the file's text beside each parsed value (the Plan's preview and columns)."""
    preview, columns = frame_preview(parsed.frame, raw=raw, aliases=aliases, problems=parsed.problems)
    return {"preview": preview, "columns": columns}


def _municipalities() -> tuple[dict[str, str], dict[str, Municipality]]:
    objects = {m.code: m for m in Municipality.objects.all()}
    return {c: m.name for c, m in objects.items()}, objects


def _prepare(kind: str, *, data: bytes, file_name: str, municipality: Municipality | None, options: dict,
             allowed: WriteScope = UNRESTRICTED) -> Plan:
    names, objects = _municipalities()
    default = municipality.code if municipality else None
    if kind == "dst":
        from .dst import dst_plan

        return dst_plan(data=data, file_name=file_name, options=options, municipalities=names, objects=objects,
                        allowed=allowed)
    shared_what = {"categories": "Gerningstyper og koderegler", "komgrp": "Kommunegrupperne (KOMGRP)",
                   "mun_bounds": "Kommunegrænserne"}
    if kind in shared_what:  # shared by every municipality: refused before it is read
        refused = shared_refused(allowed, what=shared_what[kind], file_name=file_name)
        if refused:
            raise ParseError(refused)
    if kind == "mun_bounds":
        parsed = municipality_boundaries_parse(data, file_name=file_name, municipalities=names,
                                               name_property=options.get("boundary_property"))
        rows = [{"code": r["municipality"], "boundary": r["geometry"]} for r in parsed.frame.to_dict("records")]
        preview = [{"name": r["name"], "municipality": r["municipality"], "geometry": r["geometry"]["type"],
                    "points": sum(len(ring) for polygon in r["geometry"]["coordinates"] for ring in polygon)}
                   for r in parsed.frame.to_dict("records")]
        return Plan(rows_read=len(parsed.frame) + len({p.row for p in parsed.problems}) + parsed.frame.attrs["skipped"],
                    preview=preview, columns=["name", "municipality", "geometry", "points"], problems=parsed.errors,
                    warnings=parsed.warnings, period=(None, None), shared=True,
                    write=lambda *, batch, progress: (reference.municipality_fields_write(
                        rows=rows, fields=("boundary",), batch=batch), []))
    if kind == "boundaries":
        parsed = boundaries_parse(data, file_name=file_name, name_property=options.get("boundary_property"))
        preview = [{"district": r["district"], "geometry": r["geometry"]["type"]} for r in parsed.frame.to_dict("records")]
        rows, problems = ([], []) if parsed.errors else reference.boundaries_rows(frame=parsed.frame,
                                                                                  municipality=municipality)
        return Plan(rows_read=len(parsed.frame) + len(parsed.errors), preview=preview, columns=["district", "geometry"],
                    problems=parsed.errors + problems, warnings=parsed.warnings, period=(None, None),
                    write=lambda *, batch, progress: (reference.boundaries_write(rows=rows, batch=batch), []))
    sheets = read_table(data, file_name=file_name, sheet_like=("anmeldelser", "sigtelser"))
    if kind in ("offences", "charges", "police"):
        return _prepare_police(kind, sheets=sheets, file_name=file_name, names=names, objects=objects,
                               default=default, options=options, allowed=allowed)
    raw = next(iter(sheets.values()))
    if kind == "population":
        parsed = population_parse(raw, file_name=file_name, municipalities=names, default_municipality=default)
        rows, problems = ([], []) if parsed.errors else reference.population_rows(parsed.frame, objects)
        problems = rows_problems(parsed.frame, scope=allowed, objects=objects, file_name=file_name) + problems
        dates = [d for d in parsed.frame["date"] if d]
        return Plan(rows_read=len(raw), **_preview_of(parsed, raw, POPULATION_ALIASES),
                     problems=parsed.errors + problems, warnings=parsed.warnings,
                     period=(min(dates, default=None), max(dates, default=None)),
                     write=lambda *, batch, progress: (reference.population_write(rows=rows, batch=batch), []))
    if kind == "streets":
        parsed = streets_parse(raw, file_name=file_name, municipalities=names, default_municipality=default)
        rows, problems = ([], []) if parsed.errors else reference.streets_rows(parsed.frame, objects)
        problems = rows_problems(parsed.frame, scope=allowed, objects=objects, file_name=file_name) + problems
        return Plan(rows_read=len(raw), **_preview_of(parsed, raw, STREET_ALIASES),
                     problems=parsed.errors + problems, warnings=parsed.warnings, period=(None, None),
                     write=lambda *, batch, progress: (reference.streets_write(rows=rows, batch=batch), []))
    if kind == "categories":
        parsed = categories_parse(raw, file_name=file_name, municipalities=names)
        return Plan(rows_read=len(raw), **_preview_of(parsed, raw, CATEGORY_ALIASES),
                     problems=parsed.errors, warnings=parsed.warnings, period=(None, None), shared=True,
                     write=lambda *, batch, progress: reference.categories_write(
                         frame=parsed.frame, municipalities=objects, batch=batch))
    if kind == "komgrp":
        parsed = komgrp_parse(raw, file_name=file_name, municipalities=names)
        members = parsed.frame[parsed.frame["municipality"] != ""]
        rows = [{"code": r["municipality"], "group_code": r["group_code"], "group_name": r["group_name"]}
                for r in members.to_dict("records")]
        preview, columns = frame_preview(parsed.frame, ["title", "level", "municipality", "group_name"], raw=raw,
                                         aliases=KOMGRP_ALIASES, problems=parsed.problems)
        return Plan(rows_read=len(raw), preview=preview, columns=columns,
                    problems=parsed.errors, warnings=parsed.warnings, period=(None, None), shared=True,
                    write=lambda *, batch, progress: (reference.municipality_fields_write(
                        rows=rows, fields=("group_code", "group_name"), batch=batch), []))
    if kind == "metrics":
        parsed = metrics_parse(raw, file_name=file_name, municipalities=names, default_municipality=default)
        rows, problems = ([], []) if parsed.errors else reference.metrics_rows(parsed.frame, objects)
        problems = rows_problems(parsed.frame, scope=allowed, objects=objects, file_name=file_name) + problems
        return Plan(rows_read=len(raw), **_preview_of(parsed, raw, METRIC_ALIASES),
                     problems=parsed.errors + problems, warnings=parsed.warnings, period=(None, None),
                     write=lambda *, batch, progress: (reference.metrics_write(rows=rows, batch=batch), []))
    raise ParseError(f"Filtypen '{kind}' kan ikke indlæses her.")


def _split_sheets(kind: str, sheets: dict, file_name: str):
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


def _prepare_police(kind, *, sheets, file_name, names, objects, default, options,
                    allowed: WriteScope = UNRESTRICTED) -> Plan:
    offences_raw, charges_raw = _split_sheets(kind, sheets, file_name)
    report_dates = None
    offence_columns: set[str] | None = None
    charge_columns: set[str] | None = None
    problems: list[Problem] = []
    warnings: list[str] = []
    offence_rows = None
    charge_rows = None
    preview, columns = [], []
    period = (None, None)
    rows_read = 0
    checked: list = []  # (frame, charges?): keys whose stored offence must be the user's: (frame, charges?)
    if offences_raw is not None:
        parsed = offences_parse(offences_raw, file_name=file_name, municipalities=names,
                                default_municipality=default)
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
        preview, columns = _preview(frame, ["journal_number", "forhold", "report_date", "offence_date", "code",
                                            "code_text", "address", "municipality", "district"],
                                    raw=offences_raw, aliases=OFFENCE_ALIASES, problems=parsed.problems)
        dates = [d for d in frame["report_date"] if d]
        period = (min(dates, default=None), max(dates, default=None))
        if not problems:
            offence_rows, notes = police.offences_rows(frame, municipalities=objects)
            warnings += notes
            preview, columns = police.preview_districts(preview, columns, offence_rows)
    if charges_raw is not None:
        parsed_charges = charges_parse(charges_raw, file_name=file_name, municipalities=names,
                                       secret=police.person_key_secret(), as_of_year=timezone.localdate().year,
                                       reference_dates=report_dates if charges_raw is offences_raw else None)
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
            preview, columns = _preview(frame, ["journal_number", "forhold", "charge_date", "birth_year", "sex",
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
        counts, notes = Counts(), []
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
        start, end = replace_period_dates(replace)
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
