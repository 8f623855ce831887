"""Bytes → table of text cells, for CSV and XLSX. Pure: no ORM."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd

from .common import ParseError, decode_bytes, normalise_header, read_csv_text

XLSX_SUFFIXES = (".xlsx", ".xlsm")


def is_xlsx(data: bytes, file_name: str) -> bool:
    return file_name.lower().endswith(XLSX_SUFFIXES) or data[:4] == b"PK\x03\x04"


def read_table(data: bytes, *, file_name: str, sheet_like: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    """All sheets of a workbook, or the one table of a CSV, as text DataFrames.

    Every cell is text (dates from Excel become ISO strings), so nothing is evaluated or
    lost: a cell ``=cmd|' /C calc'!A0`` stays exactly that text.
    """
    if is_xlsx(data, file_name):
        return _read_xlsx(data, file_name=file_name, sheet_like=sheet_like)
    decoded = decode_bytes(data, file_name=file_name)
    try:
        frame = read_csv_text(decoded.text)
    except ParseError as exc:  # Danish already, with the line
        raise ParseError(f"Filen {file_name} kunne ikke læses som CSV: {exc}") from exc
    if frame.empty and len(frame.columns) == 0:
        raise ParseError(f"Filen {file_name} er tom.")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.attrs["warnings"] = decoded.warnings  # the police parsers pass them on
    return {"": frame}


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _numbered(headers: list[str]) -> list[str]:
    """A repeated header gets a number, as pandas numbers a CSV file's (``Name``, ``Name.1``): a
    column is then one column, and the police parsers can say which header is repeated."""
    seen: dict[str, int] = {}
    numbered = []
    for header in headers:
        name = header
        while name in seen:
            seen[header] += 1
            name = f"{header}.{seen[header]}"
        seen.setdefault(name, 0)
        numbered.append(name)
    return numbered


def _read_xlsx(data: bytes, *, file_name: str, sheet_like: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ParseError(
            f"Filen {file_name} er ikke en gyldig Excel-projektmappe (.xlsx). "
            "Åbn den i Excel og gem den igen som .xlsx, eller gem den som CSV."
        ) from exc
    sheets: dict[str, pd.DataFrame] = {}
    wanted = [normalise_header(s) for s in sheet_like]
    for sheet in workbook.worksheets:
        numbered = [(number, [_cell_text(v) for v in row])
                    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
        numbered = [(number, r) for number, r in numbered if any(r)]  # blank rows are left out …
        if not numbered:
            continue
        (_header_number, header), body = numbered[0], numbered[1:]
        width = len(header)
        while width and not header[width - 1]:
            width -= 1
        # … but the rows keep their sheet numbers: the index is the row number less 2, as for a CSV file
        frame = pd.DataFrame([(r + [""] * width)[:width] for _number, r in body], columns=_numbered(header[:width]),
                             index=pd.Index([number - 2 for number, _r in body], dtype="int64"), dtype=str)
        sheets[sheet.title] = frame
    workbook.close()
    if not sheets:
        raise ParseError(f"Excel-filen {file_name} indeholder ingen data.")
    if wanted:
        preferred = {k: v for k, v in sheets.items() if any(w in normalise_header(k) for w in wanted)}
        if preferred:
            return preferred
    return sheets
