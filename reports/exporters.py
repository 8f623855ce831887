"""DataFrame → download bytes: CSV (UTF-8, decimal point, unrounded), "CSV (dansk Excel)", XLSX, JSON.

- **Machine CSV and JSON** keep the column names of interfaces.md and unrounded rates; counts are integers
  (``9008``, never ``9008.0``), missing is an empty cell / ``null`` (never 0). Web downloads of the CSV start
  with a UTF-8 BOM (``bom=True``), so a spreadsheet reads "Øster" right; ``export_figure`` writes none.
- **CSV (dansk Excel)** (``csv-da``): ``;`` between cells, decimal comma, the table's headings as on the page,
  numbers rounded as on the page (rates one decimal, shares whole per cent, counts whole), no thousands
  separator (a reader splitting on the comma would take ``1.814`` for 1,814), BOM and CRLF line ends. Its numbers
  are always in Danish notation (it is the file for Danish Excel); its headings and names follow the page's
  language, as the XLSX's do.
- **XLSX**: the numbers in full precision with number formats that show the page's decimals (``#,##0`` counts,
  ``#,##0.0`` rates, ``0" %"`` shares, which are per cent already), the headings as on the page, a frozen
  header row, fitted column widths and a second sheet "Om tallene" describing the selection (``About``).

Text a spreadsheet could run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) is written as
text: in CSV with a leading apostrophe, in XLSX as a string cell with Excel's quote prefix
(``common.spreadsheets``). Numbers, negative ones too, stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Hashable
from dataclasses import dataclass, field

import pandas as pd
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.formatting import number
from common.spreadsheets import formula_escaped, formula_risk

from .charts import AXIS, UNKNOWN_LABEL
from .coverage import Status, municipality_coverage, period_statuses
from .dashboard import late_charges
from .figures import FIGURES, LATE_CHARGES_NOTE, SOURCE_LINE
from .forms import FigureFilterForm
from .periods import period_range
from .selectors import category_names
from .tables import COLUMN_LABELS
from .uncertainty import p_text

FORMATS = ("csv", "csv-da", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "csv-da": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# the file name's ending of each format, and the format of each URL ending (``….da.csv`` is the Danish CSV)
FILE_ENDINGS = {"csv": "csv", "csv-da": "da.csv", "xlsx": "xlsx", "json": "json"}
URL_FORMATS = {ending: fmt for fmt, ending in FILE_ENDINGS.items()}
BOM = "\ufeff".encode()

# Counts (whole numbers) in every figure and the comparison: written as integers everywhere.
COUNT_COLUMNS = ("reports", "population", "charges", "persons")
# How the page shows each number column: decimals (rates one, shares and counts none), and the XLSX format.
# (the page shows every interval with one decimal, a share's interval too: reports.dashboard.cell_text)
RATE_COLUMNS = ("reports_per_1000", "persons_per_1000", "reports_ci_low", "reports_ci_high", "charges_ci_low",
                "charges_ci_high", "persons_ci_low", "persons_ci_high", "rate_ci_low", "rate_ci_high")
SHARE_COLUMNS = ("share_pct",)
SHARE_INTERVAL_COLUMNS = ("share_ci_low", "share_ci_high")
P_COLUMNS = ("change_p_value",)
XLSX_FORMATS = {**dict.fromkeys(COUNT_COLUMNS, "#,##0"), **dict.fromkeys(RATE_COLUMNS, "#,##0.0"),
                **dict.fromkeys(SHARE_COLUMNS, '0" %"'), **dict.fromkeys(SHARE_INTERVAL_COLUMNS, '0.0" %"'),
                **dict.fromkeys(P_COLUMNS, "0.000")}


@dataclass
class About:
    """What a file holds, for its "Om tallene" sheet: (label, text) lines, and the page's text of its cells."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    headings: dict[str, str] = field(default_factory=dict)  # column → heading as on the page
    category_names: dict[str, str] = field(default_factory=dict)  # slug → name as on the page
    period_labels: dict[str, str] = field(default_factory=dict)  # a partly covered period: "2026 til og med 31-10"


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
                escaped.isetitem(position, values.map(_csv_text).to_numpy())
    return escaped


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _whole(value: object) -> object:
    """A count as an integer (``9008.0`` → ``9008``); text ("<3", "..") and missing values as they are."""
    if isinstance(value, bool) or _missing(value):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _whole(value.item())
    return value


