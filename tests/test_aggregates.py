"""The aggregate table equals a recomputation from the raw rows after every kind of write."""

import datetime as dt

import pytest
from django.db.models import Count
from django.db.models.functions import TruncMonth

from importers import services as importers
from importers.services import batch_rollback, bulk, stream
from importers.services.kinds import police_files
from reports.models import Charge, ChargeFact, OffenceAggregate, ReportedOffence
from reports.selectors import charge_counts, offence_counts, offence_counts_raw

pytestmark = pytest.mark.django_db
START, END = dt.date(2000, 1, 1), dt.date(2030, 12, 31)


def as_set(frame, value):
    return {(r.month, None if r.district_id != r.district_id else r.district_id, r.code, getattr(r, value))
            for r in frame.itertuples()}


def raw_charges(municipality, basis):
    field = f"offence__{'report_date' if basis == 'report' else 'offence_date'}"
    rows = (Charge.objects.filter(offence__municipality=municipality, **{f"{field}__isnull": False})
            .annotate(month=TruncMonth(field)).values_list("month", "offence__district_id", "offence__code")
            .annotate(n=Count("id")).order_by())
    return {(m.date() if hasattr(m, "date") else m, d, c, n) for m, d, c, n in rows}


FACT = ("municipality_id", "date", "code", "journal_number", "forhold", "person_key", "charge_date", "birth_year",
        "home_municipality_id", "home_district_id")


def raw_facts(basis):
    """Every charge with its offence's municipality, date by the basis and code, from the row tables."""
    field = "report_date" if basis == "report" else "offence_date"
    offence = {"municipality_id": "offence__municipality_id", "date": f"offence__{field}", "code": "offence__code"}
    return sorted(Charge.objects.filter(offence__isnull=False, **{f"offence__{field}__isnull": False})
                  .values_list(*(offence.get(f, f) for f in FACT)))


def assert_consistent(municipality):
    for basis in ("report", "offence"):
        assert sorted(ChargeFact.objects.filter(basis=basis).values_list(*FACT)) == raw_facts(basis), basis
        aggregate = as_set(offence_counts(municipality=municipality, start=START, end=END, date_basis=basis), "reports")
        raw = as_set(offence_counts_raw(municipality=municipality, start=START, end=END, date_basis=basis), "reports")
        assert aggregate == raw, basis
        charges = as_set(charge_counts(municipality=municipality, start=START, end=END, date_basis=basis), "charges")
        assert charges == raw_charges(municipality, basis), basis


@pytest.fixture(params=["whole", "streamed"])
def file_import(request, settings, monkeypatch, tmp_path):
    """Imports as a small upload (read whole), or streamed from disk in chunks of two rows with every
    load counting as large: the first offences file then goes straight into the empty table."""
    if request.param == "whole":
        return importers.file_import
    settings.IMPORT_STREAM_BYTES = 0
    monkeypatch.setattr(stream, "CHUNK_ROWS", 2)
    monkeypatch.setattr(bulk, "BULK_REBUILD_ROWS", 1)

    def from_disk(*, data, file_name, **kwargs):
        path = tmp_path / file_name
        path.write_bytes(data)
        return importers.file_import(path=path, file_name=file_name, **kwargs)

    return from_disk


