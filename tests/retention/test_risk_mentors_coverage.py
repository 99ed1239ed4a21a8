"""A mentor covers their mentee in every subject (không bỏ quên học sinh nào): the weak
register's "not yet supported" list, its filter and counts leave a mentored student out."""

import datetime

import pytest
from django.urls import reverse

from tutoring import selectors_weak as sel

from ..conftest import login
from ..tutoring.test_weak_helpers import record, subject
from .risk_helpers import make_mentorship

pytestmark = pytest.mark.django_db


def test_an_active_mentorship_of_the_year_covers_the_student_in_every_subject(world):
    a, b, c = world.s9a1
    make_mentorship(world.teacher, a)
    ended = make_mentorship(world.gvcn, b)
    ended.end_date = datetime.date(2026, 11, 1)
    ended.save()
    assert sel.covered_pairs(world.year_a, [a.pk, b.pk, c.pk]) == {(a.pk, None)}
    pairs = {(a.pk, None), (b.pk, subject("NV").pk)}
    toan = subject("TOAN").pk
    assert sel.is_covered(a.pk, toan, pairs) and sel.is_covered(a.pk, None, pairs)
    assert not sel.is_covered(b.pk, toan, pairs) and sel.is_covered(b.pk, None, pairs)
    assert not sel.is_covered(c.pk, None, pairs)


def test_a_mentorship_of_another_year_does_not_cover(world):
    from .. import factories as f

    old = f.SchoolYearFactory(
        school=world.school_a,
        start_year=2025,
        start_date=datetime.date(2025, 9, 5),
        semester1_end=datetime.date(2026, 1, 16),
        semester2_start=datetime.date(2026, 1, 18),
        end_date=datetime.date(2026, 5, 29),
        enrollment_snapshot_date=datetime.date(2025, 9, 5),
        is_current=False,
    )
    make_mentorship(world.teacher, world.s9a1[0], year=old, start_date=old.start_date)
    assert sel.covered_pairs(world.year_a, [world.s9a1[0].pk]) == set()


def test_a_mentored_weak_student_leaves_the_not_yet_supported_list(client, world):
    toan = record(world.s9a1[0], "TOAN")
    overall = record(world.s9a1[0], None)
    other = record(world.s9a2[0], "NV")
    login(client, world.principal)

    def uncovered_records():
        data = client.get(reverse("weak_uncovered")).context["data"]
        return {i.item.record.pk for c in data.classes for s in c.students for i in s.items}

    assert uncovered_records() == {toan.pk, overall.pk, other.pk}
    make_mentorship(world.teacher, world.s9a1[0])
    assert uncovered_records() == {other.pk}
    response = client.get(reverse("weak_list"), {"uncovered": "on"})
    assert response.context["data"].uncovered_count == 1
    # the home panel's "not yet supported" count follows.
    summary = sel.home_summary(world.principal)
    assert summary.uncovered_students == 1
