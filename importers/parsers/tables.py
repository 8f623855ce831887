"""Bytes → table of text cells, for CSV and XLSX. Pure: no ORM."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd

from .common import ParseError, danish_integer, decode_bytes, normalise_header, read_csv_text

XLSX_SUFFIXES = (".xlsx", ".xlsm")


def is_xlsx(data: bytes, file_name: str) -> bool:
    return file_name.lower().endswith(XLSX_SUFFIXES) or data[:4] == b"PK\x03\x04"


def read_table(data: bytes, *, file_name: str, sheet_like: tuple[str, ...] = (), head_only: bool = False,
               limits: dict[str, int] | None = None) -> dict[str, pd.DataFrame]:
    """All sheets of a workbook, or the one table of a CSV, as text DataFrames.

    Every cell is text (dates from Excel become ISO strings), so nothing is evaluated or
    lost: a cell ``=cmd|' /C calc'!A0`` stays exactly that text. ``head_only``: a workbook's
    sheets with their headers only (for recognising the kind of file). ``limits``: an Excel
    file's rows, columns and unpacked bytes (default: settings).
    """
    if is_xlsx(data, file_name):
        return _read_xlsx(data, file_name=file_name, sheet_like=sheet_like, head_only=head_only, limits=limits)
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


def xlsx_limits() -> dict[str, int]:
    """The limits of an Excel file from settings (the parsers take them as arguments; tests pass smaller ones)."""
    # lazy: the parsers import no Django at module level (pure: usable without settings)
    from django.conf import settings

    return {"rows": settings.IMPORT_MAX_XLSX_ROWS, "columns": settings.IMPORT_MAX_XLSX_COLUMNS,
            "unpacked": settings.IMPORT_MAX_XLSX_UNPACKED_BYTES}


def xlsx_unpacked_check(data: bytes, *, file_name: str, unpacked: int) -> None:
    """Refuse a workbook whose parts unpack to more than ``unpacked`` bytes, from the zip's directory,
    before any part is opened. (A part cannot unpack to more than the directory says: Python's zipfile
    stops there and calls the part damaged.)"""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_a_workbook(file_name) from exc
    if total > unpacked:
        raise ParseError(
            f"Excel-filen {file_name} fylder {danish_integer(total // (1024 * 1024))} MB udpakket; grænsen er "
            f"{danish_integer(unpacked // (1024 * 1024))} MB. Filen er ikke læst. Del den op, eller gem den som CSV."
        )


def _not_a_workbook(file_name: str) -> ParseError:
    return ParseError(
        f"Filen {file_name} er ikke en gyldig Excel-projektmappe (.xlsx). "
        "Åbn den i Excel og gem den igen som .xlsx, eller gem den som CSV."
    )


def _too_large(file_name: str, sheet: str, *, rows: int | None = None, columns: int | None = None,
               limits: dict[str, int], declared: bool = False) -> ParseError:
    said = "angiver" if declared else "har"
    what = (f"{said} mindst {danish_integer(rows)} rækker; grænsen er {danish_integer(limits['rows'])}" if rows is not None
            else f"{said} mindst {danish_integer(columns or 0)} kolonner; grænsen er {danish_integer(limits['columns'])}")
    return ParseError(f"Arket '{sheet}' i Excel-filen {file_name} {what}. Filen er ikke læst. "
                      "Del den op (fx pr. kvartal), eller gem den som CSV.")


def _read_xlsx(data: bytes, *, file_name: str, sheet_like: tuple[str, ...], head_only: bool = False,
               limits: dict[str, int] | None = None) -> dict[str, pd.DataFrame]:
    """The workbook's sheets, read row by row (openpyxl's read-only mode) within ``limits``.

    Refused before a sheet is read: parts that unpack to more than the limit, a sheet whose declared
    dimension exceeds the rows or columns allowed. While reading, the rows and cells themselves are
    counted, so a sheet that declares too little is refused as soon as it passes a limit.
    """
    limits = limits or xlsx_limits()
    workbook = _workbook_open(data, file_name=file_name, limits=limits, data_only=False)
    try:
        return _xlsx_sheets(workbook, file_name=file_name, sheet_like=sheet_like, head_only=head_only, limits=limits)
    finally:
        workbook.close()


def _workbook_open(data: bytes, *, file_name: str, limits: dict[str, int], data_only: bool):
    """The workbook in openpyxl's read-only (streaming) mode, once its parts' unpacked size is within the limit."""
    # lazy: openpyxl is loaded only for an Excel file
    from openpyxl import load_workbook

    xlsx_unpacked_check(data, file_name=file_name, unpacked=limits["unpacked"])
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _not_a_workbook(file_name) from exc


def _declared_check(workbook, *, file_name: str, limits: dict[str, int]) -> None:
    """Every sheet's declared dimension within the limits (nothing of a refused file is read)."""
    for sheet in workbook.worksheets:
        if (sheet.max_row or 0) > limits["rows"] + 1:  # + the header
            raise _too_large(file_name, sheet.title, rows=sheet.max_row, limits=limits, declared=True)
        if (sheet.max_column or 0) > limits["columns"]:
            raise _too_large(file_name, sheet.title, columns=sheet.max_column, limits=limits, declared=True)


def _sheet_rows(sheet, *, file_name: str, limits: dict[str, int]):
    """A sheet's rows as they are in the file (neither padded nor cut to the dimension it declares),
    numbered from 1; refused as soon as one passes the limits, so a dimension that lies changes nothing."""
    sheet.reset_dimensions()
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > limits["rows"] + 1:
            raise _too_large(file_name, sheet.title, rows=number - 1, limits=limits)
        if len(row) > limits["columns"]:
            raise _too_large(file_name, sheet.title, columns=len(row), limits=limits)
        yield number, row


def xlsx_check(data: bytes, *, file_name: str, limits: dict[str, int] | None = None) -> None:
    """Refuse (``ParseError``) a workbook beyond the limits, reading it row by row and keeping nothing:
    for readers that load a whole workbook themselves (the admin's import)."""
    limits = limits or xlsx_limits()
    workbook = _workbook_open(data, file_name=file_name, limits=limits, data_only=True)
    try:
        _declared_check(workbook, file_name=file_name, limits=limits)
        for sheet in workbook.worksheets:
            for _row in _sheet_rows(sheet, file_name=file_name, limits=limits):
                pass
    finally:
        workbook.close()


def _xlsx_sheets(workbook, *, file_name: str, sheet_like: tuple[str, ...], head_only: bool,
                 limits: dict[str, int]) -> dict[str, pd.DataFrame]:
    _declared_check(workbook, file_name=file_name, limits=limits)
    sheets: dict[str, pd.DataFrame] = {}
    wanted = [normalise_header(s) for s in sheet_like]
    for sheet in workbook.worksheets:
        numbered = []
        for number, row in _sheet_rows(sheet, file_name=file_name, limits=limits):
            cells = [_cell_text(v) for v in row]
            if any(cells):  # blank rows are left out …
                numbered.append((number, cells))
                if head_only:
                    break
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
    if not sheets:
        raise ParseError(f"Excel-filen {file_name} indeholder ingen data.")
    if wanted:
        preferred = {k: v for k, v in sheets.items() if any(w in normalise_header(k) for w in wanted)}
        if preferred:
            return preferred
    return sheets
