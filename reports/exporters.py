"""DataFrame → download bytes: CSV (UTF-8, decimal point, unrounded), XLSX, JSON."""

from __future__ import annotations

import io
import json
import math

import pandas as pd

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def to_csv(table: pd.DataFrame) -> bytes:
    return table.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


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
    return buffer.getvalue()


def export(table: pd.DataFrame, fmt: str, *, sheet: str = "data") -> bytes:
    if fmt == "csv":
        return to_csv(table)
    if fmt == "json":
        return to_json(table)
    if fmt == "xlsx":
        return to_xlsx(table, sheet=sheet)
    raise ValueError(f"Ukendt format '{fmt}': brug csv, xlsx eller json.")
