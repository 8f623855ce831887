"""Police extracts (formats.md §1–2): offences, charges and the combined sheet. Pure."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .common import ParseError, Problem, match_columns, parse_date, per_distinct

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
    "cpr": ["CPR", "CPR-nummer", "CPR nr", "Personnummer"],
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
OFFENCE_REQUIRED = ["journal_number", "report_date", "code"]
UNKNOWN_RESIDENCE = {"", "uoplyst", "ukendt", "998", "999", "0", "000"}
_CPR = re.compile(r"^\s*(\d{2})(\d{2})(\d{2})-?(\d{4})\s*$")
_CODE = re.compile(r"^\d{5,6}$")
_CPR_LIKE = r"\s*\d{6}-?\d{4}\s*"
HEADER_LABELS = {
    "journal_number": "Journalnummer", "forhold": "Forhold", "report_date": "Anmeldt dato",
    "offence_date": "Gerningsdato", "code": "Gerningskode", "municipality": "Kommunekode",
    "person_id": "Person-ID", "cpr": "CPR", "charge_date": "Sigtelsesdato",
    "birth_year": "Fødselsår", "sex": "Køn", "home_municipality": "Bopælskommune",
    "home_district": "Bopæl bydel", "x": "X", "y": "Y",
}


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
    raw: pd.DataFrame, aliases: dict[str, list[str]], *, required: list[str], what: str, file_name: str
) -> pd.DataFrame:
    """Rename the file's columns to canonical names; refuse when a required one is missing."""
    found, _unmatched = match_columns([str(c) for c in raw.columns], aliases)
    missing = [c for c in required if c not in found]
    if missing:
        names = ", ".join(f"'{HEADER_LABELS.get(c, c)}'" for c in missing)
        headers = ", ".join(f"'{c}'" for c in raw.columns)
        noun = "den påkrævede kolonne" if len(missing) == 1 else "de påkrævede kolonner"
        raise ParseError(
            f"Filen {file_name} mangler {noun} {names} for {what}. "
            f"Fundne kolonner: {headers}."
        )
    frame = pd.DataFrame({canonical: per_distinct(raw[header], _stripped) for canonical, header in found.items()})
    frame["row"] = raw.index.to_numpy() + 2  # header is row 1; a chunk of a streamed file keeps its numbers
    return frame


def municipality_resolve(value: str, *, by_code: dict[str, str], by_name: dict[str, str]) -> str | None:
    """A municipality given as code (165, 0165) or name (Albertslund) → three-digit code."""
    text = value.strip()
    if text.isdigit():
        code = text.lstrip("0").zfill(3)
        return code if code in by_code else None
    return by_name.get(text.casefold())


_FAST_DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y")  # the usual spellings, parsed vectorised


def _dates(frame: pd.DataFrame, column: str, problems: list[Problem], *, required: bool) -> pd.Series:
    """A date column as ``datetime.date`` objects (None when empty); each distinct spelling is parsed once."""
    label = HEADER_LABELS.get(column, column)
    codes, texts = pd.factorize(frame[column], use_na_sentinel=False)  # stripped by canonical_frame
    days, reasons = _dates_distinct(pd.Series(texts, dtype=object))
    values = pd.Series(days[codes], index=frame.index, dtype=object)
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


def _dates_distinct(texts: pd.Series) -> tuple[np.ndarray, dict[int, str]]:
    """Distinct date texts → dates (None when empty or bad) and, by position, why the bad ones are bad.

    The usual formats are parsed vectorised; other spellings (and garbage) go through ``parse_date``.
    """
    parsed = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
    for fmt in _FAST_DATE_FORMATS:
        todo = parsed.isna() & (texts != "")
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(texts[todo], format=fmt, errors="coerce")
    days = np.array([None if pd.isna(d) else d.date() for d in parsed], dtype=object)
    reasons: dict[int, str] = {}
    for position in np.flatnonzero((parsed.isna() & (texts != "")).to_numpy()):
        try:  # other spellings, or garbage
            days[position] = parse_date(texts.iloc[position])
        except ValueError as exc:
            reasons[int(position)] = str(exc)
    return days, reasons


def _municipalities(given: pd.Series, *, by_code: dict[str, str], by_name: dict[str, str]) -> pd.Series:
    """Municipality cells → three-digit codes (None when unknown), resolving each distinct cell once."""
    distinct = {v: municipality_resolve(v or "", by_code=by_code, by_name=by_name) for v in given.unique()}
    return given.map(distinct)


