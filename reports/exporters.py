"""DataFrame → download bytes: CSV (UTF-8, decimal point, unrounded), XLSX, JSON.

Text a spreadsheet could run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) is written as
text: in CSV with a leading apostrophe, in XLSX as a string cell with Excel's quote prefix
(``common.spreadsheets``). Numbers, negative ones too, stay numbers.
"""

from __future__ import annotations

import io
import json
import math

import pandas as pd

from common.spreadsheets import formula_escaped, formula_risk

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _csv_text(value: object) -> object:
    """A text cell for CSV: escaped, and a carriage return as a line feed (the CSV writer quotes a cell with
    a line feed, but not one with a lone CR, which a spreadsheet would take for the end of the row)."""
    value = formula_escaped(value)
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _text_escaped(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its text cells and headers escaped for CSV; number columns untouched."""
    escaped = table.rename(columns=lambda c: _csv_text(c) if isinstance(c, str) else c)
    for position in range(escaped.shape[1]):
        values = escaped.iloc[:, position]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            if values.map(lambda v: formula_risk(v) or (isinstance(v, str) and "\r" in v)).any():
                escaped.isetitem(position, values.map(_csv_text))
    return escaped


def to_csv(table: pd.DataFrame) -> bytes:
    return _text_escaped(table).to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


def to_json(table: pd.DataFrame) -> bytes:
    records = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in table.astype(object).to_dict("records")
    ]
    return json.dumps(records, ensure_ascii=False, default=str).encode("utf-8")


def to_xlsx(table: pd.DataFrame, *, sheet: str = "data") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, index=False, sheet_name=sheet[:31])
        for row in writer.sheets[sheet[:31]].iter_rows():
            for cell in row:
                if formula_risk(cell.value):  # openpyxl made "=…" a formula: text, shown as it is
                    cell.data_type = "s"
                    cell.quotePrefix = True
    return buffer.getvalue()


def export(table: pd.DataFrame, fmt: str, *, sheet: str = "data") -> bytes:
    if fmt == "csv":
        return to_csv(table)
    if fmt == "json":
        return to_json(table)
    if fmt == "xlsx":
        return to_xlsx(table, sheet=sheet)
    raise ValueError(f"Ukendt format '{fmt}': brug csv, xlsx eller json.")
