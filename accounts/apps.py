from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Brugere og roller")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the audit signal handlers)