def test_aggregates_follow_imports_reimports_replace_rollback_and_rules(reference, import_data, file_import):
    albertslund = reference["165"]
    first = file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv")
    assert_consistent(albertslund)
    assert OffenceAggregate.objects.filter(reports__gt=0).exists()

    charges = file_import(data=import_data("sigtelser_cpr.csv"), file_name="s.csv")
    assert_consistent(albertslund)
    assert sum(OffenceAggregate.objects.filter(basis="report").values_list("charges", flat=True)) == 3
    assert ChargeFact.objects.filter(basis="report").count() == 3

    moved_home = import_data("sigtelser_cpr.csv").replace(b"Albertslund;Vester", b"169;")
    moved = file_import(data=moved_home, file_name="s2.csv")
    assert moved.rows_updated == 1
    assert_consistent(albertslund)
    assert not ChargeFact.objects.filter(home_district__isnull=False).exists()

    corrected = import_data("anmeldelser_cp1252.csv").replace(b"73241;Simpel vold", b"73251;Alvorligere vold")
    reimport = file_import(data=corrected, file_name="rettet.csv")
    assert reimport.rows_updated == 1
    assert_consistent(albertslund)

    smaller = b"\r\n".join(import_data("anmeldelser_cp1252.csv").split(b"\r\n")[:3]) + b"\r\n"
    replaced = file_import(data=smaller, file_name="q.csv",
                           options={"replace_period": (dt.date(2016, 1, 1), dt.date(2016, 12, 31))})
    assert replaced.rows_removed == 3
    assert_consistent(albertslund)

    for batch in (replaced, reimport):
        assert batch_rollback(batch=batch.batch).ok
        assert_consistent(albertslund)
    assert ReportedOffence.objects.count() == 5

    # new category rules change figures without touching the aggregate table
    before = list(OffenceAggregate.objects.order_by("pk").values_list())
    assert file_import(data=import_data("gerningstyper.csv"), file_name="g.csv").ok
    assert list(OffenceAggregate.objects.order_by("pk").values_list()) == before
    assert_consistent(albertslund)

    assert batch_rollback(batch=moved.batch).ok
    assert_consistent(albertslund)
    assert ChargeFact.objects.filter(home_district__isnull=False).exists()
    assert batch_rollback(batch=charges.batch).ok and batch_rollback(batch=first.batch).ok
    assert_consistent(albertslund)
    assert not OffenceAggregate.objects.exists() and not ChargeFact.objects.exists()


def test_offences_loaded_after_their_charges_count_them(reference, import_data, file_import):
    """Charges that arrived first wait for their offences; the offences' import (a first load when
    streamed) links them and the aggregate rows count them."""
    albertslund = reference["165"]
    charges = file_import(data=import_data("sigtelser_cpr.csv"), file_name="s.csv")
    assert charges.ok and not Charge.objects.filter(offence__isnull=False).exists()
    offences = file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv")
    assert offences.ok and any("knyttet til deres anmeldelse" in w for w in offences.warnings)
    assert sum(OffenceAggregate.objects.filter(basis="report").values_list("charges", flat=True)) == 3
    assert_consistent(albertslund)


def test_new_charges_whose_aggregate_rows_are_missing_regroup_their_months(reference, import_data, file_import):
    """A table out of step (rows removed by hand, say): new charges cannot be added to rows that are not
    there, so the months of their offences are regrouped from the row tables instead."""
    assert file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv").ok
    OffenceAggregate.objects.all().delete()
    assert file_import(data=import_data("sigtelser_cpr.csv"), file_name="s.csv").ok
    charged = OffenceAggregate.objects.filter(basis="report", charges__gt=0)
    assert sorted((a.month, a.code, a.reports, a.charges) for a in charged) == [
        (dt.date(2016, 2, 1), "73241", 1, 2), (dt.date(2016, 7, 1), "84110", 1, 1)]
    assert ChargeFact.objects.filter(basis="report").count() == 3


def test_a_rollback_takes_the_rows_it_created_out_as_they_are(reference, import_data, file_import, monkeypatch):
    """Rolling back new offences (a quarter with an offence reported years late) or new charges regroups no
    month: their counts, and the facts of their charges, are taken out as they are. Charges that waited for
    the offences lose them again."""
    from reports import aggregates

    regrouped, refresh = [], aggregates.aggregates_refresh
    monkeypatch.setattr(aggregates, "aggregates_refresh", lambda *, municipality_ids, months=None: (
        regrouped.append(sorted(f"{m:%Y-%m}" for m in months)), refresh(municipality_ids=municipality_ids,
                                                                         months=months))[1])
    albertslund = reference["165"]
    charges = file_import(data=import_data("sigtelser_cpr.csv"), file_name="s.csv")
    offences = file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv")
    assert ChargeFact.objects.count() == 6  # 3 linked charges, 2 date bases
    late = import_data("anmeldelser_cp1252.csv").split(b"\r\n")[0] + (
        b"\r\n0400-70211-00005-20;1;12-03-2020;28-12-2012;73241;Simpel vold;;2620;165;;N\r\n")
    quarter = file_import(data=late, file_name="sent.csv")
    regrouped.clear()

    for batch in (quarter, offences):
        assert batch_rollback(batch=batch.batch).ok
        assert_consistent(albertslund)
    assert regrouped == [[], []]
    assert not OffenceAggregate.objects.exists() and not ChargeFact.objects.exists()
    assert Charge.objects.filter(offence__isnull=True).count() == 4  # waiting for their offences again

    offences = file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a2.csv")
    regrouped.clear()
    assert batch_rollback(batch=charges.batch).ok
    assert regrouped == [[]] and not ChargeFact.objects.exists()
    assert_consistent(albertslund)
    assert sum(OffenceAggregate.objects.values_list("charges", flat=True)) == 0


