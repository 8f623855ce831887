from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Kriminalitet og rapporter")

    def ready(self) -> None:
        # Imported here, once every app's models are loaded (Django's way for ready), not to hide a cycle.
        from django.apps import apps
        from django.db.models.signals import pre_delete

        from accounts.signals import mapping_audited

        from .aggregates import district_deleting
        from .models import CategoryRule
        from .versioning import signals_connect

        signals_connect(apps.get_models())
        mapping_audited(CategoryRule)  # changes people make to code rules are audited (accounts knows no reports)
        pre_delete.connect(district_deleting, sender="districts.District", dispatch_uid="aggregates-district-deleting")
