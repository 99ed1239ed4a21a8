"""Two visits of one case saved at the same moment (two threads, two database connections):
they get numbers 1 and 2, and the same form sent twice at once is still one visit. PostgreSQL
only: SQLite serialises writers, so there is no race to test there."""

import threading
import uuid

import pytest
from django.db import connection, connections

from retention.models import HomeVisit
from retention.services_visits import visit_record

from .test_risk_visits_helpers import open_case, service_data

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks"),
]


def _race(*jobs):
    """Run the jobs in threads released together; return (results, exceptions)."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)
    errors = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=10)
            results[i] = job()
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results, errors


def _record(case, user, key):
    return lambda: visit_record(case=case, user=user, client_id=key, data=service_data())


@pytest.mark.parametrize("rounds", range(3))
def test_two_visits_at_once_are_numbered_one_and_two(world, rounds):
    case = open_case(world)
    _results, errors = _race(
        _record(case, world.gvcn, uuid.uuid4()), _record(case, world.principal, uuid.uuid4())
    )
    assert errors == [None, None]
    assert sorted(case.visits.values_list("number", flat=True)) == [1, 2]


@pytest.mark.parametrize("rounds", range(3))
def test_the_same_form_sent_twice_at_once_is_one_visit(world, rounds):
    case = open_case(world)
    key = uuid.uuid4()
    results, errors = _race(_record(case, world.gvcn, key), _record(case, world.gvcn, key))
    assert errors == [None, None]
    assert HomeVisit.objects.filter(case=case).count() == 1
    assert {visit.pk for visit, _created in results} == {case.visits.get().pk}
    assert sorted(created for _visit, created in results) == [False, True]
