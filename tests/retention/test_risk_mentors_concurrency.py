"""Two leaders assigning the last free mentee slot of the same teacher at the same moment (two
threads, two database connections). PostgreSQL only: SQLite serialises writers, so there is no
race to test there (the database-level test in test_risk_mentors_services runs on both)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from retention.models import Mentorship
from retention.services_mentors import mentorship_assign

from .risk_helpers import make_mentorship

TODAY = datetime.date(2026, 11, 18)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers"),
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


@pytest.mark.parametrize("rounds", range(3))
def test_two_assignments_at_once_never_give_a_teacher_three_mentees(
    world, monkeypatch, transactional_db, rounds
):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    make_mentorship(world.teacher, world.s8a1[0], slot=1)

    def assign(user, student):
        return lambda: mentorship_assign(
            teacher=world.teacher,
            student=student,
            user=user,
            start_date=datetime.date(2026, 10, 1),
            reason=Mentorship.Reason.AT_RISK,
        )

    results, errors = _race(assign(world.principal, world.s9a1[0]), assign(world.vp, world.s9a1[1]))
    succeeded = [r for r in results if r is not None]
    refused = [e for e in errors if e is not None]
    assert len(succeeded) == 1 and len(refused) == 1
    assert isinstance(refused[0], ValidationError)
    assert "teacher" in refused[0].message_dict
    active = Mentorship.objects.active().filter(teacher=world.teacher)
    assert active.count() == 2
    assert sorted(active.values_list("slot", flat=True)) == [1, 2]
