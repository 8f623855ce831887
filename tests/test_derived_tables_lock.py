"""Writers of the derived tables take turns: two connections, each committing.

A file of its own, sorted after the browser tests: a transactional test without serialized rollback
flushes the database and recreates the content types, which the browser tests' serialized rollback
would then meet twice.
"""

import pytest

from reports.models import OffenceAggregate
from tests.test_aggregates import assert_consistent


@pytest.mark.django_db(transaction=True)  # two connections, each committing
def test_two_writers_regrouping_the_same_months_take_turns(town):
    """Two imports regrouping the same months at once: the second waits for the first to commit and then
    replaces its rows, instead of adding a second copy of every count (PostgreSQL; SQLite writes one at a time)."""
    import threading
    import time

    from django.db import connection, transaction

    from reports.aggregates import aggregates_refresh

    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer at a time in")
    first_done, errors = threading.Event(), []

    def writer(before=None, after=None):
        try:
            if before:
                before.wait(5)
            with transaction.atomic():
                aggregates_refresh(municipality_ids={town.pk})
                if after:
                    after.set()
                    time.sleep(0.5)  # still uncommitted while the other writer starts
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, kwargs={"after": first_done}),
               threading.Thread(target=writer, kwargs={"before": first_done})]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    groups = OffenceAggregate.objects.values_list("municipality_id", "district_id", "code", "month", "basis")
    assert len(groups) == len(set(groups)) > 0
    assert_consistent(town)


@pytest.mark.django_db(transaction=True)  # two imports in two threads, each committing
def test_imports_take_turns_from_the_start_of_their_transactions(reference, import_data, monkeypatch):
    """An offence import links the waiting charges that a charges import of the same quarter updates: side
    by side, each could hold a row the other needs and PostgreSQL would abort one as a deadlock. The second
    import waits for its turn before it writes anything, then both are stored."""
    import threading
    import time

    from django.db import connection

    from importers.jobs import TURN_CLASS, job_waiting
    from importers.models import ImportBatch
    from importers.services import file_import, police
    from importers.services.lifecycle import status_display as job_status_display
    from reports.models import Charge, ReportedOffence

    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer at a time in")
    paused, release, errors = threading.Event(), threading.Event(), []
    offences_write = police.offences_write

    def offences_write_then_wait(*args, **kwargs):
        counts = offences_write(*args, **kwargs)
        paused.set()  # written, not committed
        release.wait(20)
        return counts

    monkeypatch.setattr(police, "offences_write", offences_write_then_wait)

    def run(file_name):
        try:
            file_import(data=import_data(file_name), file_name=file_name)
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    offences = threading.Thread(target=run, args=("anmeldelser_cp1252.csv",))
    offences.start()
    try:
        assert paused.wait(20)
        charges = threading.Thread(target=run, args=("sigtelser_cpr.csv",))
        charges.start()
        waiting = 0
        for _ in range(100):
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                               " AND classid = %s::oid", [TURN_CLASS])
                waiting = cursor.fetchone()[0]
            if waiting:
                break
            time.sleep(0.1)
        assert waiting == 1 and ImportBatch.objects.filter(status="running").count() == 2
        waits = ImportBatch.objects.get(kind="charges")  # and its page says why it does not move
        assert job_waiting(waits.pk) and not job_waiting(ImportBatch.objects.get(kind="offences").pk)
        assert job_status_display(waits) == "indlæses – venter på, at en anden kørsel bliver færdig"
        time.sleep(1.5)  # a wait longer than the charges import's own work
    finally:
        release.set()
        offences.join(30)
    charges.join(30)
    assert not errors
    assert sorted(ImportBatch.objects.values_list("kind", "status")) == [("charges", "done"), ("offences", "done")]
    assert ReportedOffence.objects.count() == 5 and Charge.objects.count() == 4
    waits.refresh_from_db()
    assert not job_waiting(waits.pk) and job_status_display(waits) == "indlæst"
    assert waits.duration_seconds < 1.0  # its own work, not the seconds it waited for its turn
    assert_consistent(reference["165"])
