"""Spreadsheet safety for every download of the admin and the figures.

Formula injection (OWASP "CSV injection"): a cell whose text begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return may run as a formula when the file is opened in a spreadsheet. Such text
is written as text: in CSV with a leading apostrophe (OWASP's advice), in the figures' XLSX as a
string cell with Excel's "quote prefix" (the text itself unchanged). Numbers stay numbers, and text
that is only a number ("-3", "+2,5") is no formula and is left alone.

The admin's exports (django-import-export) get the same escaping through ``ADMIN_FORMATS`` (settings
``EXPORT_FORMATS``); the admin imports nothing.
"""

from __future__ import annotations

import re

from import_export.formats import base_formats

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def formula_risk(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet could take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value)


def formula_escaped(value: object) -> object:
    """``value`` with a leading apostrophe when it is text a spreadsheet could take for a formula."""
    return "'" + value if formula_risk(value) else value  # type: ignore[operator]


class _EscapingFormat:
    """django-import-export writes ``=…`` cells as formulas, and its own escaping (with
    ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``) only drops a leading ``=`` and turns every cell into text:
    every risky cell is prefixed instead, the rest kept as it is."""

    def _escape_formulae(self, dataset) -> None:
        headers = [formula_escaped(h) for h in dataset.headers or []]
        rows = [tuple(formula_escaped(cell) for cell in row) for row in dataset]
        dataset.wipe()
        if headers:
            dataset.headers = headers
        dataset.extend(rows)


class CSV(_EscapingFormat, base_formats.CSV):
    pass


class TSV(_EscapingFormat, base_formats.TSV):
    pass


class XLSX(_EscapingFormat, base_formats.XLSX):
    pass


# the formats django-import-export offers here by default, the spreadsheet ones escaping (JSON and HTML are
# not opened as spreadsheets)
ADMIN_FORMATS = [CSV, XLSX, TSV, base_formats.JSON, base_formats.HTML]
