"""The columns of a police extract, each checked and read the same way for offences and charges: dates,
municipalities, forhold, coordinates, postcodes, flags, repeated keys. Pure."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .common import Problem, distinct_rows, parse_date, per_distinct

HEADER_LABELS = {
    "journal_number": "Journalnummer", "forhold": "Forhold", "report_date": "Anmeldt dato",
    "offence_date": "Gerningsdato", "code": "Gerningskode", "municipality": "Kommunekode",
    "person_id": "Person-ID", "cpr": "CPR", "charge_date": "Sigtelsesdato",
    "birth_year": "Fødselsår", "sex": "Køn", "home_municipality": "Bopælskommune",
    "home_district": "Bopæl bydel", "x": "X", "y": "Y", "code_text": "Gerningskode tekst",
    "address": "Gerningssted", "postcode": "Postnr", "district": "Bydel", "police_initiated": "Initiativsag",
}
FORHOLD_MAX = 2_147_483_647  # a PositiveIntegerField on PostgreSQL
EARLIEST_DATE = dt.date(1900, 1, 1)
# Denmark in ETRS89 / UTM zone 32N, with a margin (Bornholm and Christiansø included)
UTM32_DENMARK = {"x": (400_000.0, 950_000.0), "y": (6_000_000.0, 6_450_000.0)}
SEXES = {"m": "M", "mand": "M", "mandlig": "M", "k": "K", "kvinde": "K", "kvindelig": "K"}
FLAGS = {
    "j": True, "ja": True, "y": True, "yes": True, "1": True, "true": True, "sand": True,
    "n": False, "nej": False, "no": False, "0": False, "false": False, "falsk": False,
}


def municipality_resolve(value: str, *, by_code: dict[str, str], by_name: dict[str, str]) -> str | None:
    """A municipality given as code (165, 0165) or name (Albertslund) → three-digit code."""
    text = value.strip()
    if text.isdigit():
        code = text.lstrip("0").zfill(3)
        return code if code in by_code else None
    return by_name.get(text.casefold())


_FAST_DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y")  # the usual spellings, parsed vectorised


def dates_column(frame: pd.DataFrame, column: str, problems: list[Problem], *, required: bool,
           latest: dt.date) -> pd.Series:
    """A date column as ``datetime.date`` objects (None when empty); each distinct spelling is parsed once.

    A date before 1900 or after ``latest`` (today) is a row error. ``attrs["ordinals"]`` holds each row's
    day number (``date.toordinal``, -1 when empty), for comparing two date columns without Python objects.
    """
    label = HEADER_LABELS.get(column, column)
    codes, texts = pd.factorize(frame[column], use_na_sentinel=False)  # stripped by canonical_frame
    days, reasons = dates_distinct(pd.Series(texts, dtype=object), latest=latest)
    values = pd.Series(days[codes], index=frame.index, dtype=object)
    values.attrs["ordinals"] = np.array([d.toordinal() if d else -1 for d in days], dtype=np.int64)[codes]
    rows = frame["row"].to_numpy()
    if reasons:
        bad = np.isin(codes, list(reasons))
        for row, code in zip(rows[bad], codes[bad], strict=True):
            problems.append(Problem(int(row), label, texts[code], reasons[code]))
    if required:
        empty = np.flatnonzero(np.asarray(texts, dtype=object) == "")
        for row in rows[np.isin(codes, empty)]:
            problems.append(Problem(int(row), label, "", "Dato mangler"))
    return values


def dates_distinct(texts: pd.Series, *, latest: dt.date) -> tuple[np.ndarray, dict[int, str]]:
    """Distinct date texts → dates (None when empty or bad) and, by position, why the bad ones are bad.

    The usual formats are parsed vectorised; other spellings (and garbage) go through ``parse_date``.
    Dates are held in seconds, not nanoseconds, so years like 0001 and 9999 are dates too (and are
    then refused as out of range, not a crash).
    """
    parsed = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[s]")
    for fmt in _FAST_DATE_FORMATS:
        todo = parsed.isna() & (texts != "")
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(texts[todo], format=fmt, errors="coerce").astype("datetime64[s]")
    days = np.array([None if pd.isna(d) else d.date() for d in parsed], dtype=object)
    reasons: dict[int, str] = {}
    for position in np.flatnonzero((parsed.isna() & (texts != "")).to_numpy()):
        try:  # other spellings, or garbage
            days[position] = parse_date(texts.iloc[position])
        except (ValueError, OverflowError) as exc:
            reasons[int(position)] = str(exc)
    for i, day in enumerate(days):  # distinct dates: few
        if day is not None and not EARLIEST_DATE <= day <= latest:
            reasons[i] = (f"'{texts.iloc[i]}' ligger uden for de mulige datoer "
                          f"({EARLIEST_DATE:%d-%m-%Y} til {latest:%d-%m-%Y})")
            days[i] = None
    return days, reasons


def committed_after_reported(committed: np.ndarray, reported: np.ndarray, warnings: list[str]) -> None:
    """A warning for offences whose Gerningsdato lies after their Anmeldt dato (ordinals; -1 = no date):
    they are kept, but on the offence-date basis they count in a later period than they were reported in."""
    after = int(((committed > reported) & (reported >= 0)).sum())
    if after:  # "N …" alike: a streamed file's chunks add up to one warning
        warnings.append(f"{after} anmeldelser har en gerningsdato efter anmeldelsesdatoen. De er indlæst; "
                        "kontrollér datoerne i politiets system.")


def latest_day(today: dt.date | None) -> dt.date:
    """The latest date a file may hold: today (in Denmark, unless given)."""
    return today or dt.datetime.now(ZoneInfo("Europe/Copenhagen")).date()


def municipalities_column(given: pd.Series, *, by_code: dict[str, str], by_name: dict[str, str]) -> pd.Series:
    """Municipality cells → three-digit codes (None when unknown), resolving each distinct cell once."""
    distinct = {v: municipality_resolve(v or "", by_code=by_code, by_name=by_name) for v in given.unique()}
    return given.map(distinct)


def forhold_column(frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    """Forhold as a whole number from 0 to ``FORHOLD_MAX`` (empty: 1); anything else is a row error."""
    if "forhold" not in frame:
        return pd.Series(1, index=frame.index, dtype="int64")
    text = frame["forhold"].replace("", "1")
    numbers = per_distinct(text, whole_numbers)
    bad = numbers.isna()
    for row, value in zip(frame.loc[bad, "row"], text[bad], strict=True):
        problems.append(Problem(row, "Forhold", value, f"Forhold skal være et helt tal fra 0 til {FORHOLD_MAX}"))
    if bad.any():  # a number of its own for each bad cell (never stored): no "same key" error on top
        return numbers.fillna(pd.Series(-1 - np.arange(len(numbers)), index=numbers.index)).astype("int64")
    return numbers.astype("int64")


def whole_numbers(texts: pd.Series) -> pd.Series:
    """'2' and '2.0' (an Excel number) → 2; fractions, exponents, signs, other digits, too large → missing."""
    digits = texts.str.extract(r"^([0-9]{1,10})(?:[.,]0+)?$", expand=False)
    numbers = pd.to_numeric(digits, errors="coerce")  # ten digits are exact in a float
    return numbers.where(numbers <= FORHOLD_MAX).astype("Int64")


def decimal_comma(cells: pd.Series) -> pd.Series:
    """Decimal comma or point → float; garbage, infinity and overflow (1e309) → missing."""
    numbers = pd.to_numeric(cells.str.replace(",", ".", regex=False), errors="coerce")
    return numbers.where(np.isfinite(numbers))


def flag_column(cells: pd.Series) -> pd.Series:
    """J/N (Ja/Nej, Y/N, 1/0, an Excel TRUE/FALSE cell) → True/False; empty → missing; else "?"."""
    folded = cells.str.casefold()
    return folded.map(FLAGS).astype(object).where(folded.isin(FLAGS), "?").where(cells != "", None)


def coordinates_check(frame: pd.DataFrame, problems: list[Problem], warnings: list[str]) -> None:
    """X and Y as numbers; not a number (or not finite) is a row error, outside Denmark a warning."""
    outside = pd.Series(False, index=frame.index)
    for column in ("x", "y"):
        if column not in frame:
            continue
        numbers = per_distinct(frame[column], decimal_comma)
        bad = numbers.isna() & (frame[column] != "")
        for row, value in zip(frame.loc[bad, "row"], frame.loc[bad, column], strict=True):
            problems.append(Problem(row, column.upper(), value, "Koordinaten er ikke et tal"))
        low, high = UTM32_DENMARK[column]
        outside |= numbers.notna() & ~numbers.between(low, high)
        frame[column] = numbers
    if outside.any():
        first = int(frame.loc[outside, "row"].iloc[0])
        warnings.append(
            f"{int(outside.sum())} anmeldelser har en koordinat uden for Danmark (UTM zone 32N: X mellem "
            f"{UTM32_DENMARK['x'][0]:,.0f} og {UTM32_DENMARK['x'][1]:,.0f}, Y mellem {UTM32_DENMARK['y'][0]:,.0f} og "
            f"{UTM32_DENMARK['y'][1]:,.0f}), første gang i række {first}. Er X og Y byttet om, eller er de i grader? "
            "Koordinaten kan derfor ikke bruges til at finde bydelen.".replace(",", ".")
        )


def duplicates_check(frame: pd.DataFrame, key: list[str], label: str, problems: list[Problem],
                compare: dict[str, pd.Series] | None = None) -> None:
    """A natural key twice in one file: every later row is an error naming the first row.

    ``compare`` (column → the cells as the file gives them) are columns that must agree between rows
    with the same key: a later row that differs in one is reported with that column and both values
    ("Samme anmeldelse … "); in a combined police sheet, where an offence repeats on each charge's row,
    only those rows are errors.
    """
    duplicated = frame.duplicated(subset=key, keep="first")
    if not duplicated.any():
        return
    groups = frame.groupby(key, sort=False, dropna=False)
    first_row = groups["row"].transform("first")
    conflicting = pd.Series(False, index=frame.index)
    if compare:
        columns = [c for c in compare if c in frame]
        numbers, _ = distinct_rows(frame[columns])  # each row's offence data as one number
        numbered = pd.Series(numbers, index=frame.index)
        conflicting = duplicated & (numbered != numbered.groupby([frame[k] for k in key], sort=False,
                                                                 dropna=False).transform("first"))
        position = pd.Series(np.arange(len(frame)), index=frame.index)
        first_position = position.groupby([frame[k] for k in key], sort=False, dropna=False).transform("first")
        for here, there in zip(position[conflicting], first_position[conflicting], strict=True):
            row, first = int(frame["row"].iloc[here]), int(frame["row"].iloc[there])
            for column in columns:
                mine, theirs = frame[column].iloc[here], frame[column].iloc[there]
                if not (mine == theirs or (pd.isna(mine) and pd.isna(theirs))):
                    break
            text, first_text = compare[column].iloc[here], compare[column].iloc[there]
            problems.append(Problem(
                row, HEADER_LABELS.get(column, column), text,
                f"Samme anmeldelse ({label} " + " / ".join(str(frame[k].iloc[here]) for k in key)
                + f") som række {first}, men med andre oplysninger: '{first_text}' i række {first}",
            ))
    same = duplicated & ~conflicting
    for row, first, *values in frame.loc[same, ["row"]].assign(first=first_row[same]).join(
        frame.loc[same, key]
    ).itertuples(index=False):
        problems.append(Problem(
            row, label, " / ".join(map(str, values)), f"Samme nøgle står allerede i række {first}"
        ))


_POSTCODE = r"^([0-9]{4})(?:\s+[^0-9].*)?$"  # 2620, or 2620 Albertslund as some extracts write it


def postcodes_column(frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    """Postnr → its four digits ("2620 Albertslund" → "2620"); anything else is a row error."""
    digits = per_distinct(frame["postcode"], lambda t: t.str.extract(_POSTCODE, expand=False))
    bad = digits.isna() & frame["postcode"].ne("")
    for row, value in zip(frame.loc[bad, "row"], frame.loc[bad, "postcode"], strict=True):
        problems.append(Problem(row, "Postnr", value[:40], "Postnummeret skal være fire cifre (fx 2620)"))
    return digits.fillna("").astype(frame["postcode"].dtype)
