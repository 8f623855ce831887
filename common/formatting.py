"""Numbers as their reader sees them, in the active language.

One place formats every number shown to a person (templates, web charts, PDF charts,
messages): Danish pages get ``1.814`` and ``40,5``, English pages ``1,814`` and ``40.5``,
through Django's localisation (``number_format`` with grouping). Machine files (CSV, JSON)
never go through here; they keep plain numbers.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.utils import formats, translation

MISSING = "–"


def number(value: Any, decimals: int = 0, grouping: bool = True) -> str:
    """``value`` rounded to ``decimals`` places, grouped (unless ``grouping`` is False), in the
    active language.

    None, "" and NaN give "–"; a string is already a display value (e.g. "<3") and is
    returned as it is.
    """
    if value is None or value == "":
        return MISSING
    if isinstance(value, str):
        return value
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(as_float):
        return MISSING
    # Round here (Django's formatter cuts decimals off instead of rounding).
    rounded = f"{as_float:.{decimals}f}"
    return _localise(rounded, decimals, grouping)


def significant_digits(value: float, digits: int = 2) -> str:
    """``value`` to ``digits`` significant digits ("0,082"), with the active decimal separator."""
    return f"{value:.{digits}g}".replace(".", decimal_separator())


def exact(value: float) -> str:
    """A number exactly as a file holds it: whole numbers without decimals, others in full
    precision, with the active decimal separator and no grouping."""
    return str(int(value)) if float(value).is_integer() else repr(float(value)).replace(".", decimal_separator())


def decimal_separator() -> str:
    with translation.override(_language()):
        return str(formats.get_format("DECIMAL_SEPARATOR", use_l10n=True))


def _language() -> str:
    # Management commands and jobs may run with no language active: they speak the site's.
    return translation.get_language() or settings.LANGUAGE_CODE


def _localise(text: str, decimals: int, grouping: bool) -> str:
    with translation.override(_language()):
        return str(formats.number_format(text, decimal_pos=decimals, use_l10n=True, force_grouping=grouping))


def percent(value: Any, decimals: int = 0) -> str:
    """``value`` as a percentage ("12 %"); display values and missing values pass through."""
    text = number(value, decimals)
    return text if text in (MISSING, "..") or text.startswith("<") else f"{text} %"
