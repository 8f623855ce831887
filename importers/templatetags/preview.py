"""The import preview's cells: the file's own text, and what it was read as where that differs."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def preview_cell(cell) -> str:
    """A cell of the preview table.

    A dict cell (``importers.services.results.preview_cell``) shows the file's text; where the parsed
    value differs it shows "text → value", and "text → fejl" where the cell has an error. An empty
    cell in the file stays empty. A plain string (a value the file does not have, e.g. the district
    the offence is counted in) is shown as it is.
    """
    if not isinstance(cell, dict):
        return "" if cell is None else str(cell)
    text, value = cell.get("text", ""), cell.get("value", "")
    if cell.get("error"):
        return format_html('{} <span aria-hidden="true">→</span><span class="visually-hidden">{}</span> '
                           '<strong class="error-text">{}</strong>', text, _("læst som"), _("fejl"))
    if not text or text == value:
        return text
    return format_html('{} <span aria-hidden="true">→</span><span class="visually-hidden">{}</span> '
                       '<span class="parsed">{}</span>', text, _("læst som"), value)
