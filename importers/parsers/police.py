"""Police extracts (formats.md §1–2): offences, charges and the combined sheet. Pure."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .common import (
    ParseError,
    Problem,
    distinct_rows,
    match_columns,
    parse_date,
    per_distinct,
    repeated_headers,
)
from .persons import CPR_LIKE, cpr_person, person_id_key, person_mask

OFFENCE_ALIASES: dict[str, list[str]] = {
    "journal_number": ["Journalnummer", "Journalnr", "Journal nr.", "Sagsnummer"],
    "forhold": ["Forhold", "Forholdsnr", "Forhold nr"],
    "report_date": ["Anmeldt dato", "Anmeldelsesdato", "Anmeldt", "Anmeldelsestidspunkt"],
    "offence_date": ["Gerningsdato", "Gerningstidspunkt fra", "Gerningsdato fra", "Gerningstid"],
    "code": ["Gerningskode", "Gerningskode nr", "Gkode"],
    "code_text": ["Gerningskode tekst", "Gerningskodetekst", "Gerningstype", "Beskrivelse"],
    "address": ["Gerningssted", "Gerningssted adresse", "Adresse"],
    "postcode": ["Postnr", "Postnummer"],
    "municipality": ["Kommunekode", "Kommune", "Gerningskommune"],
    "district": ["Bydel", "Distrikt"],
    "x": ["X", "UTM X"],
    "y": ["Y", "UTM Y"],
    "police_initiated": ["Initiativsag", "Politiets initiativ"],
}
CHARGE_ALIASES: dict[str, list[str]] = {
    "journal_number": OFFENCE_ALIASES["journal_number"],
    "forhold": OFFENCE_ALIASES["forhold"],
    "person_id": ["Person-ID", "Person ID", "Løbenummer", "Sigtet ID"],
    "cpr": ["CPR", "CPR-nummer", "CPR-nr.", "CPR nr", "Personnummer"],
    "charge_date": ["Sigtelsesdato", "Sigtet dato"],
    "birth_year": ["Fødselsår", "Født"],
    "age": ["Alder"],
    "sex": ["Køn"],
    "home_municipality": ["Bopælskommune", "Bopæl kommunekode", "Bopæl kommune"],
    "home_address": ["Bopæl adresse"],
    "home_postcode": ["Bopæl postnr"],
    "home_district": ["Bopæl bydel"],
}
NAME_HEADERS = {"navn", "fornavn", "efternavn", "sigtetnavn", "fuldtnavn"}
OFFENCE_REQUIRED = ["journal_number", "report_date", "code"]  # and "municipality" unless the upload names one
CHARGE_REQUIRED = ["journal_number"]  # and "person_id" or "cpr"
PERSON_COLUMNS = ["person_id", "cpr"]  # a charge needs one of them
UNKNOWN_RESIDENCE = {"", "uoplyst", "ukendt", "998", "999", "0", "000"}
# ASCII digits only: \d would take Arabic-Indic and other Unicode digits too
_CODE = re.compile(r"^[0-9]{5,6}$")
HEADER_LABELS = {
    "journal_number": "Journalnummer", "forhold": "Forhold", "report_date": "Anmeldt dato",
    "offence_date": "Gerningsdato", "code": "Gerningskode", "municipality": "Kommunekode",
    "person_id": "Person-ID", "cpr": "CPR", "charge_date": "Sigtelsesdato",
    "birth_year": "Fødselsår", "sex": "Køn", "home_municipality": "Bopælskommune",
    "home_district": "Bopæl bydel", "x": "X", "y": "Y", "code_text": "Gerningskode tekst",
    "address": "Gerningssted", "postcode": "Postnr", "district": "Bydel", "police_initiated": "Initiativsag",
}
# The longest text the stored fields take (their max_length in reports/models.py; a test checks that they
# agree). Parsers do not touch the ORM, so the numbers are kept here. Longer cells are row errors, never cut.
OFFENCE_MAX_LENGTHS = {"journal_number": 40, "code_text": 200, "address": 200}  # postcode: _postcodes
CHARGE_MAX_LENGTHS = {"journal_number": 40, "person_id": 64}
FORHOLD_MAX = 2_147_483_647  # a PositiveIntegerField on PostgreSQL
EARLIEST_DATE = dt.date(1900, 1, 1)
# Denmark in ETRS89 / UTM zone 32N, with a margin (Bornholm and Christiansø included)
UTM32_DENMARK = {"x": (400_000.0, 950_000.0), "y": (6_000_000.0, 6_450_000.0)}
SEXES = {"m": "M", "mand": "M", "mandlig": "M", "k": "K", "kvinde": "K", "kvindelig": "K"}
FLAGS = {
    "j": True, "ja": True, "y": True, "yes": True, "1": True, "true": True, "sand": True,
    "n": False, "nej": False, "no": False, "0": False, "false": False, "falsk": False,
}
# Letters damaged by a wrong encoding: U+FFFD, or a UTF-8 letter read as Windows-1252 (æ → "Ã¦")
_DAMAGED = re.compile("\ufffd|[ÂÃ][" + re.escape(bytes(range(0x80, 0xC0)).decode("cp1252", errors="replace")) + "]")


@dataclass
class Parsed:
    """A parser's result: canonical columns, the file row of each line, problems."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def _stripped(cells: pd.Series) -> pd.Series:
    return cells.astype(str).str.strip()


