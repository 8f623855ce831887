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
