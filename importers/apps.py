from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "importers"
    verbose_name = _("Import")

    def ready(self) -> None:
        # imported here, once the apps are loaded (models): the deploy checks register themselves, and the
        # stated extract ends join the data coverage of the reports
        from reports.coverage import EXTRACT_END_SOURCES

        from . import checks  # noqa: F401
        from .coverage import stated_extract_end

        if stated_extract_end not in EXTRACT_END_SOURCES:
            EXTRACT_END_SOURCES.append(stated_extract_end)