def canonical_frame(
    raw: pd.DataFrame, aliases: dict[str, list[str]], *, required: list[str], what: str, file_name: str,
    max_lengths: dict[str, int] | None = None, problems: list[Problem] | None = None,
    warnings: list[str] | None = None,
) -> pd.DataFrame:
    """Rename the file's columns to canonical names; refuse when a required one is missing.

    With ``problems``: a cell longer than ``max_lengths`` allows for its column is a row error.
    With ``warnings``: cells with letters damaged by a wrong encoding are counted in a warning.
    """
    file_headers = [str(c) for c in raw.columns]
    found, _unmatched = match_columns(file_headers, aliases)
    repeats = repeated_headers(file_headers)
    twice = sorted({repeats[h] for h in file_headers if h in repeats and match_columns([repeats[h]], aliases)[0]})
    if twice:
        repeated = ", ".join(f"'{h}'" for h in twice)
        raise ParseError(
            f"Filen {file_name} har kolonnen/kolonnerne {repeated} mere end én gang. Slet eller omdøb den "
            "overskrift, der er for meget, så det er klart, hvilken kolonne der skal indlæses."
        )
    missing = [c for c in required if c not in found]
    if missing:
        names = ", ".join(f"'{HEADER_LABELS.get(c, c)}'" for c in missing)
        headers = ", ".join(f"'{c}'" for c in raw.columns)
        noun = "den påkrævede kolonne" if len(missing) == 1 else "de påkrævede kolonner"
        raise ParseError(
            f"Filen {file_name} mangler {noun} {names} for {what}. "
            f"Fundne kolonner: {headers}."
        )
    if not pd.api.types.is_integer_dtype(raw.index):
        raise ParseError(f"Filen {file_name}: linje 2 har flere felter end overskriften.")
    rows = raw.index.to_numpy() + 2  # header is row 1; a chunk of a streamed file keeps its numbers
    columns: dict[str, pd.Series] = {}
    damaged: dict[str, np.ndarray] = {}
    for canonical, header in found.items():
        codes, uniques = pd.factorize(raw[header], use_na_sentinel=False)
        texts = _stripped(pd.Series(uniques, dtype=object))  # each distinct cell once
        columns[canonical] = pd.Series(texts.array.take(codes), index=raw.index, name=canonical)
        limit = (max_lengths or {}).get(canonical)
        # vectorised tests over the distinct cells (a file's journal numbers are all distinct); rows are
        # only looked at when a cell is too long or damaged
        if problems is not None and limit is not None:
            lengths = texts.str.len().to_numpy()
            long = np.flatnonzero(lengths > limit)
            for row, code in zip(rows[np.isin(codes, long)], codes[np.isin(codes, long)], strict=True):
                problems.append(Problem(int(row), HEADER_LABELS.get(canonical, header), _shortened(texts.iloc[code]),
                                        f"Teksten er for lang: højst {limit} tegn, her {lengths[code]}"))
        if warnings is not None and not texts.str.isascii().all():
            bad = np.flatnonzero(texts.str.contains(_DAMAGED.pattern, regex=True).to_numpy(dtype=bool))
            if len(bad):
                damaged[header] = np.isin(codes, bad)
    frame = pd.DataFrame(columns, index=raw.index)
    frame["row"] = rows
    if damaged and warnings is not None:
        count = int(np.logical_or.reduce(list(damaged.values())).sum())
        warnings.append(
            f"{count} rækker har ødelagte danske bogstaver (� eller fx 'Ã¦' for 'æ') i kolonnen/kolonnerne "
            + ", ".join(f"'{h}'" for h in damaged)
            + ", sandsynligvis fordi filen er gemt med forkert eller blandet tegnsæt (UTF-8 og Windows-1252). "
            "Gem filen igen med ét tegnsæt, og indlæs den igen."
        )
    return frame


