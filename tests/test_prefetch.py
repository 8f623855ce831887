"""The dashboard counts persons on connections of its own while it draws the other figures; nothing else changes."""

import threading

import pytest
from django.core.cache import cache
from django.db import transaction

from reports import dashboard, selectors
from reports.memo import memo, memoised, prefetch
from reports.services import FigureError, figure_table
from tests.pages import without_tokens


@pytest.fixture
def staff(client, town, member):
    """A logged-in member of staff; the role is made here, since a transactional test may follow a flush of the
    roles the migrations made."""
    from django.contrib.auth.models import Group

    Group.objects.get_or_create(name="Medarbejder")
    client.force_login(member("Medarbejder", town))
    return client


@pytest.mark.django_db(transaction=True)  # committed rows, as other connections see them
@pytest.mark.parametrize("query", ["period_from=2016&period_to=2016", "period_from=2016H1&period_to=2016H2"])
def test_person_figures_are_counted_in_other_threads_and_the_page_is_the_same(staff, monkeypatch, query):
    counted, threads = selectors.first_charge_persons, []

    def spy(**kwargs):
        threads.append(threading.current_thread().name)
        return counted(**kwargs)

    monkeypatch.setattr(selectors, "first_charge_persons", spy)
    prefetched = staff.get(f"/kommune/165/?{query}")
    assert [name.startswith("prefetch") for name in threads] == [True, True]  # fig. 8 and the young share

    threads.clear()
    cache.clear()
    monkeypatch.setattr(dashboard, "prefetch", lambda *_a, **_kw: False)
    computed_here = staff.get(f"/kommune/165/?{query}")
    assert threads == [threading.current_thread().name] * 2
    assert prefetched.status_code == computed_here.status_code == 200
    assert without_tokens(prefetched.content.decode()) == without_tokens(computed_here.content.decode())
    assert "Figur 8. Hvor bor de sigtede?" in prefetched.content.decode()

    threads.clear()
    assert staff.get(f"/kommune/165/?{query}").status_code == 200
    assert threads == []  # a cached page: nothing is started


@pytest.mark.django_db(transaction=True)
def test_a_prefetched_call_is_waited_for_and_raises_as_it_would_here(town):
    with memo():
        assert prefetch(figure_table, slug="charged-persons-residence", municipality=town, period="2016")
        with pytest.raises(FigureError, match="Ukendt gerningstype: nej"):
            prefetch(figure_table, slug="charged-persons-residence", municipality=town, period="2016",
                     categories=["nej"])
            figure_table(slug="charged-persons-residence", municipality=town, period="2016", categories=["nej"])
        table = figure_table(slug="charged-persons-residence", municipality=town, period="2016")
    # Albertslund: p1 (first charge O1: Vester) and p4 (Lund); p2 in Høje-Taastrup; p3 unknown. Once each (domain.md)
    assert list(table["home_district"]) == ["", "Vester", "Øster", "Lund", "", ""]
    assert list(table["persons"]) == [2, 1, 0, 1, 1, 1]
    assert table.equals(figure_table(slug="charged-persons-residence", municipality=town, period="2016"))


@pytest.mark.django_db
def test_nothing_is_prefetched_inside_a_transaction_or_outside_a_memo(town):
    """Another connection would not see the transaction's own writes."""
    calls = []

    @memoised
    def counted(**_kw):
        calls.append(threading.current_thread().name)
        return 1

    assert not prefetch(counted, n=1)  # no memo: nowhere to hand the result over
    with memo():
        assert transaction.get_connection().in_atomic_block  # the test's own transaction
        assert not prefetch(counted, n=1)
        assert counted(n=1) == 1
    assert calls == [threading.current_thread().name]


@pytest.mark.django_db(transaction=True)
def test_the_person_queries_start_before_anything_else_is_computed(staff, monkeypatch):
    events = []
    for name, label in (("prefetch", "prefetch"), ("figure_block", "figure"), ("key_figure_rows", "key figures"),
                        ("district_map", "map")):
        real = getattr(dashboard, name)
        monkeypatch.setattr(dashboard, name, lambda *a, _real=real, _label=label, **kw: events.append(_label)
                            or _real(*a, **kw))
    assert staff.get("/kommune/165/?period_from=2016&period_to=2016").status_code == 200
    assert events[:3] == ["prefetch", "prefetch", "figure"] and set(events[3:]) == {"figure", "key figures", "map"}


@pytest.mark.django_db(transaction=True)
def test_a_prefetch_that_cannot_reach_the_database_is_computed_here(town, caplog):
    """A database error in the thread (say, no connection to spare) must not fail the page: the call computes on
    the page's own connection instead."""
    from django.db import OperationalError

    @memoised
    def counted(**_kw):
        if threading.current_thread().name.startswith("prefetch"):
            raise OperationalError("too many clients already")
        return 1

    with memo():
        assert prefetch(counted, n=1)
        assert counted(n=1) == 1
    assert "computing it here" in caplog.text
