"""The register follows the results (contract 2): ``sync_from_results`` proposes, updates and
resolves records, never touches what people decided, and costs the same queries for 2 students
or 20."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from schools.models import SchoolSettings
from tutoring.models import WeakRecord
from tutoring.services_weak import sync_from_results

from .test_weak_helpers import (
    HK1,
    HK2,
    SURVEY,
    YEAR,
    last_year,
    put_results,
    record,
    students,
    subject,
    term_result,
)

pytestmark = pytest.mark.django_db
Origin, Status = WeakRecord.Origin, WeakRecord.Status


def only(student, code=None):
    qs = WeakRecord.objects.filter(student=student)
    qs = qs.filter(subject__code=code) if code else qs.filter(subject__isnull=True)
    return qs.get()


def test_a_score_below_the_line_proposes_a_subject_record(world):
    s = world.s9a1[0]
    put_results(s, world.c9a1, HK1, {"TOAN": "4,5", "NV": "6,0", "GDTC": "D"})
    sync_from_results(world.year_a, [s.pk], user=world.clerk)
    r = only(s, "TOAN")
    assert (r.origin, r.status, r.term) == (Origin.RESULTS, Status.PROPOSED, HK1)
    assert (r.score, r.gap, r.comment) == (Decimal("4.5"), Decimal("0.5"), "")
    assert r.identified_on == timezone.localdate()
    assert r.identified_by == world.clerk
    assert r.school == world.school_a
    assert r.weak_subject_count == 1
    assert WeakRecord.objects.count() == 1  # NV 6,0 and GDTC Đạt are not weak
    assert r.history.get().history_user == world.clerk


def test_a_comment_chua_dat_is_weak_with_no_gap(world):
    s = world.s9a1[0]
    put_results(s, world.c9a1, HK1, {"GDTC": "CD", "TOAN": "3,0"})
    sync_from_results(world.year_a, [s.pk])
    r = only(s, "GDTC")
    assert (r.comment, r.score, r.gap) == ("CD", None, None)
    assert r.weak_subject_count == 2
    assert only(s, "TOAN").gap == Decimal("2.0")


def test_the_survey_proposes_with_its_own_origin(world):
    s = world.s9a1[0]
    put_results(s, world.c9a1, SURVEY, {"NN1": "3,5"})
    sync_from_results(world.year_a, [s.pk])
    r = only(s, "NN1")
    assert (r.origin, r.term, r.score) == (Origin.SURVEY, SURVEY, Decimal("3.5"))


def test_exactly_the_threshold_is_not_weak_and_the_threshold_is_a_setting(world):
    a, b = world.s9a1[0], world.s9a1[1]
    put_results(a, world.c9a1, HK1, {"TOAN": "5,0"})
    put_results(b, world.c9a1, HK1, {"TOAN": "5,5"})
    sync_from_results(world.year_a, [a.pk, b.pk])
    assert not WeakRecord.objects.exists()
    settings = SchoolSettings.for_school(world.school_a)
    settings.weak_threshold = Decimal("6.0")
    settings.save()
    sync_from_results(world.year_a, [a.pk, b.pk])
    assert only(a, "TOAN").gap == Decimal("1.0")
    assert only(b, "TOAN").gap == Decimal("0.5")


def test_a_later_result_above_the_line_resolves_and_weak_again_reopens(world):
    s = world.s9a1[0]
    put_results(s, world.c9a1, HK1, {"TOAN": "4,0"})
    sync_from_results(world.year_a, [s.pk])
    put_results(s, world.c9a1, HK2, {"TOAN": "6,5"})
    sync_from_results(world.year_a, [s.pk])
    r = only(s, "TOAN")
    # The record keeps the result that showed the weakness, and says when it ended.
    assert (r.term, r.score, r.resolved_term) == (HK1, Decimal("4.0"), HK2)
    put_results(s, world.c9a1, YEAR, {"TOAN": "4,9"}, source="computed")
    sync_from_results(world.year_a, [s.pk])
    r.refresh_from_db()
    assert (r.term, r.score, r.gap, r.resolved_term) == (YEAR, Decimal("4.9"), Decimal("0.1"), None)
    assert WeakRecord.objects.count() == 1


def test_last_years_whole_year_result_proposes_until_this_year_says_otherwise(world):
    before = last_year(world)
    s = world.s9a1[0]
    old_class = world.c9a1.__class__.objects.create(school_year=before, name="8A1", grade=8)
    put_results(s, old_class, YEAR, {"TOAN": "3,8"})
    sync_from_results(world.year_a, [s.pk])
    r = only(s, "TOAN")
    assert (r.school_year, r.term, r.score, r.resolved_term) == (
        world.year_a,
        YEAR,
        Decimal("3.8"),
        None,
    )
    put_results(s, world.c9a1, HK1, {"TOAN": "5,5"})
    sync_from_results(world.year_a, [s.pk])
    r.refresh_from_db()
    assert (r.term, r.score, r.resolved_term) == (YEAR, Decimal("3.8"), HK1)


def test_another_schools_year_is_not_last_year(world):
    s = world.s9a1[0]
    # School B's year has start_year 2026 like School A's: never read as School A's history.
    put_results(s, world.c9b1, YEAR, {"TOAN": "2,0"})
    sync_from_results(world.year_a, [s.pk])
    assert not WeakRecord.objects.exists()


def test_the_overall_record_follows_the_learning_result(world):
    s = world.s9a1[0]
    put_results(s, world.c9a1, HK1, {"TOAN": "3,0", "NV": "4,0", "NN1": "4,5", "GDTC": "CD"})
    term_result(s, world.c9a1, HK1, weak=True)
    sync_from_results(world.year_a, [s.pk])
    overall = only(s)
    assert (overall.term, overall.score, overall.gap) == (HK1, None, None)
    assert overall.weak_subject_count == 4
    term_result(s, world.c9a1, HK2, weak=False)
    sync_from_results(world.year_a, [s.pk])
    overall.refresh_from_db()
    assert overall.resolved_term == HK2


def test_people_decisions_are_never_overwritten(world):
    s = world.s9a1[0]
    put_results(s, world.c9a1, HK1, {"TOAN": "4,0", "NV": "3,0"})
    sync_from_results(world.year_a, [s.pk])
    confirmed = only(s, "TOAN")
    confirmed.causes, confirmed.cause_note, confirmed.evidence = (
        "foundation",
        "Hổng lớp 7",
        "KS 3,5",
    )
    confirmed.status, confirmed.confirmed_by = Status.CONFIRMED, world.gvcn
    confirmed.save()
    dismissed = only(s, "NV")
    dismissed.status = Status.DISMISSED
    dismissed.save()
    put_results(s, world.c9a1, HK2, {"TOAN": "3,5", "NV": "2,5"})
    sync_from_results(world.year_a, [s.pk])
    confirmed.refresh_from_db()
    dismissed.refresh_from_db()
    assert (confirmed.term, confirmed.score) == (HK2, Decimal("3.5"))
    assert (confirmed.causes, confirmed.cause_note, confirmed.evidence) == (
        "foundation",
        "Hổng lớp 7",
        "KS 3,5",
    )
    assert (confirmed.status, confirmed.confirmed_by) == (Status.CONFIRMED, world.gvcn)
    assert (dismissed.status, dismissed.score) == (Status.DISMISSED, Decimal("2.5"))


def test_running_twice_changes_nothing_and_writes_no_history(world):
    s = world.s9a1[0]
    put_results(s, world.c9a1, HK1, {"TOAN": "4,0", "GDTC": "CD"})
    term_result(s, world.c9a1, HK1, weak=True)
    sync_from_results(world.year_a, [s.pk])
    rows = WeakRecord.history.count()
    stamps = list(WeakRecord.objects.order_by("pk").values_list("updated_at", flat=True))
    sync_from_results(world.year_a, [s.pk])
    assert WeakRecord.history.count() == rows
    assert list(WeakRecord.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_a_corrected_result_removes_an_untouched_proposal_but_keeps_a_worked_one(world):
    a, b = world.s9a1[0], world.s9a1[1]
    put_results(a, world.c9a1, HK1, {"TOAN": "4,0"})
    put_results(b, world.c9a1, HK1, {"TOAN": "4,0"})
    sync_from_results(world.year_a, [a.pk, b.pk])
    worked = only(b, "TOAN")
    worked.causes = "motivation"
    worked.save()
    put_results(a, world.c9a1, HK1, {"TOAN": "7,0"})  # a typing mistake, corrected
    put_results(b, world.c9a1, HK1, {"TOAN": "7,0"})
    sync_from_results(world.year_a, [a.pk, b.pk])
    assert not WeakRecord.objects.filter(student=a).exists()
    assert WeakRecord.history.filter(student_id=a.pk, history_type="-").count() == 1
    worked.refresh_from_db()
    assert worked.resolved_term == HK1


def test_a_referral_is_never_deleted_and_only_later_results_resolve_it(world):
    s = world.s9a1[0]
    put_results(s, world.c9a1, HK1, {"TOAN": "6,0"})
    referral = record(
        s, "TOAN", origin=Origin.REFERRAL, term=None, identified_on=world.year_a.semester2_start
    )
    sync_from_results(world.year_a, [s.pk])
    referral.refresh_from_db()
    assert referral.resolved_term is None  # HK1 was known before the teacher referred
    put_results(s, world.c9a1, HK2, {"TOAN": "6,5"})
    sync_from_results(world.year_a, [s.pk])
    referral.refresh_from_db()
    assert (referral.origin, referral.resolved_term) == (Origin.REFERRAL, HK2)


def test_a_referral_gets_its_degree_from_the_results(world):
    s = world.s9a1[0]
    referral = record(s, "TOAN", origin=Origin.REFERRAL, term=None)
    put_results(s, world.c9a1, HK1, {"TOAN": "3,2"})
    sync_from_results(world.year_a, [s.pk])
    referral.refresh_from_db()
    assert (referral.origin, referral.term, referral.score, referral.gap) == (
        Origin.REFERRAL,
        HK1,
        Decimal("3.2"),
        Decimal("1.8"),
    )
    assert WeakRecord.objects.count() == 1


def test_no_students_no_queries(world, django_assert_num_queries):
    with django_assert_num_queries(0):
        sync_from_results(world.year_a, [])


def _sync_queries(world, pupils, code_scores):
    for p in pupils:
        put_results(p, world.c8a1, HK1, code_scores)
        term_result(p, world.c8a1, HK1, weak=True)
    with CaptureQueriesContext(connection) as ctx:
        sync_from_results(world.year_a, [p.pk for p in pupils])
    return len(ctx)


def test_the_same_queries_for_two_students_or_twenty(world):
    SchoolSettings.for_school(world.school_a)
    scores = {"TOAN": "4,0", "NV": "4,5", "GDTC": "CD", "NN1": "8,0"}
    few = _sync_queries(world, students(world.c8a1, 2, world.school_a), scores)
    many = _sync_queries(world, students(world.c8a1, 20, world.school_a), scores)
    assert WeakRecord.objects.count() == 22 * 4  # 3 subjects + overall each
    # settings, subject results, term results, records, bulk create and its history:
    # plus SQLite's savepoints. Updating instead of creating costs the same.
    assert few == many <= 8
    for p in WeakRecord.objects.filter(subject__code="TOAN").values_list("student_id", flat=True):
        put_results(world.s8a1[0].__class__.objects.get(pk=p), world.c8a1, HK2, {"TOAN": "3,0"})
    everyone = list(WeakRecord.objects.values_list("student_id", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        sync_from_results(world.year_a, everyone)
    assert len(ctx) <= 8
    assert set(
        WeakRecord.objects.filter(subject=subject("TOAN")).values_list("term", flat=True)
    ) == {HK2}