def _shortened(text: str, limit: int = 60) -> str:
    """A long cell as it is shown in an error (the batch record keeps every error)."""
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} tegn)"


def municipality_resolve(value: str, *, by_code: dict[str, str], by_name: dict[str, str]) -> str | None:
    """A municipality given as code (165, 0165) or name (Albertslund) → three-digit code."""
    text = value.strip()
    if text.isdigit():
        code = text.lstrip("0").zfill(3)
        return code if code in by_code else None
    return by_name.get(text.casefold())


_FAST_DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y")  # the usual spellings, parsed vectorised


def _dates(frame: pd.DataFrame, column: str, problems: list[Problem], *, required: bool,
           latest: dt.date) -> pd.Series:
    """A date column as ``datetime.date`` objects (None when empty); each distinct spelling is parsed once.

    A date before 1900 or after ``latest`` (today) is a row error. ``attrs["ordinals"]`` holds each row's
    day number (``date.toordinal``, -1 when empty), for comparing two date columns without Python objects.
    """
    label = HEADER_LABELS.get(column, column)
    codes, texts = pd.factorize(frame[column], use_na_sentinel=False)  # stripped by canonical_frame
    days, reasons = _dates_distinct(pd.Series(texts, dtype=object), latest=latest)
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


def _dates_distinct(texts: pd.Series, *, latest: dt.date) -> tuple[np.ndarray, dict[int, str]]:
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


def _committed_after_reported(committed: np.ndarray, reported: np.ndarray, warnings: list[str]) -> None:
    """A warning for offences whose Gerningsdato lies after their Anmeldt dato (ordinals; -1 = no date):
    they are kept, but on the offence-date basis they count in a later period than they were reported in."""
    after = int(((committed > reported) & (reported >= 0)).sum())
    if after:  # "N …" alike: a streamed file's chunks add up to one warning
        warnings.append(f"{after} anmeldelser har en gerningsdato efter anmeldelsesdatoen. De er indlæst; "
                        "kontrollér datoerne i politiets system.")


def _latest(today: dt.date | None) -> dt.date:
    """The latest date a file may hold: today (in Denmark, unless given)."""
    return today or dt.datetime.now(ZoneInfo("Europe/Copenhagen")).date()


def _municipalities(given: pd.Series, *, by_code: dict[str, str], by_name: dict[str, str]) -> pd.Series:
    """Municipality cells → three-digit codes (None when unknown), resolving each distinct cell once."""
    distinct = {v: municipality_resolve(v or "", by_code=by_code, by_name=by_name) for v in given.unique()}
    return given.map(distinct)