def _forhold(frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    if "forhold" not in frame:
        return pd.Series(1, index=frame.index)
    text = frame["forhold"].replace("", "1")
    numbers = per_distinct(text, lambda t: pd.to_numeric(t, errors="coerce"))
    for row, value in zip(frame.loc[numbers.isna(), "row"], text[numbers.isna()], strict=True):
        problems.append(Problem(row, "Forhold", value, "Forhold skal være et helt tal"))
    return numbers.fillna(1).astype(int)


def _decimal_comma(cells: pd.Series) -> pd.Series:
    return pd.to_numeric(cells.str.replace(",", ".", regex=False), errors="coerce")


def _flag(cells: pd.Series) -> pd.Series:
    """J/N (Y, 1, 0) → True/False; anything else → missing."""
    return cells.str.upper().str[:1].map({"J": True, "Y": True, "1": True, "N": False, "0": False})


def _duplicates(frame: pd.DataFrame, key: list[str], label: str, problems: list[Problem]) -> None:
    """A natural key twice in one file: every later row is an error naming the first row."""
    duplicated = frame.duplicated(subset=key, keep="first")
    if not duplicated.any():
        return
    first_row = frame.groupby(key, sort=False, dropna=False)["row"].transform("first")
    for row, first, *values in frame.loc[duplicated, ["row"]].assign(first=first_row[duplicated]).join(
        frame.loc[duplicated, key]
    ).itertuples(index=False):
        problems.append(Problem(
            row, label, " / ".join(map(str, values)), f"Samme nøgle står allerede i række {first}"
        ))


def offences_parse(
    raw: pd.DataFrame, *, file_name: str, municipalities: dict[str, str], default_municipality: str | None,
) -> Parsed:
    """Offence rows → canonical columns; ``municipalities`` maps code → name."""
    required = OFFENCE_REQUIRED + ([] if default_municipality else ["municipality"])
    frame = canonical_frame(raw, OFFENCE_ALIASES, required=required, what="anmeldelser", file_name=file_name)
    columns_in_file = sorted(set(frame.columns) - {"row"})
    problems: list[Problem] = []
    by_name = {name.casefold(): code for code, name in municipalities.items()}
    frame["forhold"] = _forhold(frame, problems)
    for row in frame.loc[frame["journal_number"] == "", "row"]:
        problems.append(Problem(row, "Journalnummer", "", "Journalnummer mangler"))
    frame["report_date"] = _dates(frame, "report_date", problems, required=True)
    frame["offence_date"] = (
        _dates(frame, "offence_date", problems, required=False) if "offence_date" in frame else None
    )
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
    for column in ("x", "y"):
        if column in frame:
            numbers = per_distinct(frame[column], _decimal_comma)
            bad = numbers.isna() & (frame[column] != "")
            for row, value in zip(frame.loc[bad, "row"], frame.loc[bad, column], strict=True):
                problems.append(Problem(row, column.upper(), value, "Koordinaten er ikke et tal"))
            frame[column] = numbers
    if "police_initiated" in frame:
        frame["police_initiated"] = per_distinct(frame["police_initiated"], _flag)
    _duplicates(frame, ["journal_number", "forhold"], "Journalnummer/Forhold", problems)
    for column in ("code_text", "address", "postcode", "district"):
        if column not in frame:
            frame[column] = ""
    frame.attrs["columns_in_file"] = columns_in_file  # an update leaves the other columns alone
    return Parsed(frame, problems)


def cpr_person(cpr: str, *, secret: str) -> tuple[str, int, str]:
    """CPR number → (keyed hash person key, birth year, sex). The CPR itself is not kept."""
    match = _CPR.match(cpr)
    if not match:
        raise ValueError("CPR-nummeret har ikke formen ddmmåå-xxxx")
    day, month, yy, serial = match.groups()
    digits = f"{day}{month}{yy}{serial}"
    year, seventh = int(yy), int(serial[0])
    if seventh <= 3:
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if year <= 36 else 1900
    else:
        century = 2000 if year <= 57 else 1800
    try:
        dt.date(century + year, int(month), int(day))
    except ValueError as exc:
        raise ValueError("CPR-nummeret indeholder ikke en gyldig fødselsdato") from exc
    key = hmac.new(secret.encode(), digits.encode(), hashlib.sha256).hexdigest()
    return f"cpr:{key[:40]}", century + year, "M" if int(serial[-1]) % 2 else "K"


def cpr_mask(value: str) -> str:
    return re.sub(r"\d", "*", value[:6]) + "-****" if value else ""


def _person_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort out which column holds CPR numbers and which the police's person id.

    "Personnummer" is used for both: when no cell of a CPR column looks like a CPR number it is
    the person id. The other way round, person ids that look like CPR numbers are treated as
    CPR numbers (hashed, never stored as they are).
    """
    if "cpr" in frame and "person_id" not in frame:
        given = frame.loc[frame["cpr"] != "", "cpr"]
        if len(given) and not given.str.fullmatch(_CPR_LIKE).any():
            frame = frame.rename(columns={"cpr": "person_id"})
    if "person_id" in frame:
        looks_cpr = frame["person_id"].str.fullmatch(_CPR_LIKE)
        if looks_cpr.any():
            cpr = frame["cpr"] if "cpr" in frame else pd.Series("", index=frame.index)
            frame["cpr"] = cpr.where(~(looks_cpr & (cpr == "")), frame["person_id"])
            frame["person_id"] = frame["person_id"].where(~looks_cpr, "")
    return frame


def charges_parse(
    raw: pd.DataFrame, *, file_name: str, municipalities: dict[str, str], secret: str, as_of_year: int,
    reference_dates: pd.Series | None = None,
) -> Parsed:
    """Charge rows → canonical columns with a person key; CPR numbers are hashed here.

    An age (Alder) is turned into a birth year relative to the charge date, else the row's
    ``reference_dates`` (the offence's report date in a combined sheet), else ``as_of_year``.
    """
    frame = canonical_frame(raw, CHARGE_ALIASES, required=["journal_number"], what="sigtelser", file_name=file_name)
    frame = _person_columns(frame)
    columns_in_file = sorted(set(frame.columns) - {"row"})
    if "person_id" not in frame and "cpr" not in frame:
        raise ParseError(
            f"Filen {file_name} mangler en personkolonne: 'Person-ID' (eller 'Løbenummer', 'Sigtet ID') "
            "eller 'CPR'."
        )
    problems: list[Problem] = []
    warnings: list[str] = []
    name_columns = [c for c in raw.columns if str(c).strip().casefold().replace(" ", "") in NAME_HEADERS]
    if name_columns:
        warnings.append(
            "Kolonnen/kolonnerne " + ", ".join(f"'{c}'" for c in name_columns)
            + " indeholder navne og er ikke indlæst (navne gemmes aldrig)."
        )
    by_name = {name.casefold(): code for code, name in municipalities.items()}
    frame["forhold"] = _forhold(frame, problems)
    frame["charge_date"] = (
        _dates(frame, "charge_date", problems, required=False) if "charge_date" in frame else None
    )
    keys, birth, sex = [], [], []
    person_ids = frame["person_id"] if "person_id" in frame else pd.Series("", index=frame.index)
    cprs = frame["cpr"] if "cpr" in frame else pd.Series("", index=frame.index)
    years = frame["birth_year"] if "birth_year" in frame else pd.Series("", index=frame.index)
    ages = frame["age"] if "age" in frame else pd.Series("", index=frame.index)
    sexes = frame["sex"].str.upper().str[:1] if "sex" in frame else pd.Series("", index=frame.index)
    reference_years = []
    fallback = (reference_dates.reindex(frame.index) if reference_dates is not None
                else pd.Series(None, index=frame.index, dtype=object))
    for charged, other in zip(
        frame["charge_date"] if "charge_date" in frame else [None] * len(frame), fallback, strict=True
    ):
        day = charged or (other if isinstance(other, dt.date) else None)
        reference_years.append(day.year if day else as_of_year)
    year_numbers = pd.to_numeric(years, errors="coerce").tolist()  # vectorised; cells checked below
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
                problems.append(Problem(row, "CPR", cpr_mask(cpr), str(exc)))
                key = ""
            if person and not key:
                key = person
        else:
            key = person
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
        elif given_sex:
            problems.append(Problem(row, "Køn", given_sex, "Køn skal være M eller K"))
        sex.append(derived_sex)
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
    _duplicates(frame, ["journal_number", "forhold", "person_key"], "Journalnummer/Forhold/Person", problems)
    frame.attrs["columns_in_file"] = columns_in_file
    return Parsed(frame, problems, warnings)
