"""Reproduces the published 2016 figures of the DKE half-year report 2H2017 (domain.md).

A data set built to be consistent with the report is written as the police and
population files an analyst uploads, loaded through the importers, and the figures are
compared with the published numbers: 70 / 64 / 29 reports per 1,000 (Lund, Øster,
Vester), burglary shares 41 / 32 / 27 % (Øster, Lund, Vester), and where the charged
persons lived (118 in Albertslund: Vester 44, Lund 40, Øster 34; 115 in the neighbours).
"""

import datetime as dt

import pytest

from importers.services import file_import
from reports.services import figure_table

pytestmark = pytest.mark.django_db

POPULATION = {"Vester": 9000, "Øster": 10000, "Lund": 8000}
# reports in 2016 of the four categories, per district: burglary, violence, narcotics, theft
REPORTS = {
    "Vester": {"75310": 24, "73241": 40, "84110": 30, "75120": 261 - 24 - 40 - 30},  # 261 / 9.000 = 29,0
    "Øster": {"75310": 41, "73241": 70, "84110": 90, "75120": 640 - 41 - 70 - 90},  # 640 / 10.000 = 64,0
    "Lund": {"75310": 26, "73241": 80, "84110": 95, "75120": 560 - 26 - 80 - 95},  # 560 / 8.000 = 70,0
}
STREET = {"Vester": "Topperne", "Øster": "Gadekæret", "Lund": "Hyldespjældet"}
RESIDENCE = {  # (home municipality, home district): persons
    ("165", "Vester"): 44, ("165", "Lund"): 40, ("165", "Øster"): 34,
    ("169", ""): 20, ("183", ""): 6, ("187", ""): 14, ("153", ""): 7, ("161", ""): 5, ("151", ""): 3,
    ("163", ""): 1, ("175", ""): 3, ("167", ""): 5, ("159", ""): 7, ("101", ""): 44,
    ("751", ""): 9, ("Uoplyst", ""): 12,
}


def offences_csv() -> tuple[bytes, list[str]]:
    lines = ["Journalnummer;Forhold;Anmeldt dato;Gerningsdato;Gerningskode;Gerningssted;Postnr;Kommunekode"]
    journals = []
    number = 0
    for district, codes in REPORTS.items():
        for code, count in codes.items():
            for _ in range(count):
                number += 1
                day = dt.date(2016, 1, 1) + dt.timedelta(days=number % 366)
                journal = f"0400-70211-{number:05d}-16"
                journals.append(journal)
                lines.append(f"{journal};1;{day:%d-%m-%Y};{day:%d-%m-%Y};{code};{STREET[district]} {number % 9 + 1};2620;165")
    # one 2015 report that must not count in 2016
    lines.append("0400-70211-99999-15;1;31-12-2015;30-12-2015;75310;Topperne 1;2620;165")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252"), journals


def charges_csv(journals: list[str]) -> bytes:
    lines = ["Journalnummer;Forhold;Person-ID;Sigtelsesdato;Fødselsår;Køn;Bopælskommune;Bopæl bydel"]
    person = 0
    for (home, district), persons in RESIDENCE.items():
        for _ in range(persons):
            person += 1
            journal = journals[person * 3]
            lines.append(f"{journal};1;P-{person:05d};01-12-2016;1995;M;{home};{district}")
            if person % 4 == 0:  # a second charge for the same person: still one person
                lines.append(f"{journals[person * 3 + 1]};1;P-{person:05d};02-12-2016;1995;M;{home};{district}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def population_csv() -> bytes:
    rows = ["Bydel;Dato;Antal"] + [f"{name};01-07-2016;{count}" for name, count in POPULATION.items()]
    return ("\n".join(rows) + "\n").encode("utf-8")


@pytest.fixture
def albertslund_2016(reference):
    albertslund = reference["165"]
    offences, journals = offences_csv()
    for name, data, kind in [
        ("befolkning_2016.csv", population_csv(), "population"),
        ("anmeldelser_2016.csv", offences, "offences"),
        ("sigtelser_2016.csv", charges_csv(journals), "charges"),
    ]:
        result = file_import(data=data, file_name=name, kind=kind, municipality=albertslund)
        assert result.ok, (name, result.errors[:3])
    return albertslund


def test_reports_per_1000_2016(albertslund_2016):
    table = figure_table(slug="reports-per-1000", municipality=albertslund_2016, period="2016")
    rates = {d: round(r) for d, r in zip(table["district"], table["reports_per_1000"], strict=True)}
    assert rates == {"Lund": 70, "Øster": 64, "Vester": 29}


def test_burglary_share_normalised_for_population_2016(albertslund_2016):
    table = figure_table(slug="reports-share", municipality=albertslund_2016, period="2016", categories=["indbrud"])
    shares = {d: round(s) for d, s in zip(table["district"], table["share_pct"], strict=True)}
    assert shares == {"Øster": 41, "Lund": 32, "Vester": 27}


def test_where_charged_persons_lived_2016(albertslund_2016):
    table = figure_table(slug="charged-persons-residence", municipality=albertslund_2016, period="2016")
    rows = {(c, d): n for c, d, n in zip(table["home_municipality_code"], table["home_district"],
                                         table["persons"], strict=True)}
    assert rows[("165", "")] == 118
    assert (rows[("165", "Vester")], rows[("165", "Lund")], rows[("165", "Øster")]) == (44, 40, 34)
    neighbours = {"169": 20, "183": 6, "187": 14, "153": 7, "161": 5, "151": 3, "163": 1, "175": 3,
                  "167": 5, "159": 7, "101": 44}
    assert {c: rows[(c, "")] for c in neighbours} == neighbours
    assert sum(neighbours.values()) == 115
    assert rows[("", "")] == 12  # "Uoplyst"
