"""``progress_summary``: before and after values per member of a remedial group, progress rates
per group, tutor, subject, grade block and school, in a fixed number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schools.models import SchoolSettings
from tutoring.models import Checkpoint, GroupKind, Term
from tutoring.selectors_progress import CHECKPOINT, RESULT, progress_summary

from .test_weak_helpers import (
    HK1,
    HK2,
    SURVEY,
    YEAR,
    checkpoint,
    d,
    group,
    last_year,
    member,
    put_results,
    record,
    students,
)

pytestmark = pytest.mark.django_db
BEFORE, AFTER = Checkpoint.Kind.BEFORE, Checkpoint.Kind.AFTER


@pytest.fixture
def scene(world):
    return build_scene(world)


def build_scene(world):
    """Two remedial groups and an exam-review group (not counted).

    Toán 9 (from 01/10/2026; tutors: teacher and gvcn):
      a: survey 3,5 → HK1 5,5 (progressed);  b: survey 4,0 → HK1 4,5 (not yet);
      c: last year 3,0, no HK1 yet → checkpoints 3,0 (10/10) → 6,0 (20/12) (progressed).
    Ngữ văn 8 (from 01/02/2027; tutor: teacher):
      e: HK1 4,0 → HK2 5,0 (progressed; HK1 ended before the group began);
      f: left the group, nothing after.
    """
    a, b, c = world.s9a1
    e = world.s8a1[0]
    (f,) = students(world.c8a1, 1, world.school_a)
    old = last_year(world)
    old_class = world.c9a1.__class__.objects.create(school_year=old, name="8A9", grade=8)
    put_results(a, world.c9a1, SURVEY, {"TOAN": "3,5"})
    put_results(a, world.c9a1, HK1, {"TOAN": "5,5"})
    put_results(b, world.c9a1, SURVEY, {"TOAN": "4,0"})
    put_results(b, world.c9a1, HK1, {"TOAN": "4,5"})
    put_results(c, old_class, YEAR, {"TOAN": "3,0"})
    put_results(e, world.c8a1, HK1, {"NV": "4,0"})
    put_results(e, world.c8a1, HK2, {"NV": "5,0"})
    put_results(e, world.c8a1, YEAR, {"NV": "4,7"})
    toan = group(world, "TOAN", 9, tutors=[world.teacher, world.gvcn], name="Toán 9")
    nv = group(world, "NV", 8, tutors=[world.teacher], start=d(1, 2, 2027), name="Văn 8")
    review = group(world, "TOAN", 9, kind=GroupKind.EXAM_REVIEW, name="Ôn thi")
    for s in (a, b, c):
        member(toan, s, by=world.principal)
    member(nv, e, by=world.principal)
    member(nv, f, by=world.principal, left=d(15, 2, 2027))
    member(review, a, by=world.principal)
    checkpoint(toan, c, BEFORE, "3.0", d(10, 10, 2026), by=world.teacher)
    checkpoint(toan, c, AFTER, "6.0", d(20, 12, 2026), by=world.teacher)
    return {"toan": toan, "nv": nv, "review": review, "a": a, "b": b, "c": c, "e": e, "f": f}


def by_student(summary):
    return {m.student.pk: m for m in summary.members}


def test_before_and_after_values_per_member(world, scene):
    summary = progress_summary(world.school_a, world.year_a)
    m = by_student(summary)
    assert len(summary.members) == 5  # the exam-review group is not tutoring for weak students
    a, b, c, e, f = (m[scene[k].pk] for k in "abcef")
    assert (a.before, a.after, a.source, a.progressed) == (
        Decimal("3.5"),
        Decimal("5.5"),
        RESULT,
        True,
    )
    assert (a.before_label, a.after_label) == (str(Term.SURVEY.label), str(Term.HK1.label))
    assert (b.before, b.after, b.progressed) == (Decimal("4.0"), Decimal("4.5"), False)
    assert (c.before, c.after, c.source, c.progressed) == (
        Decimal("3.0"),
        Decimal("6.0"),
        CHECKPOINT,
        True,
    )
    assert (e.before, e.after, e.progressed) == (Decimal("4.0"), Decimal("5.0"), True)
    assert e.after_label == str(Term.HK2.label)  # not the year (4,7): the first term after
    assert (f.before, f.after, f.source, f.progressed) == (None, None, "", None)


def test_rates_per_group_tutor_subject_grade_and_school(world, scene):
    summary = progress_summary(world.school_a, world.year_a)
    groups = {r.label: r for r in summary.by_group}
    toan, nv = groups["Toán 9"], groups["Văn 8"]
    assert (toan.members, toan.measured, toan.progressed, toan.rate) == (3, 3, 2, Decimal("66.7"))
    assert (toan.with_checkpoint, toan.progressed_checkpoint) == (1, 1)
    assert (nv.members, nv.measured, nv.progressed, nv.rate, nv.rate_all) == (
        2,
        1,
        1,
        Decimal("100.0"),
        Decimal("50.0"),
    )
    tutors = {r.key: r for r in summary.by_tutor}
    teacher, gvcn = tutors[str(world.teacher.pk)], tutors[str(world.gvcn.pk)]
    assert (teacher.members, teacher.progressed, teacher.rate, teacher.rate_all) == (
        5,
        3,
        Decimal("75.0"),
        Decimal("60.0"),
    )
    assert (gvcn.members, gvcn.progressed) == (3, 2)
    assert [r.label for r in summary.by_subject] == ["Ngữ văn", "Toán"]
    assert [(r.key, r.members) for r in summary.by_grade] == [("8", 2), ("9", 3)]
    school = summary.school
    assert (school.members, school.measured, school.progressed) == (5, 4, 3)
    assert (school.rate, school.rate_all) == (Decimal("75.0"), Decimal("60.0"))


def test_the_margin_rule_is_the_schools(world, scene):
    settings = SchoolSettings.for_school(world.school_a)
    settings.progress_rule, settings.progress_margin = "margin", Decimal("0.5")
    settings.save()
    summary = progress_summary(world.school_a, world.year_a)
    assert by_student(summary)[scene["b"].pk].progressed is True  # 4,0 → 4,5
    assert summary.school.progressed == 4


def test_a_semester_one_window_ignores_later_results_and_tests(world, scene):
    Checkpoint.objects.filter(kind=AFTER).update(date=d(1, 3, 2027))
    summary = progress_summary(world.school_a, world.year_a, until=HK1)
    m = by_student(summary)
    assert m[scene["e"].pk].after is None  # HK2 is outside the window
    assert m[scene["c"].pk].source == ""  # the after test is in March
    assert summary.school.measured == 2


def test_a_group_filter_and_an_empty_school(world, scene):
    summary = progress_summary(world.school_a, world.year_a, group_ids={scene["nv"].pk})
    assert [r.label for r in summary.by_group] == ["Văn 8"]
    empty = progress_summary(world.school_b, world.year_b)
    assert (empty.members, empty.by_group, empty.school.rate) == ([], [], None)


def test_a_weak_record_value_is_the_before_when_no_earlier_result(world):
    s = world.s9a2[0]
    g = group(world, "NN1", 9, start=d(1, 10, 2026))
    # The survey's result row was removed; the register still holds what it showed.
    record(s, "NN1", term=SURVEY, score=Decimal("3.5"))
    member(g, s, by=world.principal)
    put_results(s, world.c9a2, HK1, {"NN1": "5,0"})
    m = progress_summary(world.school_a, world.year_a).members[0]
    assert (m.before, m.after, m.progressed) == (Decimal("3.5"), Decimal("5.0"), True)


def test_results_after_the_group_began_are_not_the_before(world):
    s = world.s9a2[0]
    g = group(world, "NN1", 9, start=d(1, 10, 2026))
    # The register updated its record to HK1's 4,0; the group began before HK1 ended.
    record(s, "NN1", term=HK1, score=Decimal("4.0"))
    put_results(s, world.c9a2, HK1, {"NN1": "4,0"})
    member(g, s, by=world.principal)
    m = progress_summary(world.school_a, world.year_a).members[0]
    assert (m.before, m.after) == (None, Decimal("4.0"))


def _queries(world, extra):
    for _ in range(extra):
        g = group(world, "KHTN", 9, tutors=[world.vp, world.teacher])
        for s in students(world.c9a2, 3, world.school_a):
            put_results(s, world.c9a2, SURVEY, {"KHTN": "3,0"})
            put_results(s, world.c9a2, HK1, {"KHTN": "6,0"})
            member(g, s, by=world.principal)
            checkpoint(g, s, BEFORE, "3.0", d(10, 10, 2026), by=world.vp)
    with CaptureQueriesContext(connection) as ctx:
        summary = progress_summary(world.school_a, world.year_a)
    return len(ctx), summary


def test_the_same_queries_for_few_or_many_groups(world, scene):
    SchoolSettings.for_school(world.school_a)
    few, _ = _queries(world, 0)
    many, summary = _queries(world, 6)
    assert few == many <= 6
    assert summary.school.members == 5 + 18