def test_a_date_moved_to_another_year_leaves_no_count_behind(reference, import_data):
    """The aggregate refresh covers the months an import touched, including a row's old dates."""
    file_import = importers.file_import
    albertslund = reference["165"]
    assert file_import(data=import_data("anmeldelser_cp1252.csv"), file_name="a.csv").ok
    assert file_import(data=import_data("sigtelser_cpr.csv"), file_name="s.csv").ok
    original = import_data("anmeldelser_cp1252.csv").split(b"\r\n")
    moved = original[1].replace(b"03-02-2016", b"15-05-2019").replace(b"01-02-2016", b"14-05-2019")
    assert moved != original[1]
    result = file_import(data=b"\r\n".join([original[0], moved]) + b"\r\n", file_name="flyttet.csv")
    assert result.rows_updated == 1
    assert_consistent(albertslund)
    per_year = {m.year for m in OffenceAggregate.objects.filter(basis="report", reports__gt=0)
                .values_list("month", flat=True)}
    assert 2019 in per_year


def test_a_reimport_regroups_only_the_months_of_the_rows_it_changes(reference, import_data, file_import, monkeypatch):
    """Unchanged rows change no figure: a file imported again regroups nothing. New offences (a new
    quarter, with offences reported years after they happened) are added to their groups as they are.
    A corrected row's old and new months are regrouped, not every month between the file's first and
    last date."""
    from reports import aggregates

    regrouped = []

    def refresh(*, municipality_ids, months=None):
        regrouped.append(sorted(f"{m:%Y-%m}" for m in months))
        return aggregates.aggregates_refresh(municipality_ids=municipality_ids, months=months)

    for module in (police_files, stream):
        monkeypatch.setattr(module, "aggregates_refresh", refresh)
    albertslund = reference["165"]
    original = import_data("anmeldelser_cp1252.csv")
    assert file_import(data=original, file_name="a.csv").ok
    assert file_import(data=import_data("sigtelser_cpr.csv"), file_name="s.csv").ok
    regrouped.clear()

    header, *rows = original.rstrip(b"\r\n").split(b"\r\n")
    again = file_import(data=b"\r\n".join([header, *reversed(rows)]) + b"\r\n", file_name="igen.csv")  # same rows
    assert again.ok and again.rows_unchanged == 5
    assert regrouped == [[]]

    corrected = original.replace(b"20-07-2016;20-07-2016;84110", b"20-07-2016;02-06-2016;84110")
    result = file_import(data=corrected, file_name="rettet.csv")
    assert result.rows_updated == 1 and result.rows_unchanged == 4
    assert regrouped[1] == ["2016-06", "2016-07"]  # not every month from 2016-02 to 2016-10
    assert_consistent(albertslund)

    late = corrected.rstrip(b"\r\n") + b"\r\n0400-70211-00005-20;1;12-03-2020;28-12-2012;73241;Simpel vold;;2620;165;;N\r\n"
    assert file_import(data=late, file_name="sent.csv").rows_created == 1
    assert regrouped[2] == []  # only new offences: added to their groups as they are, nothing regrouped
    assert_consistent(albertslund)
    assert OffenceAggregate.objects.filter(basis="offence", month=dt.date(2012, 12, 1), reports=1).exists()

    later = (late.replace(b"01-10-2016;30-09-2016;99999", b"01-10-2016;30-09-2016;73241")
             + b"0400-70211-00006-21;1;02-01-2021;05-05-2014;71100;Bedrageri;;2620;165;;N\r\n")
    result = file_import(data=later, file_name="senere.csv")
    assert result.rows_created == 1 and result.rows_updated == 1
    assert regrouped[3] == ["2016-09", "2016-10"]  # the corrected row's months; the new row is added as it is
    assert_consistent(albertslund)

    charges = (import_data("sigtelser_cpr.csv").replace(b"010203-1234;Anders And;12-03-2016;169", b"010203-1234;Anders And;12-03-2016;165")
               + "0400-70211-00005-20;1;150570-1236;Eva E;20-03-2020;Albertslund;Øster\r\n".encode("cp1252"))
    result = file_import(data=charges, file_name="s3.csv")
    assert result.rows_created == 1 and result.rows_updated == 1
    assert regrouped[4] == ["2016-02"]  # the changed charge's offence month; the new charge (2012/2020) is added
    assert_consistent(albertslund)
    assert aggregates.month_ranges([dt.date(2012, 12, 1), dt.date(2020, 3, 1), dt.date(2020, 2, 1)]) == [
        (dt.date(2012, 12, 1), dt.date(2013, 1, 1)), (dt.date(2020, 2, 1), dt.date(2020, 4, 1))]


