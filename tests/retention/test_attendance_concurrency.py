"""Two people really saving the same class-day at the same moment (two threads, two database
connections). PostgreSQL only: SQLite serialises writers, so there is no race to test there."""

import datetime
import threading

import pytest
from django.db import connection, connections

from retention.models import Absence, RollCall
from retention.services_attendance import roll_call_save

TODAY = datetime.date(2026, 11, 18)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks"),
]


def _race(*jobs):
    """Run the jobs in threads released together; return their exceptions (None when fine)."""
    barrier = threading.Barrier(len(jobs))
    errors = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=10)
            job()
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors


@pytest.mark.parametrize("rounds", range(3))
def test_two_first_saves_at_once_keep_both_marks(world, monkeypatch, rounds):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    monkeypatch.setattr("retention.services_alerts.alerts_refresh", lambda **kw: 0)
    anh, lan, _ = world.s9a1

    def save(user, marks):
        return lambda: roll_call_save(
            classroom=world.c9a1,
            date=TODAY,
            session="morning",
            marks=marks,
            user=user,
            base_version=None,
            base_marks={},
        )

    errors = _race(
        save(world.gvcn, {anh.pk: ("P", "ốm"), lan.pk: "present"}),
        save(world.vp, {anh.pk: "present", lan.pk: ("K", "")}),
    )
    assert errors == [None, None]
    roll = RollCall.objects.get()
    assert roll.version == 2
    assert {(a.student_id, a.status) for a in Absence.objects.all()} == {
        (anh.pk, "P"),
        (lan.pk, "K"),
    }
