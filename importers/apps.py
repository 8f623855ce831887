from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "importers"
    verbose_name = _("Import")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deploy checks)
