"""The preview's parse is reused at confirmation when the stored upload is the same file (same SHA-256),
and a changed file is parsed again (issue 23)."""

import pytest

from importers.models import ImportBatch
from importers.services import file_import
from importers.services.kinds import police_files, population
from importers.services.runs import import_execute
from importers.storage import upload_path, upload_store
from reports.models import ReportedOffence

pytestmark = pytest.mark.django_db

OFFENCES = ("Sagsnummer\tForhold nr\tAnmeldt\tGerningskode\tKommunekode\tGerningssted\n"
            "0400-70211-00020-18\t1\t11.04.2018\t73241\t0165\tRisby 3\n"
            "0400-70211-00021-18\t1\t12.04.2018\t75310\t165\tHyldespjældet 200\n")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def parses(monkeypatch):
    """Counts the calls of the offences' and the population's parsers."""
    calls = []
    for module, name in ((police_files, "offences_parse"), (population, "population_parse")):
        original = getattr(module, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    return calls


def previewed(data: bytes, name: str, **how) -> ImportBatch:
    """A preview as the upload page makes it: parsed with its result kept, and the upload stored."""
    result = file_import(data=data, file_name=name, dry_run=True, keep_parsed=True, **how)
    assert result.batch.status == "preview", result.errors
    upload_store(data, result.batch.sha256)
    ImportBatch.objects.filter(pk=result.batch.pk).update(status="queued")
    return result.batch


def test_confirming_the_same_file_does_not_parse_it_again(reference, settings, parses):
    settings.IMPORT_RUN_INLINE = True
    batch = previewed(OFFENCES.encode(), "anmeldelser.tsv")
    assert parses == ["offences_parse"]
    import_execute(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.rows_created == 2 and ReportedOffence.objects.count() == 2
    assert parses == ["offences_parse"]  # the preview's parse, not a second one
    assert not any(upload_path(batch.sha256).parent.parent.joinpath("parsed").iterdir())  # gone with the upload


def test_a_changed_file_is_parsed_again_at_confirmation(reference, settings, parses):
    batch = previewed(OFFENCES.encode(), "anmeldelser.tsv")
    third = "0400-70211-00022-18\t1\t13.04.2018\t75310\t165\tRisby 5\n"
    upload_path(batch.sha256).write_bytes((OFFENCES + third).encode())  # the stored file is not the one previewed
    import_execute(batch.pk)
    batch.refresh_from_db()
    assert parses == ["offences_parse", "offences_parse"]
    assert batch.status == "done" and batch.rows_created == 3 and ReportedOffence.objects.count() == 3


def test_a_reference_file_is_parsed_once_too(reference, import_data, parses):
    batch = previewed(import_data("befolkning.csv"), "befolkning.csv", municipality=reference["165"])
    import_execute(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.rows_created > 0
    assert parses == ["population_parse"]


def test_a_preview_with_errors_keeps_no_parse(reference, settings, parses):
    bad = OFFENCES.replace("11.04.2018", "31.02.2018").encode()
    result = file_import(data=bad, file_name="anmeldelser.tsv", dry_run=True, keep_parsed=True)
    assert result.batch.status == "rejected"
    parsed = settings.MEDIA_ROOT / "parsed"
    assert not parsed.exists() or not any(parsed.iterdir())