def _forhold(frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    """Forhold as a whole number from 0 to ``FORHOLD_MAX`` (empty: 1); anything else is a row error."""
    if "forhold" not in frame:
        return pd.Series(1, index=frame.index, dtype="int64")
    text = frame["forhold"].replace("", "1")
    numbers = per_distinct(text, _whole_numbers)
    bad = numbers.isna()
    for row, value in zip(frame.loc[bad, "row"], text[bad], strict=True):
        problems.append(Problem(row, "Forhold", value, f"Forhold skal være et helt tal fra 0 til {FORHOLD_MAX}"))
    if bad.any():  # a number of its own for each bad cell (never stored): no "same key" error on top
        return numbers.fillna(pd.Series(-1 - np.arange(len(numbers)), index=numbers.index)).astype("int64")
    return numbers.astype("int64")


def _whole_numbers(texts: pd.Series) -> pd.Series:
    """'2' and '2.0' (an Excel number) → 2; fractions, exponents, signs, other digits, too large → missing."""
    digits = texts.str.extract(r"^([0-9]{1,10})(?:[.,]0+)?$", expand=False)
    numbers = pd.to_numeric(digits, errors="coerce")  # ten digits are exact in a float
    return numbers.where(numbers <= FORHOLD_MAX).astype("Int64")


def _decimal_comma(cells: pd.Series) -> pd.Series:
    """Decimal comma or point → float; garbage, infinity and overflow (1e309) → missing."""
    numbers = pd.to_numeric(cells.str.replace(",", ".", regex=False), errors="coerce")
    return numbers.where(np.isfinite(numbers))


def _flag(cells: pd.Series) -> pd.Series:
    """J/N (Ja/Nej, Y/N, 1/0, an Excel TRUE/FALSE cell) → True/False; empty → missing; else "?"."""
    folded = cells.str.casefold()
    return folded.map(FLAGS).astype(object).where(folded.isin(FLAGS), "?").where(cells != "", None)


def _coordinates(frame: pd.DataFrame, problems: list[Problem], warnings: list[str]) -> None:
    """X and Y as numbers; not a number (or not finite) is a row error, outside Denmark a warning."""
    outside = pd.Series(False, index=frame.index)
    for column in ("x", "y"):
        if column not in frame:
            continue
        numbers = per_distinct(frame[column], _decimal_comma)
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


def _duplicates(frame: pd.DataFrame, key: list[str], label: str, problems: list[Problem],
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


def _postcodes(frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    """Postnr → its four digits ("2620 Albertslund" → "2620"); anything else is a row error."""
    digits = per_distinct(frame["postcode"], lambda t: t.str.extract(_POSTCODE, expand=False))
    bad = digits.isna() & frame["postcode"].ne("")
    for row, value in zip(frame.loc[bad, "row"], frame.loc[bad, "postcode"], strict=True):
        problems.append(Problem(row, "Postnr", value[:40], "Postnummeret skal være fire cifre (fx 2620)"))
    return digits.fillna("").astype(frame["postcode"].dtype)


OFFENCE_DATA = ["report_date", "offence_date", "code", "code_text", "address", "postcode", "municipality",
                "district", "x", "y", "police_initiated"]


def offences_parse(
    raw: pd.DataFrame, *, file_name: str, municipalities: dict[str, str], default_municipality: str | None,
    today: dt.date | None = None,
) -> Parsed:
    """Offence rows → canonical columns; ``municipalities`` maps code → name.

    Dates after ``today`` (default: today) or before 1900 are row errors.
    """
    required = OFFENCE_REQUIRED + ([] if default_municipality else ["municipality"])
    problems: list[Problem] = []
    warnings: list[str] = list(raw.attrs.get("warnings", []))
    frame = canonical_frame(raw, OFFENCE_ALIASES, required=required, what="anmeldelser", file_name=file_name,
                            max_lengths=OFFENCE_MAX_LENGTHS, problems=problems, warnings=warnings)
    columns_in_file = sorted(set(frame.columns) - {"row"})
    as_given = {c: frame[c] for c in OFFENCE_DATA if c in frame}  # as the file gives them, for the messages
    latest = _latest(today)
    by_name = {name.casefold(): code for code, name in municipalities.items()}
    frame["forhold"] = _forhold(frame, problems)
    if "postcode" in frame:
        frame["postcode"] = _postcodes(frame, problems)
    for row in frame.loc[frame["journal_number"] == "", "row"]:
        problems.append(Problem(row, "Journalnummer", "", "Journalnummer mangler"))
    reported = _dates(frame, "report_date", problems, required=True, latest=latest)
    frame["report_date"] = reported
    if "offence_date" in frame:
        committed = _dates(frame, "offence_date", problems, required=False, latest=latest)
        frame["offence_date"] = committed
        _committed_after_reported(committed.attrs["ordinals"], reported.attrs["ordinals"], warnings)
    else:
        frame["offence_date"] = None
    bad_code = ~per_distinct(frame["code"], lambda c: c.str.fullmatch(_CODE.pattern)).astype(bool)
    for row, value in zip(frame.loc[bad_code, "row"], frame.loc[bad_code, "code"], strict=True):
        problems.append(Problem(row, "Gerningskode", value, "Gerningskoden skal være 5–6 cifre"))
    if "municipality" in frame:
        given = frame["municipality"].where(frame["municipality"] != "", default_municipality or "")
    else:
        given = pd.Series(default_municipality, index=frame.index)
    codes = _municipalities(given.fillna(""), by_code=municipalities, by_name=by_name)
    frame["municipality"] = codes
    for row, value in zip(frame.loc[codes.isna(), "row"], given[codes.isna()], strict=True):
        problems.append(Problem(row, "Kommunekode", value, "Ukendt kommune (brug DST-kode eller navn)"))
    _coordinates(frame, problems, warnings)
    if "police_initiated" in frame:
        flags = per_distinct(frame["police_initiated"], _flag)
        bad = flags.eq("?").fillna(False).astype(bool)
        for row, value in zip(frame.loc[bad, "row"], frame.loc[bad, "police_initiated"], strict=True):
            problems.append(Problem(row, "Initiativsag", value, "Initiativsag skal være J eller N"))
        frame["police_initiated"] = flags.where(~bad, None)
    _duplicates(frame, ["journal_number", "forhold"], "Journalnummer/Forhold", problems, compare=as_given)
    for column in ("code_text", "address", "postcode", "district"):
        if column not in frame:
            frame[column] = ""
    frame.attrs["columns_in_file"] = columns_in_file  # an update leaves the other columns alone
    return Parsed(frame, problems, warnings)


def _person_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort out which column holds CPR numbers and which the police's person id.

    A column headed as CPR (CPR, CPR-nummer, CPR-nr., Personnummer) holds CPR numbers whatever its
    cells look like (formats.md §2): a cell that is none is a row error, never a person id. Person
    ids that are CPR numbers in one of their ten-digit forms are treated as CPR numbers.
    """
    if "person_id" in frame:
        looks_cpr = frame["person_id"].str.fullmatch(CPR_LIKE)
        if looks_cpr.any():
            cpr = frame["cpr"] if "cpr" in frame else pd.Series("", index=frame.index)
            frame["cpr"] = cpr.where(~(looks_cpr & (cpr == "")), frame["person_id"])
            frame["person_id"] = frame["person_id"].where(~looks_cpr, "")
    return frame


def charges_parse(
    raw: pd.DataFrame, *, file_name: str, municipalities: dict[str, str], secret: str, as_of_year: int,
    reference_dates: pd.Series | None = None, today: dt.date | None = None,
) -> Parsed:
    """Charge rows → canonical columns with a person key; CPR numbers are hashed here.

    An age (Alder) is turned into a birth year relative to the charge date, else the row's
    ``reference_dates`` (the offence's report date in a combined sheet), else ``as_of_year``.
    """
    problems: list[Problem] = []
    warnings: list[str] = list(raw.attrs.get("warnings", []))
    frame = canonical_frame(raw, CHARGE_ALIASES, required=CHARGE_REQUIRED, what="sigtelser", file_name=file_name,
                            max_lengths=CHARGE_MAX_LENGTHS, problems=problems, warnings=warnings)
    frame = _person_columns(frame)
    columns_in_file = sorted(set(frame.columns) - {"row"})
    if not any(column in frame for column in PERSON_COLUMNS):
        raise ParseError(
            f"Filen {file_name} mangler en personkolonne: 'Person-ID' (eller 'Løbenummer', 'Sigtet ID') "
            "eller 'CPR'."
        )
    name_columns = [c for c in raw.columns if str(c).strip().casefold().replace(" ", "") in NAME_HEADERS]
    if name_columns:
        warnings.append(
            "Kolonnen/kolonnerne " + ", ".join(f"'{c}'" for c in name_columns)
            + " indeholder navne og er ikke indlæst (navne gemmes aldrig)."
        )
    by_name = {name.casefold(): code for code, name in municipalities.items()}
    frame["forhold"] = _forhold(frame, problems)
    frame["charge_date"] = (
        _dates(frame, "charge_date", problems, required=False, latest=_latest(today))
        if "charge_date" in frame else None
    )
    keys, birth, sex = [], [], []
    person_ids = frame["person_id"] if "person_id" in frame else pd.Series("", index=frame.index)
    cprs = frame["cpr"] if "cpr" in frame else pd.Series("", index=frame.index)
    years = frame["birth_year"] if "birth_year" in frame else pd.Series("", index=frame.index)
    ages = frame["age"] if "age" in frame else pd.Series("", index=frame.index)
    sexes = (per_distinct(frame["sex"], lambda t: t.str.casefold().map(SEXES).where(t != "", "").fillna("?"))
             if "sex" in frame else pd.Series("", index=frame.index))
    reference_years = []
    fallback = (reference_dates.reindex(frame.index) if reference_dates is not None
                else pd.Series(None, index=frame.index, dtype=object))
    for charged, other in zip(
        frame["charge_date"] if "charge_date" in frame else [None] * len(frame), fallback, strict=True
    ):
        day = charged or (other if isinstance(other, dt.date) else None)
        reference_years.append(day.year if day else as_of_year)
    # each distinct person id hashed once (a file repeats a person on each of their charges)
    person_keys = {p: person_id_key(p, secret=secret) for p in pd.unique(person_ids) if p}
    given_years = pd.to_numeric(years, errors="coerce")  # vectorised; cells checked below
    year_numbers = given_years.where(given_years % 1 == 0).tolist()  # 1998.7 is not a year
    age_numbers = pd.to_numeric(ages, errors="coerce").tolist()
    for row, person, cpr, year, year_number, age, age_number, given_sex, age_year in zip(
        frame["row"].tolist(), person_ids.tolist(), cprs.tolist(), years.tolist(), year_numbers, ages.tolist(),
        age_numbers, sexes.tolist(), reference_years, strict=True
    ):
        derived_year, derived_sex = None, ""
        if cpr:
            try:
                key, derived_year, derived_sex = cpr_person(cpr, secret=secret)
            except ValueError as exc:
                masked = person_mask(cpr)
                problems.append(Problem(row, "CPR", masked, f"CPR-nummeret i række {row} kan ikke læses ({masked}): "
                                        f"{str(exc).removeprefix('CPR-nummeret ')}"))
                key = ""
        else:
            key = person_keys[person] if person else ""
        if not key and not cpr:
            problems.append(Problem(row, "Person-ID", "", "Person-ID eller CPR mangler"))
        keys.append(key)
        if year:
            number = year_number
            if pd.isna(number) or not 1880 <= number <= as_of_year:
                problems.append(Problem(row, "Fødselsår", year, "Fødselsåret er ikke et årstal"))
                number = None
            derived_year = int(number) if number is not None else derived_year
        elif age:
            number = age_number
            if pd.isna(number) or not 0 <= number <= 120:
                problems.append(Problem(row, "Alder", age, "Alderen er ikke et tal mellem 0 og 120"))
            else:
                derived_year = age_year - int(number)
        birth.append(derived_year)
        if given_sex in ("M", "K"):
            derived_sex = given_sex
        sex.append(derived_sex)
    if "sex" in frame:
        bad_sex = sexes == "?"
        for row, value in zip(frame.loc[bad_sex, "row"], frame.loc[bad_sex, "sex"], strict=True):
            problems.append(Problem(row, "Køn", value, "Køn skal være M eller K (eller Mand/Kvinde)"))
    frame["person_key"] = keys
    frame["birth_year"] = birth
    frame["sex"] = sex
    frame = frame.drop(columns=[c for c in ("cpr", "person_id", "age", "home_address", "home_postcode") if c in frame])
    given_homes = frame["home_municipality"] if "home_municipality" in frame else pd.Series("", index=frame.index)
    unknown = given_homes.str.strip().str.casefold().isin(UNKNOWN_RESIDENCE)
    homes = _municipalities(given_homes, by_code=municipalities, by_name=by_name).where(~unknown, None)
    for row, value in zip(frame.loc[homes.isna() & ~unknown, "row"], given_homes[homes.isna() & ~unknown], strict=True):
        problems.append(Problem(row, "Bopælskommune", value, "Ukendt kommune (brug DST-kode, navn eller 'Uoplyst')"))
    frame["home_municipality"] = homes
    if "home_district" not in frame:
        frame["home_district"] = ""
    keyed = frame[frame["person_key"] != ""]  # a row without a key already has its error
    _duplicates(keyed, ["journal_number", "forhold", "person_key"], "Journalnummer/Forhold/Person", problems)
    frame.attrs["columns_in_file"] = columns_in_file
    return Parsed(frame, problems, warnings)
