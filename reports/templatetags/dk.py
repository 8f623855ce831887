"""Danish number format: 1.814 and 40,5 (decimal comma, thousands dot)."""

import math

from django import template

register = template.Library()


def format_dk(value, decimals: int = 0) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        return value  # already a display value, e.g. "<3"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return "–"
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


@register.filter(name="dk")
def dk(value, decimals=0):
    return format_dk(value, int(decimals))


@register.filter(name="dkpct")
def dkpct(value):
    text = format_dk(value, 0)
    return text if text in ("–",) or text.startswith("<") else f"{text} %"


@register.filter(name="get")
def get(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
