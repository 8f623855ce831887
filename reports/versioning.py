"""The data version: cached figure tables are keyed by it (see ``DataVersion``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from .memo import memoised
from .models import DataVersion

# Models whose rows a figure reads; editing one (admin, import) makes cached figures old.
WATCHED_APPS = {"districts", "reports", "comparisons"}
UNWATCHED = {"reports.dataversion", "reports.halfyearreport", "reports.reportsection"}


T = TypeVar("T")


def versioned_cache(prefix: str, parts: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, cached under the data version and the language: never older than the data."""
    key = _versioned_key(prefix, parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.FIGURE_CACHE_SECONDS)
    return value


def is_cached(prefix: str, parts: tuple) -> bool:
    """Whether ``versioned_cache(prefix, parts, …)`` would find a value (at this moment)."""
    return _versioned_key(prefix, parts) in cache


def _versioned_key(prefix: str, parts: tuple) -> str:
    return f"{prefix}:" + hashlib.sha256(repr((data_version(), get_language(), parts)).encode()).hexdigest()


@memoised  # once per page: every cached piece of it reads the version
def data_version() -> int:
    return DataVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def data_changed(**_ignored) -> None:
    """Bump the version (in the caller's transaction: a rolled-back write leaves it as it was)."""
    if not DataVersion.objects.filter(pk=1).update(version=F("version") + 1):
        DataVersion.objects.update_or_create(pk=1, defaults={"version": 1})


def _on_row_change(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    data_changed()


def signals_connect(models) -> None:
    for model in models:
        label = model._meta.label_lower
        if model._meta.app_label in WATCHED_APPS and label not in UNWATCHED:
            post_save.connect(_on_row_change, sender=model, dispatch_uid=f"data-version-save-{label}")
            post_delete.connect(_on_row_change, sender=model, dispatch_uid=f"data-version-delete-{label}")
