from django.apps import AppConfig


class SeedingConfig(AppConfig):
    """Reference and demo data loading (``load_reference``, ``load_demo``); no models."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "seeding"
    verbose_name = "Reference- og demodata"