def test_an_offence_moved_in_the_admin_leaves_no_count_behind(rf, admin_user, town):
    """The admin recomputes the municipality a row had before the edit as well as the one it has now."""
    from django.contrib import admin

    from districts.models import Municipality

    offence = ReportedOffence.objects.get(journal_number="O1")  # Øster, charged: p1
    hoje = Municipality.objects.get(code="169")
    offence.municipality, offence.district = hoje, None
    request = rf.post("/")
    request.user = admin_user
    admin.site._registry[ReportedOffence].save_model(request, offence, form=None, change=True)
    for municipality in (town, hoje):
        assert_consistent(municipality)
    assert ChargeFact.objects.filter(municipality=hoje, journal_number="O1").count() == 2  # both date bases
    assert not ChargeFact.objects.filter(municipality=town, journal_number="O1").exists()


@pytest.mark.parametrize("how", ["admin", "queryset"])
def test_a_deleted_district_leaves_its_offences_counted_as_unknown(rf, admin_user, town, how):
    """Deleting a district moves its offences and residents to "unknown district" (SET_NULL); the aggregate
    rows and charge facts follow, also the facts of its residents' charges in other municipalities."""
    from django.contrib import admin

    from districts.models import District, Municipality
    from reports.aggregates import aggregates_refresh

    hoje = Municipality.objects.get(code="169")
    vester = District.objects.get(municipality=town, name="Vester")
    elsewhere = ReportedOffence.objects.create(journal_number="H1", report_date=dt.date(2016, 4, 4),
                                               offence_date=dt.date(2016, 4, 3), code="75110", municipality=hoje)
    Charge.objects.create(journal_number="H1", forhold=1, person_key="p5", offence=elsewhere,
                          charge_date=dt.date(2016, 4, 9), home_municipality=town, home_district=vester)
    # an unknown-district offence in V1's month and code: Vester's row for them is added to this one's
    ReportedOffence.objects.create(journal_number="U2", report_date=dt.date(2016, 3, 20),
                                   offence_date=dt.date(2016, 2, 25), code="73241", municipality=town)
    aggregates_refresh(municipality_ids={hoje.pk, town.pk})
    reports_before = sum(OffenceAggregate.objects.filter(municipality=town).values_list("reports", flat=True))
    vester_id = vester.pk

    if how == "admin":
        request = rf.post("/")
        request.user = admin_user
        admin.site._registry[District].delete_model(request, vester)
    else:
        District.objects.filter(municipality=town, name__in=["Vester", "Lund"]).delete()

    for municipality in (town, hoje):
        assert_consistent(municipality)
    assert sum(OffenceAggregate.objects.filter(municipality=town).values_list("reports", flat=True)) == reports_before
    unknown = OffenceAggregate.objects.filter(municipality=town, district__isnull=True, code="73241", basis="report")
    expected = [(dt.date(2016, 3, 1), 2, 1)]  # U2, and V1 with p4's charge: added to U2's row
    if how == "queryset":
        expected.append((dt.date(2016, 11, 1), 1, 1))  # Lund's L2 with p3's charge: a new row
    assert sorted(unknown.values_list("month", "reports", "charges")) == expected
    assert not ChargeFact.objects.filter(home_district_id=vester_id).exists()

