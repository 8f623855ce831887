"""The figures follow every kind of write: re-import, replace-period, orphan linking and rollback.

The numbers are counted by hand from tests/data/import (2016, Albertslund, the four DKE categories):
offences 73241 vold, 75310 indbrud, 75120 tyveri (butik), 84110 narko, 99999 (no category);
charges: two persons on the vold offence (Høje-Taastrup; Albertslund/Vester), one on the narko
offence (no residence), one whose offence 0400-70211-09999-16 is not delivered yet (København).
"""

import pytest

from importers.services import batch_rollback, file_import
from reports.models import Charge
from reports.services import figure_table

pytestmark = pytest.mark.django_db
CATEGORIES = ["tyveri", "vold", "indbrud", "narko"]


def per_category(town, slug: str, value: str) -> dict[str, int]:
    table = figure_table(slug=slug, municipality=town, period="2016", categories=CATEGORIES)
    return {c: int(n) for c, n in table.groupby("category")[value].sum().items()}


def residences(town) -> dict[str, int]:
    table = figure_table(slug="charged-persons-residence", municipality=town, period="2016", categories=CATEGORIES)
    return {(r.home_municipality + (f"/{r.home_district}" if r.home_district else "")): int(r.persons)
            for r in table.itertuples() if r.persons}


def reports(town):
    return per_category(town, "reports-by-period", "reports")


def charges(town):
    return per_category(town, "charges-by-category", "charges")


def test_figures_before_and_after_reimport_replace_orphans_and_rollback(reference, import_data):
    town = reference["165"]
    offences_file = import_data("anmeldelser_cp1252.csv")
    assert file_import(data=offences_file, file_name="anmeldelser.csv").ok
    assert reports(town) == {"tyveri": 1, "vold": 1, "indbrud": 1, "narko": 1}
    assert charges(town) == {"tyveri": 0, "vold": 0, "indbrud": 0, "narko": 0}

    assert file_import(data=import_data("sigtelser_cpr.csv"), file_name="sigtelser.csv").ok
    assert charges(town) == {"tyveri": 0, "vold": 2, "indbrud": 0, "narko": 1}
    assert residences(town) == {"Albertslund": 1, "Albertslund/Vester": 1, "Høje-Taastrup": 1, "Uoplyst": 1}
    assert Charge.objects.filter(offence__isnull=True).count() == 1  # the orphan waits, not counted

    # orphan linking: the missing offence arrives (a theft) and its charge counts from then on
    late = ("Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode;Bydel\r\n"
            "0400-70211-09999-16;1;21-07-2016;75110;165;Lund\r\n").encode("cp1252")
    linked = file_import(data=late, file_name="efternoelere.csv")
    assert linked.ok and Charge.objects.filter(offence__isnull=True).count() == 0
    assert reports(town) == {"tyveri": 2, "vold": 1, "indbrud": 1, "narko": 1}
    assert charges(town) == {"tyveri": 1, "vold": 2, "indbrud": 0, "narko": 1}
    assert residences(town)["København"] == 1

    # re-import: the police recode the violence as a burglary; reports and charges move with it
    corrected = offences_file.replace(b"73241;Simpel vold", b"75310;Indbrud i beboelse")
    reimport = file_import(data=corrected, file_name="rettet.csv")
    assert (reimport.rows_created, reimport.rows_updated, reimport.rows_unchanged) == (0, 1, 4)
    assert reports(town) == {"tyveri": 2, "vold": 0, "indbrud": 2, "narko": 1}
    assert charges(town) == {"tyveri": 1, "vold": 0, "indbrud": 2, "narko": 1}

    # replace-period: a 2016 extract with only the first two offences removes the other four
    smaller = b"\r\n".join(corrected.split(b"\r\n")[:3]) + b"\r\n"
    replaced = file_import(data=smaller, file_name="2016.csv",
                           options={"replace_period": ("2016-01-01", "2016-12-31")})
    assert replaced.rows_removed == 4
    assert reports(town) == {"tyveri": 0, "vold": 0, "indbrud": 2, "narko": 0}
    assert charges(town) == {"tyveri": 0, "vold": 0, "indbrud": 2, "narko": 0}
    assert residences(town) == {"Albertslund": 1, "Albertslund/Vester": 1, "Høje-Taastrup": 1}

    # rollback, newest first, returns every figure to what it was before each batch
    assert batch_rollback(batch=replaced.batch).ok
    assert reports(town) == {"tyveri": 2, "vold": 0, "indbrud": 2, "narko": 1}
    assert charges(town) == {"tyveri": 1, "vold": 0, "indbrud": 2, "narko": 1}
    assert batch_rollback(batch=reimport.batch).ok
    assert reports(town) == {"tyveri": 2, "vold": 1, "indbrud": 1, "narko": 1}
    assert charges(town) == {"tyveri": 1, "vold": 2, "indbrud": 0, "narko": 1}
    assert batch_rollback(batch=linked.batch).ok
    assert reports(town) == {"tyveri": 1, "vold": 1, "indbrud": 1, "narko": 1}
    assert charges(town) == {"tyveri": 0, "vold": 2, "indbrud": 0, "narko": 1}
    assert Charge.objects.filter(offence__isnull=True).count() == 1  # waiting again
    assert "København" not in residences(town)
