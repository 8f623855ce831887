"""Admin exports of large tables as background jobs with a download link (issue 21, finding 7).

django-import-export builds the whole file in the request: for the offences or charges that passed
gunicorn's 30-second timeout, the worker was killed (and with it any import thread it ran). Streaming
would not help with gunicorn's sync workers, which are killed for a long response just the same. So an
export of more than ``ADMIN_EXPORT_INLINE_ROWS`` rows is written by a background job (a thread of the
web process, or inline when ``IMPORT_RUN_INLINE``) into ``MEDIA_ROOT/exports/<user id>/`` — the same
resource, format and formula escaping as an export in the request — and the request answers at once
with a page that links to the file when it is ready. Only the user who asked can fetch it; files are
deleted after ``ADMIN_EXPORT_KEEP_HOURS``.

The admin classes import ``ExportMixin`` from here instead of from ``import_export.admin``. The admin
exports only: every file that writes data goes through the importers (``/import/``: the same validation,
a batch record, rollback), so no admin class offers django-import-export's import, and its old address
answers 404.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from import_export import admin as import_export_admin

from common.background import thread_start

log = logging.getLogger(__name__)
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def export_folder(user) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "exports" / str(int(user.pk))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def exports_purge(folder: Path) -> None:
    """Delete the export files older than ``ADMIN_EXPORT_KEEP_HOURS`` (they may hold personal data)."""
    oldest = time.time() - settings.ADMIN_EXPORT_KEEP_HOURS * 3600
    for file in folder.iterdir():
        if file.stat().st_mtime < oldest:
            file.unlink(missing_ok=True)


if TYPE_CHECKING:  # what the mixin is mixed into (django-import-export ships no types: it is Any to mypy)
    from import_export.admin import ExportMixin as _ExportAdmin
else:
    _ExportAdmin = object


class BackgroundExportMixin(_ExportAdmin):
    """Exports of more than ``ADMIN_EXPORT_INLINE_ROWS`` rows run as a background job (module docstring)."""

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        rows = queryset.count()
        if rows <= settings.ADMIN_EXPORT_INLINE_ROWS:
            return super()._do_file_export(file_format, request, queryset, export_form=export_form)
        if not self.has_export_permission(request):
            raise PermissionDenied
        folder = export_folder(request.user)
        exports_purge(folder)
        token = uuid.uuid4().hex
        (folder / f"{token}.json").write_text(json.dumps({
            "file_name": self.get_export_filename(request, queryset, file_format),
            "content_type": file_format.get_content_type(), "rows": rows,
            "model": str(self.model._meta.verbose_name_plural)}))

        def write() -> None:
            part = folder / f"{token}.part"
            try:
                data = self.get_export_data(file_format, request, queryset, encoding=self.to_encoding,
                                            export_form=export_form)
                part.write_bytes(data if isinstance(data, bytes) else data.encode(self.to_encoding or "utf-8"))
                part.rename(folder / f"{token}.data")
            except Exception:
                (folder / f"{token}.error").touch()
                part.unlink(missing_ok=True)
                raise

        if settings.IMPORT_RUN_INLINE:
            try:
                write()
            except Exception:
                log.exception("Export %s failed", token)
        else:
            thread_start(write, name=f"export-{token}")
        return redirect(reverse(f"{self.admin_site.name}:{self._export_job_url_name()}", args=[token]))

    def _export_job_url_name(self) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_export_job"

    def get_urls(self):
        job = path("eksport/<str:token>/", self.admin_site.admin_view(self.export_job_view),
                   name=self._export_job_url_name())
        # the admin imports nothing: its old import address is not read as an object's id (a redirect)
        gone = path("import/", self.admin_site.admin_view(_no_import))
        return [job, gone, *super().get_urls()]

    def export_job_view(self, request: HttpRequest, token: str) -> HttpResponseBase:
        """The job's page while it runs (it reloads itself), then the file; only for the user who asked."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        folder = export_folder(request.user)
        if not TOKEN.match(token) or not (folder / f"{token}.json").exists():
            raise Http404
        meta = json.loads((folder / f"{token}.json").read_text())
        data = folder / f"{token}.data"
        if data.exists() and request.GET.get("hent"):
            return FileResponse(data.open("rb"), as_attachment=True, filename=meta["file_name"],
                                content_type=meta["content_type"])
        state = "ready" if data.exists() else "failed" if (folder / f"{token}.error").exists() else "running"
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "meta": meta, "state": state,
                   "title": _("Eksport af %(model)s") % {"model": meta["model"]}}
        return TemplateResponse(request, "admin/export_job.html", context)


def _no_import(request: HttpRequest) -> HttpResponse:
    raise Http404("Administrationen indlæser ikke filer; brug Import (/import/).")


class ExportMixin(BackgroundExportMixin, import_export_admin.ExportMixin):
    pass

