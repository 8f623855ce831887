"""Large police CSV files are streamed in chunks: same result as a whole-file import, same guarantees."""

from pathlib import Path

import pytest
from django.core.management import call_command

from importers.models import ImportBatch, ImportChange
from importers.services import batch_rollback, file_import, stream
from reports.models import Charge, OffenceAggregate, ReportedOffence

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "import"
OFFENCE_COLUMNS = ["journal_number", "forhold", "report_date", "offence_date", "code", "code_text", "address",
                   "postcode", "municipality_id", "district_id", "district_method", "x", "y", "police_initiated"]


@pytest.fixture
def chunked(settings, monkeypatch):
    """Every file is streamed, two rows per chunk."""
    settings.IMPORT_STREAM_BYTES = 0
    monkeypatch.setattr(stream, "CHUNK_ROWS", 2)


def _stored():
    return sorted(ReportedOffence.objects.values_list(*OFFENCE_COLUMNS), key=repr)


def _aggregates():
    return sorted(OffenceAggregate.objects.values_list("municipality_id", "district_id", "code", "month", "basis",
                                                       "reports", "charges"), key=repr)


@pytest.mark.parametrize("name", ["anmeldelser_cp1252.csv", "anmeldelser_utf8bom.csv", "anmeldelser_koordinater.csv"])
def test_streamed_offences_equal_whole_file_import(reference, settings, monkeypatch, name):
    whole = file_import(data=(DATA / name).read_bytes(), file_name=name)
    assert whole.ok
    expected, expected_aggregates = _stored(), _aggregates()
    assert batch_rollback(batch=whole.batch).ok
    assert ReportedOffence.objects.count() == 0

    settings.IMPORT_STREAM_BYTES = 0
    monkeypatch.setattr(stream, "CHUNK_ROWS", 2)
    streamed = file_import(path=DATA / name, file_name=name)
    assert streamed.ok, streamed.errors
    assert (streamed.rows_read, streamed.rows_created) == (whole.rows_read, whole.rows_created)
    assert (streamed.period_from, streamed.period_to) == (whole.period_from, whole.period_to)
    assert sorted(streamed.warnings) == sorted(whole.warnings)  # chunk warnings summed, not repeated
    assert _stored() == expected
    assert _aggregates() == expected_aggregates


def test_streamed_charges_link_to_offences_and_roll_back(reference, chunked):
    assert file_import(path=DATA / "anmeldelser_cp1252.csv", file_name="anmeldelser_cp1252.csv").ok
    result = file_import(path=DATA / "sigtelser_personnummer.tsv", file_name="sigtelser_personnummer.tsv")
    assert result.ok, result.errors
    assert result.kind == "charges" and result.rows_created == Charge.objects.count() > 0
    linked = Charge.objects.filter(offence__isnull=False).count()
    assert linked == sum(o.charges for o in OffenceAggregate.objects.filter(basis="report"))
    bulk = ImportChange.objects.get(batch=result.batch)  # one change stands for all created rows
    assert (bulk.action, bulk.object_id) == ("bulk", result.rows_created)
    assert batch_rollback(batch=result.batch).ok
    assert Charge.objects.count() == 0


def test_a_key_repeated_in_another_chunk_rejects_the_file(reference, chunked, tmp_path):
    source = (DATA / "anmeldelser_cp1252.csv").read_bytes().decode("cp1252").splitlines()
    path = tmp_path / "dobbelt.csv"
    path.write_text("\n".join([*source, source[1]]) + "\n", encoding="cp1252")  # row 2 again as the last row
    result = file_import(path=path, file_name=path.name)
    assert not result.ok
    assert result.batch.status == ImportBatch.Status.REJECTED
    last_row = len(source) + 1
    assert [(p.row, p.reason) for p in result.errors] == [(last_row, "Samme nøgle står allerede i række 2")]
    assert ReportedOffence.objects.count() == 0 and ImportChange.objects.count() == 0


def test_bad_cell_in_a_late_chunk_leaves_stored_data_untouched(reference, chunked, tmp_path):
    assert file_import(path=DATA / "anmeldelser_cp1252.csv", file_name="a.csv").ok
    before = _stored()
    source = (DATA / "anmeldelser_cp1252.csv").read_bytes().decode("cp1252").splitlines()
    last = source[-1].split(";")
    last[2] = "31-02-2016"  # no such date, in the last chunk
    path = tmp_path / "rettet.csv"
    path.write_text("\n".join([*source[:-1], ";".join(last)]) + "\n", encoding="cp1252")
    result = file_import(path=path, file_name=path.name)
    assert not result.ok
    assert [(p.row, p.column) for p in result.errors] == [(len(source), "Anmeldt dato")]
    assert _stored() == before  # the earlier chunks were staged, never merged


def test_streamed_dry_run_counts_but_stores_nothing(reference, chunked):
    result = file_import(path=DATA / "anmeldelser_cp1252.csv", file_name="a.csv", dry_run=True)
    assert result.ok and result.dry_run
    assert result.batch.status == ImportBatch.Status.PREVIEW
    assert "5 rækker klar til indlæsning: 5 nye" in result.message
    assert result.preview and result.preview[0]["journal_number"] == "0400-70211-00001-16"
    assert ReportedOffence.objects.count() == 0 and OffenceAggregate.objects.count() == 0


def test_import_file_command_streams_large_files(reference, chunked, capsys):
    call_command("import_file", str(DATA / "anmeldelser_cp1252.csv"))
    assert ReportedOffence.objects.count() == 5
    assert "5 oprettet" in capsys.readouterr().out