def counts_as_integers(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its count columns as integers: a float column (made float by a missing value) becomes a
    nullable integer column, a mixed column (public "<3" cells) gets int cells. Other columns are untouched."""
    result = table
    for position, column in enumerate(table.columns):
        if column not in COUNT_COLUMNS:
            continue
        values = table.iloc[:, position]
        if pd.api.types.is_float_dtype(values.dtype):
            present = values.dropna()
            if not (present == present.round()).all():
                continue  # not whole: leave it (no count column holds such values)
            converted = values.astype("Int64")
        elif values.dtype == object:
            converted = values.map(_whole)
        else:
            continue
        if result is table:
            result = table.copy()
        result.isetitem(position, converted.array)
    return result


def to_csv(table: pd.DataFrame, *, bom: bool = False) -> bytes:
    text = _text_escaped(counts_as_integers(table)).to_csv(index=False, lineterminator="\n", na_rep="")
    return (BOM if bom else b"") + text.encode("utf-8")


def _json_value(value: object) -> object:
    if _missing(value):
        return None
    return _whole(value) if isinstance(value, int | float) or hasattr(value, "item") else value


def to_json(table: pd.DataFrame) -> bytes:
    table = counts_as_integers(table)
    counts = {c for c in table.columns if c in COUNT_COLUMNS}
    records = [
        {k: (_json_value(v) if k in counts else None if _missing(v) else v) for k, v in row.items()}
        for row in table.astype(object).to_dict("records")
    ]
    return json.dumps(records, ensure_ascii=False, default=str).encode("utf-8")


# --- the files for people: the page's headings and texts ------------------------------------------------------


def _headings(table: pd.DataFrame, about: About | None) -> list[str]:
    headings = about.headings if about else {}
    result = []
    for column in table.columns:
        label = str(headings.get(column, column))
        if column in SHARE_COLUMNS and "%" not in label:
            label = f"{label} (%)"  # the cells are per cent (41, not 0,41)
        result.append(label)
    return result


def _display_text(column: Hashable, value: object, record: dict, about: About | None) -> object:
    """A text cell as on the page: category names, "Ukendt bydel", the young share's "Hele kommunen"."""
    if about is None or not about.headings:
        return value
    if column == "period" and isinstance(value, str):
        return about.period_labels.get(value, value)
    if column == "category" and isinstance(value, str):
        return about.category_names.get(value, value)
    if column == "district" and value == "":

        return str(UNKNOWN_LABEL)
    if column == "home_district" and value == "" and record.get("age_group"):
        return _("Hele kommunen")
    return value


def _decimals(column: Hashable) -> int | None:
    if column in RATE_COLUMNS or column in SHARE_INTERVAL_COLUMNS:
        return 1
    if column in SHARE_COLUMNS or column in COUNT_COLUMNS:
        return 0
    return None


def _danish_cell(column: Hashable, value: object) -> object:
    """A number as the page rounds it, in Danish notation without grouping; text and missing as they are."""
    if _missing(value):
        return ""
    if isinstance(value, str) or isinstance(value, bool):
        return value
    with translation.override("da"):  # Danish Excel reads a decimal comma, whatever the page's language
        if column in P_COLUMNS:

            return p_text(value).removeprefix("p = ").replace("p ", "")
        decimals = _decimals(column)
        if decimals is None:
            if isinstance(value, float) and not value.is_integer():
                return number(value, 3, grouping=False).rstrip("0")
            return number(value, 0, grouping=False) if isinstance(value, int | float) else value
        return number(value, decimals, grouping=False)


def to_csv_danish(table: pd.DataFrame, *, about: About | None = None) -> bytes:
    """"CSV (dansk Excel)": ``;``, decimal comma, the page's headings and rounding, BOM, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_text(h) for h in _headings(table, about)])
    for record in table.astype(object).to_dict("records"):
        writer.writerow([
            _csv_text(_danish_cell(column, _display_text(column, value, record, about)))
            for column, value in record.items()
        ])
    return BOM + buffer.getvalue().encode("utf-8")


def _xlsx_value(value: object) -> object:
    if _missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    return value


def _put(sheet, row: int, column: int, value: object):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):  # a control character in a name (ESC, VT, …) made openpyxl refuse the file: a 500
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value)
    if formula_risk(cell.value):  # openpyxl made "=…" a formula: text, shown as it is
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _width(value: object, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, int | float) and not isinstance(value, bool):
        decimals = 1 if number_format in ("#,##0.0", '0.0" %"') else 3 if number_format == "0.000" else 0
        text = f"{value:,.{decimals}f}" + (" %" if number_format and " %" in number_format else "")
        return len(text)
    return max((len(line) for line in str(value).splitlines()), default=0)


def to_xlsx(table: pd.DataFrame, *, sheet: str = "data", about: About | None = None) -> bytes:
    # openpyxl loads only for an XLSX download (a slow import the other formats need not pay)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    data = book.active
    data.title = sheet[:31]
    headings = _headings(table, about)
    bold = Font(bold=True)
    widths = [len(h) for h in headings]
    for column, heading in enumerate(headings, start=1):
        _put(data, 1, column, heading).font = bold
    formats = [XLSX_FORMATS.get(c) for c in table.columns]
    for row_number, record in enumerate(counts_as_integers(table).astype(object).to_dict("records"), start=2):
        for column, (name, value) in enumerate(record.items(), start=1):
            value = _xlsx_value(_display_text(name, value, record, about))
            cell = _put(data, row_number, column, value)
            if formats[column - 1] and isinstance(value, int | float) and not isinstance(value, bool):
                cell.number_format = formats[column - 1]
            elif isinstance(value, str) and formats[column - 1]:
                cell.alignment = Alignment(horizontal="right")  # "<3", "..": a hidden number
            widths[column - 1] = max(widths[column - 1], _width(value, formats[column - 1]))
    data.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        data.column_dimensions[get_column_letter(column)].width = min(max(width, 6) + 2, 60)
    if about is not None and about.lines:
        info = book.create_sheet(_("Om tallene")[:31])
        for row_number, (label, text) in enumerate(about.lines, start=1):
            _put(info, row_number, 1, label).font = bold
            _put(info, row_number, 2, text).alignment = Alignment(wrap_text=True, vertical="top")
        info.column_dimensions["A"].width = min(max(len(label) for label, _text in about.lines) + 2, 40)
        info.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export(table: pd.DataFrame, fmt: str, *, sheet: str = "data", about: About | None = None,
           bom: bool = False) -> bytes:
    """The table in format ``fmt`` (``FORMATS``). ``about`` gives the files for people their headings and the
    "Om tallene" sheet; ``bom`` starts a machine CSV with a BOM (web downloads)."""
    if fmt == "csv":
        return to_csv(table, bom=bom)
    if fmt == "csv-da":
        return to_csv_danish(table, about=about)
    if fmt == "json":
        return to_json(table)
    if fmt == "xlsx":
        return to_xlsx(table, sheet=sheet, about=about)
    raise ValueError(f"Ukendt format '{fmt}': brug csv, csv-da, xlsx eller json.")


# --- what a download holds ("Om tallene") ---------------------------------------------------------------------


def extracted_at() -> str:

    return date_format(timezone.localtime(), "d-m-Y H:i")


def _period_text(period_from: str, period_to: str, coverage) -> str:
    """"2016–2025" with the periods without data and the partly covered ones named."""

    text = period_from if period_from == period_to else f"{period_from}–{period_to}"
    try:
        statuses = period_statuses(coverage, list(period_range(period_from, period_to)))
    except ValueError:
        return text
    partial = [s.label for s in statuses if s.status is Status.PARTIAL]
    empty = [str(s.period) for s in statuses if s.status is Status.NONE]
    if partial:
        text += " (" + _("delvis dækket: %(periods)s") % {"periods": ", ".join(partial)} + ")"
    if empty:
        text += " (" + _("ingen data: %(periods)s") % {"periods": ", ".join(empty)} + ")"
    return text


def figure_about(*, slug: str, municipality, filters, public: bool) -> About:
    """The "Om tallene" of a figure download: the figure, municipality, filters, unit, source, data date, the notes
    the page shows beside the figure, and when the file was made. ``filters`` is the page's ``Filters``."""

    spec = FIGURES[slug]
    names = category_names()
    coverage = municipality_coverage(municipality)
    title = (f"{_('Figur')} {spec.number}. " if spec.number else "") + str(spec.title)
    lines = [
        (_("Figur"), f"{title} ({slug})"),
        (_("Beskrivelse"), str(spec.caption)),
        (_("Kommune"), f"{municipality.name} ({municipality.code})"),
        (_("Perioder"), _period_text(filters.period_from, filters.period_to, coverage)),
        (_("Bydele"), ", ".join(filters.districts) if filters.districts else _("Alle")),
        (_("Gerningstyper"), ", ".join(names.get(c, c) for c in filters.categories)),
        (_("Datogrundlag"), str(dict(FigureFilterForm.BASIS_CHOICES).get(filters.date_basis, filters.date_basis))),
        (_("Vis som"), str(dict(FigureFilterForm.MEASURE_CHOICES).get(filters.measure, filters.measure))),
        (_("Enhed"), str(AXIS.get(spec.value, COLUMN_LABELS.get(spec.value, spec.value)))),
        (_("Kilde"), str(SOURCE_LINE)),
        (_("Data"), coverage.data_line()),
    ]
    if filters.intervals:
        lines.append((_("Usikkerhed"), _("95 %-intervaller og p-værdi for ændringen fra perioden før")))
    if spec.personal and public:
        lines.append((_("Små tal"), _(
            "Små tal (under 3) er skjult, fordi sigtelser er personoplysninger; »..« er et tal, der er skjult, så et "
            "lille tal ikke kan regnes ud fra totalen.")))
    if spec.personal and late_charges(municipality, filters):
        lines.append((_("Sene sigtelser"), str(LATE_CHARGES_NOTE)))
    lines.append((_("Hentet"), extracted_at()))
    return About(lines=lines, headings={c: str(label) for c, label in COLUMN_LABELS.items()}, category_names=names,
                 period_labels=_partial_labels(filters.period_from, filters.period_to, coverage))


def _partial_labels(period_from: str, period_to: str, coverage) -> dict[str, str]:

    try:
        periods = period_range(period_from, period_to)
    except ValueError:
        return {}
    return {str(s.period): s.label for s in period_statuses(coverage, list(periods)) if s.status is Status.PARTIAL}


