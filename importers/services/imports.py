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
from django.db import DatabaseError, transaction

from accounts.services import audit_log
from districts.models import Municipality
from importers.jobs import job_hold, writers_turn
from importers.models import ImportBatch
from importers.parsers.common import ParseError, Problem

from . import stream
from .kinds import Reading, kind_detect, kind_plan
from .lifecycle import batch_finish, import_running, job_started
from .progress import ProgressTracker
from .results import (
    MAX_ERRORS_SHOWN,
    ImportResult,
    Plan,
    problems_sorted,
)
from .scope import (
    batch_municipalities,
    municipality_refused,
    write_scope,
)

log = logging.getLogger(__name__)

KINDS = [k for k, _label in ImportBatch.Kind.choices if k != "reference"]


def _municipalities() -> tuple[dict[str, str], dict[str, Municipality]]:
    objects = {m.code: m for m in Municipality.objects.all()}
    return {c: m.name for c, m in objects.items()}, objects


def file_import(
    *, data: bytes | None = None, file_name: str, kind: str = "auto", municipality: Municipality | None = None,
    user=None, options: dict | None = None, dry_run: bool = False, batch: ImportBatch | None = None,
    progress: Callable[[int, int], None] | None = None, path: str | Path | None = None, keep_parsed: bool = False,
) -> ImportResult:
    """Import ``data`` (bytes) or the file at ``path``.

    A police CSV at ``path`` larger than ``IMPORT_STREAM_BYTES`` is streamed in chunks
    (``stream.StreamPlan``): memory stays flat, and it is validated completely before the
    transaction commits. Everything else is read whole, validated, then written.

    ``keep_parsed`` (a preview whose upload is stored for its confirmation): keep what parsing the file gave
    beside the upload, so that importing the same file (same SHA-256) does not parse it again.
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
            kind = kind_detect(data=data if data is not None else head or b"", file_name=file_name)
        if kind not in KINDS:
            raise ParseError(f"Ukendt filtype '{kind}'. Brug en af: {', '.join(KINDS)}.")
        result.kind = batch.kind = kind
        refused = municipality_refused(allowed, municipality, file_name)
        if refused:
            raise ParseError(refused)
        loaded = None if dry_run else _same_file_loaded(batch)
        if loaded is not None:
            return batch_finish(result, status=ImportBatch.Status.UNCHANGED, started=started, dry_run=False,
                           message=f"Filen {file_name} er allerede indlæst (samme indhold, kørsel #{loaded}); "
                                   "intet er ændret.")
        if head is not None and stream.streamable(kind=kind, path=Path(str(path)), head=head):
            names, objects = _municipalities()
            plan: Plan = stream.StreamPlan(path=Path(str(path)), file_name=file_name, kind=kind, head=head,
                                           names=names, objects=objects, options=options,
                                           default=municipality.code if municipality else None, allowed=allowed)
        else:
            data = Path(str(path)).read_bytes() if data is None else data
            names, objects = _municipalities()
            reading = Reading(data=data, file_name=file_name, municipality=municipality, options=options,
                              allowed=allowed, names=names, objects=objects, sha256=sha256, kind=kind,
                              keep=dry_run and keep_parsed)
            plan = kind_plan(reading)
            if not plan.problems:  # what its confirmation will import: kept beside the upload, not read again
                reading.keep_parsed()
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
        return batch_finish(result, status=ImportBatch.Status.REJECTED, started=started, dry_run=dry_run,
                       message=f"Filen er afvist: {len(plan.problems)} fejl. Intet er gemt.")
    if dry_run and not plan.streamed:
        result.ok = True
        if plan.forecast is not None:
            result.warnings += plan.forecast()
        loaded = _same_file_loaded(batch)
        if loaded is not None:
            result.warnings.append(f"Den samme fil er allerede indlæst i kørsel #{loaded}; "
                                   "en ny indlæsning vil ikke ændre noget.")
        return batch_finish(result, status=ImportBatch.Status.PREVIEW, started=started, dry_run=True,
                       message=f"{plan.rows_read} rækker klar til indlæsning.")
    import_running(batch)
    with job_hold(batch.pk):  # released once the outcome is saved; its process's death releases it too
        job_started(batch)
        tracker = ProgressTracker(batch, plan.expected_rows, progress)
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
            return batch_finish(result, status=ImportBatch.Status.REJECTED, started=started, dry_run=dry_run,
                           message=f"Filen er afvist: {exc.total} fejl. Intet er gemt.")
        except ParseError as exc:
            return _rejected(result, str(exc), started=started, dry_run=False, cli=exc.cli)
        except Exception as exc:  # the transaction is rolled back; the batch must not stay "running"
            log.exception("Import batch %s failed", batch.pk)
            message = (f"Indlæsningen af {file_name} fejlede uventet ({type(exc).__name__}); intet er gemt. "
                       "Kontakt en administrator, hvis det sker igen.")
            result.errors = [Problem(None, "", "", message)]
            result.error_total = 1
            batch_finish(result, status=ImportBatch.Status.FAILED, started=started, dry_run=False, message=message)
            raise
        finally:
            tracker.close()
        if plan.streamed:
            result.rows_read, result.warnings = plan.rows_read, list(plan.warnings)
            result.period_from, result.period_to = plan.period
        result.warnings += notes
        result.rows_created, result.rows_updated = counts.created, counts.updated
        result.rows_unchanged, result.rows_removed = counts.unchanged, counts.removed
        result.ok = True
        if dry_run:
            return batch_finish(result, status=ImportBatch.Status.PREVIEW, started=started, dry_run=True,
                           message=(f"{plan.rows_read} rækker klar til indlæsning: {counts.created} nye, "
                                    f"{counts.updated} ændrede, {counts.unchanged} uændrede, {counts.removed} fjernes."))
        codes = sorted(Municipality.objects.filter(pk__in=touched).values_list("code", flat=True))
        audit_log(user=user, action="import", municipality=municipality, target=f"#{batch.pk} {file_name}",
                  details={"kind": kind, "created": counts.created, "updated": counts.updated, "removed": counts.removed,
                           "municipalities": codes},
                  municipalities=touched)
        return batch_finish(result, status=ImportBatch.Status.DONE, started=started, dry_run=False,
                       message=(f"Indlæst: {counts.created} oprettet, {counts.updated} opdateret, "
                                f"{counts.unchanged} uændret, {counts.removed} fjernet."))


def _rejected(result: ImportResult, message: str, *, started: float, dry_run: bool,
              cli: str | None = None) -> ImportResult:
    """The file as a whole cannot be read: one error, nothing written. ``cli``: the message for the command line."""
    result.errors, result.error_total = [Problem(None, "", "", message, cli_reason=cli)], 1
    result.cli_message = cli or ""
    return batch_finish(result, status=ImportBatch.Status.REJECTED, started=started, dry_run=dry_run, message=message)


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
