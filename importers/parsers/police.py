"""Police extracts (formats.md §1–2): offences, charges and the combined sheet. Pure."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from common.persons import CPR_LIKE, cpr_person, person_id_key, person_mask

from .common import (
    ParseError,
    Problem,
    match_columns,
    per_distinct,
    repeated_headers,
)
from .police_columns import (
    HEADER_LABELS,
    SEXES,
    committed_after_reported,
    coordinates_check,
    dates_column,
    duplicates_check,
    flag_column,
    forhold_column,
    latest_day,
    municipalities_column,
    postcodes_column,
)

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
# The longest text the stored fields take (their max_length in reports/models.py; a test checks that they
# agree). Parsers do not touch the ORM, so the numbers are kept here. Longer cells are row errors, never cut.
OFFENCE_MAX_LENGTHS = {"journal_number": 40, "code_text": 200, "address": 200}  # postcode: postcodes_column
CHARGE_MAX_LENGTHS = {"journal_number": 40, "person_id": 64}
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
    latest = latest_day(today)
    by_name = {name.casefold(): code for code, name in municipalities.items()}
    frame["forhold"] = forhold_column(frame, problems)
    if "postcode" in frame:
        frame["postcode"] = postcodes_column(frame, problems)
    for row in frame.loc[frame["journal_number"] == "", "row"]:
        problems.append(Problem(row, "Journalnummer", "", "Journalnummer mangler"))
    reported = dates_column(frame, "report_date", problems, required=True, latest=latest)
    frame["report_date"] = reported
    if "offence_date" in frame:
        committed = dates_column(frame, "offence_date", problems, required=False, latest=latest)
        frame["offence_date"] = committed
        committed_after_reported(committed.attrs["ordinals"], reported.attrs["ordinals"], warnings)
    else:
        frame["offence_date"] = None
    bad_code = ~per_distinct(frame["code"], lambda c: c.str.fullmatch(_CODE.pattern)).astype(bool)
    for row, value in zip(frame.loc[bad_code, "row"], frame.loc[bad_code, "code"], strict=True):
        problems.append(Problem(row, "Gerningskode", value, "Gerningskoden skal være 5–6 cifre"))
    if "municipality" in frame:
        given = frame["municipality"].where(frame["municipality"] != "", default_municipality or "")
    else:
        given = pd.Series(default_municipality, index=frame.index)
    codes = municipalities_column(given.fillna(""), by_code=municipalities, by_name=by_name)
    frame["municipality"] = codes
    for row, value in zip(frame.loc[codes.isna(), "row"], given[codes.isna()], strict=True):
        problems.append(Problem(row, "Kommunekode", value, "Ukendt kommune (brug DST-kode eller navn)"))
    coordinates_check(frame, problems, warnings)
    if "police_initiated" in frame:
        flags = per_distinct(frame["police_initiated"], flag_column)
        bad = flags.eq("?").fillna(False).astype(bool)
        for row, value in zip(frame.loc[bad, "row"], frame.loc[bad, "police_initiated"], strict=True):
            problems.append(Problem(row, "Initiativsag", value, "Initiativsag skal være J eller N"))
        frame["police_initiated"] = flags.where(~bad, None)
    duplicates_check(frame, ["journal_number", "forhold"], "Journalnummer/Forhold", problems, compare=as_given)
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
    frame["forhold"] = forhold_column(frame, problems)
    frame["charge_date"] = (
        dates_column(frame, "charge_date", problems, required=False, latest=latest_day(today))
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
    homes = municipalities_column(given_homes, by_code=municipalities, by_name=by_name).where(~unknown, None)
    for row, value in zip(frame.loc[homes.isna() & ~unknown, "row"], given_homes[homes.isna() & ~unknown], strict=True):
        problems.append(Problem(row, "Bopælskommune", value, "Ukendt kommune (brug DST-kode, navn eller 'Uoplyst')"))
    frame["home_municipality"] = homes
    if "home_district" not in frame:
        frame["home_district"] = ""
    keyed = frame[frame["person_key"] != ""]  # a row without a key already has its error
    duplicates_check(keyed, ["journal_number", "forhold", "person_key"], "Journalnummer/Forhold/Person", problems)
    frame.attrs["columns_in_file"] = columns_in_file
    return Parsed(frame, problems, warnings)
