from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Brugere og roller")

    def ready(self) -> None:
        from django.apps import apps

        from . import signals  # noqa: F401  (connects the audit signal handlers)

        # django-axes' section of the admin in Danish (its model and field names: locale/da); an app's
        # verbose name is no part of its migrations
        apps.get_app_config("axes").verbose_name = _("Loginforsøg og spærringer")
