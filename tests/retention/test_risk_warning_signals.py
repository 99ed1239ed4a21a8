"""The early-warning list's rules, each with a worked example: who is listed, why, and in what
order. Today is Fri 20/11/2026; the default window (30 days) runs from 22/10 to 20/11."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from retention.models import ConductEvent, RiskCase, RiskFactor
from retention.selectors_warning import (
    at_risk_student_ids,
    early_warning,
    open_case_url,
    scan,
)
from students.models import Enrollment, Student

from .. import factories as f
from .risk_helpers import make_case, make_mentorship
from .test_risk_warning_helpers import (
    TODAY,
    K,
    P,
    absent,
    absent_days,
    conduct,
    days_before,
    family,
    group_member,
    listed,
    results,
    row_of,
    settings_of,
    weak,
)

pytestmark = pytest.mark.django_db


def leave(student, day, kind):
    """Close the student's open span on ``day`` (as the movement service would)."""
    Enrollment.objects.filter(student=student, end_date__isnull=True).update(
        end_date=day, end_kind=kind
    )


def warning(world, **kw):
    return early_warning(world.year_a, today=TODAY, **kw)


def codes(data, student) -> list[str]:
    return row_of(data, student).codes


# --- absences ---------------------------------------------------------------------------------


def test_four_days_absent_with_threshold_three_lists_the_student(world):
    ann = world.s9a1[0]
    absent_days(ann, world.c9a1, [days_before(1), days_before(2), days_before(5), days_before(8)])
    data = warning(world)
    assert listed(data) == [ann]
    assert codes(data, ann) == [RiskFactor.ABSENCES]
    with translation.override("en"):
        detail = warning(world).rows[0].signals[0].detail
    assert detail == "4 day(s) absent, 0 unexcused session(s) in 30 days"


def test_three_days_absent_is_not_more_than_three(world):
    absent_days(world.s9a1[0], world.c9a1, [days_before(1), days_before(2), days_before(5)])
    assert listed(warning(world)) == []


def test_two_sessions_of_one_day_count_as_one_day(world):
    ann = world.s9a1[0]
    for day in (days_before(1), days_before(2), days_before(3)):
        absent(ann, world.c9a1, day, P, "morning")
        absent(ann, world.c9a1, day, P, "afternoon")
    assert listed(warning(world)) == []  # 3 days, 6 sessions: not more than 3 days


def test_a_day_outside_the_window_does_not_count(world):
    ann = world.s9a1[0]
    absent_days(ann, world.c9a1, [days_before(1), days_before(2), days_before(3)])
    absent(ann, world.c9a1, days_before(30), P)  # 21/10: the day before the window
    assert listed(warning(world)) == []
    absent(ann, world.c9a1, days_before(29), P)  # 22/10: the window's first day
    assert listed(warning(world)) == [ann]


def test_a_day_after_today_does_not_count(world):
    ann = world.s9a1[0]
    absent_days(ann, world.c9a1, [days_before(1), days_before(2), days_before(3)])
    absent(ann, world.c9a1, TODAY + datetime.timedelta(days=1), P)
    assert listed(warning(world)) == []


def test_two_unexcused_sessions_list_a_student_absent_one_day(world):
    ann, anh = world.s9a1[0], world.s9a1[1]
    absent(ann, world.c9a1, days_before(2), K, "morning")
    absent(ann, world.c9a1, days_before(2), K, "afternoon")
    absent(anh, world.c9a1, days_before(2), K)
    absent(anh, world.c9a1, days_before(3), P)
    data = warning(world)
    assert listed(data) == [ann]  # Lê Văn Anh: one unexcused session only
    with translation.override("en"):
        assert warning(world).rows[0].signals[0].detail == (
            "1 day(s) absent, 2 unexcused session(s) in 30 days"
        )


def test_a_wider_absence_threshold_in_the_settings_changes_the_list(world):
    ann = world.s9a1[0]
    absent_days(ann, world.c9a1, [days_before(n) for n in (1, 2, 3, 4)], P)
    absent(ann, world.c9a1, days_before(40), K)
    assert listed(warning(world)) == [ann]
    settings_of(world.school_a, warning_absent_days=4)
    assert listed(warning(world)) == []
    settings_of(world.school_a, warning_absent_days=3, warning_window_days=45)
    data = warning(world)
    assert listed(data) == [ann]
    with translation.override("en"):
        assert "5 day(s) absent, 1 unexcused session(s) in 45 days" in [
            s.detail for s in warning(world).rows[0].signals
        ]
    assert data.since == datetime.date(2026, 10, 7)


def test_another_schools_settings_do_not_apply(world):
    ann = world.s9a1[0]
    absent_days(ann, world.c9a1, [days_before(n) for n in (1, 2, 3, 4)], P)
    settings_of(world.school_b, warning_absent_days=10)
    assert listed(warning(world)) == [ann]


# --- lateness and skipped periods ------------------------------------------------------------


def test_three_late_or_skipped_in_the_window_list_a_student(world):
    ann, anh = world.s9a1[0], world.s9a1[1]
    conduct(ann, days_before(1))
    conduct(ann, days_before(2), ConductEvent.Kind.SKIPPED)
    conduct(ann, days_before(20))
    conduct(anh, days_before(1))
    conduct(anh, days_before(2))
    conduct(anh, days_before(31))  # outside the window
    data = warning(world)
    assert listed(data) == [ann]
    assert codes(data, ann) == [RiskFactor.CONDUCT]
    with translation.override("en"):
        assert warning(world).rows[0].signals[0].detail == (
            "2 late arrival(s), 1 skipped period(s) in 30 days"
        )
    settings_of(world.school_a, warning_conduct_events=2)
    assert listed(warning(world)) == [world.s9a1[1], ann]  # Anh before Ánh


# --- weak results ------------------------------------------------------------------------------


def test_weak_in_two_subjects_lists_one_does_not(world):
    ann, anh = world.s9a1[0], world.s9a1[1]
    weak(ann, world.year_a, "TOAN", "NV")
    weak(anh, world.year_a, "TOAN")
    data = warning(world)
    assert listed(data) == [ann]
    with translation.override("en"):
        assert warning(world).rows[0].signals[0].detail == "Weak in 2 subject(s): Ngữ văn, Toán"


def test_weak_overall_lists_a_student_with_one_subject(world):
    anh = world.s9a1[1]
    weak(anh, world.year_a, "TOAN", overall=True)
    data = warning(world)
    assert listed(data) == [anh]
    with translation.override("en"):
        assert warning(world).rows[0].signals[0].detail == (
            "Weak overall; Weak in 1 subject(s): Toán"
        )


def test_dismissed_and_resolved_lines_do_not_count(world):
    ann = world.s9a1[0]
    weak(ann, world.year_a, "TOAN")
    weak(ann, world.year_a, "NV", status="dismissed")
    weak(ann, world.year_a, "NN1", resolved_term=1)
    weak(ann, world.year_a, overall=True, status="dismissed")
    assert listed(warning(world)) == []


def test_the_weak_subjects_threshold_is_a_setting(world):
    ann = world.s9a1[0]
    weak(ann, world.year_a, "TOAN", "NV", "NN1")
    settings_of(world.school_a, warning_weak_subjects=4)
    assert listed(warning(world)) == []
    settings_of(world.school_a, warning_weak_subjects=3)
    assert listed(warning(world)) == [ann]


# --- falling results --------------------------------------------------------------------------


def test_an_average_falling_by_1_4_with_threshold_1_0_lists_the_student(world):
    ann, anh = world.s9a1[0], world.s9a1[1]
    results(ann, world.c9a1, 1, [7.0, 6.6, 6.8, 6.8])  # mean 6,8
    results(ann, world.c9a1, 2, [5.0, 5.8, 5.4, 5.4])  # mean 5,4
    results(anh, world.c9a1, 1, [7.0, 6.6, 6.8, 6.8])
    results(anh, world.c9a1, 2, [6.0, 5.8, 6.0, 5.8])  # mean 5,9: fell by 0,9
    data = warning(world)
    assert listed(data) == [ann]
    assert codes(data, ann) == [RiskFactor.RESULT_DROP]
    with translation.override("en"):
        assert warning(world).rows[0].signals[0].detail == "Average fell by 1,4 (6,8 → 5,4)"
    settings_of(world.school_a, warning_result_drop=Decimal("1.5"))
    assert listed(warning(world)) == []
    settings_of(world.school_a, warning_result_drop=Decimal("0.9"))
    assert listed(warning(world)) == [world.s9a1[1], ann]


def test_last_years_second_semester_counts_as_the_semester_before(world):
    ann = world.s9a1[0]
    last_year = f.SchoolYearFactory(
        school=world.school_a,
        start_year=2025,
        start_date=datetime.date(2025, 9, 5),
        semester1_end=datetime.date(2026, 1, 16),
        semester2_start=datetime.date(2026, 1, 18),
        end_date=datetime.date(2026, 5, 29),
        enrollment_snapshot_date=datetime.date(2025, 9, 5),
        is_current=False,
    )
    c8 = f.ClassroomFactory(school_year=last_year, name="8A1", grade=8)
    results(ann, c8, 1, [5.0, 5.0, 5.0, 5.0], year=last_year)
    results(ann, c8, 2, [7.0, 7.0, 7.0, 7.0], year=last_year)  # the one before: 7,0
    results(ann, world.c9a1, 1, [6.0, 5.5, 6.0, 6.5])  # now: 6,0
    data = warning(world)
    assert listed(data) == [ann]
    with translation.override("en"):
        assert warning(world).rows[0].signals[0].detail == "Average fell by 1,0 (7,0 → 6,0)"


def test_a_semester_with_too_few_subjects_is_not_compared(world):
    ann = world.s9a1[0]
    results(ann, world.c9a1, 1, [7.0, 7.0, 7.0, 7.0])
    results(ann, world.c9a1, 2, [3.0, 3.0])  # two subjects typed so far
    assert listed(warning(world)) == []


def test_a_rising_average_is_no_signal(world):
    ann = world.s9a1[0]
    results(ann, world.c9a1, 1, [5.0, 5.0, 5.0])
    results(ann, world.c9a1, 2, [8.0, 8.0, 8.0])
    assert listed(warning(world)) == []


# --- family circumstances ---------------------------------------------------------------------


def test_one_family_circumstance_alone_never_lists_a_student(world):
    ann, anh, an = world.s9a1
    family(ann, ethnicity="Mông")
    family(anh, household=Student.Household.POOR)
    family(an, distance_km=Decimal("12.0"))
    family(world.s9a2[0], orphan=Student.Orphan.ONE_PARENT)
    family(world.s8a1[0], lives_away_from_parents=True)
    assert listed(warning(world)) == []


def test_two_family_circumstances_list_a_student(world):
    ann, anh, an = world.s9a1
    family(ann, ethnicity="Mông", household=Student.Household.NEAR_POOR)
    family(anh, distance_km=Decimal("5.0"), lives_away_from_parents=True)  # 5,0 km: far
    family(an, distance_km=Decimal("4.9"), orphan=Student.Orphan.BOTH_PARENTS)  # 4,9: not far
    data = warning(world)
    assert listed(data) == [anh, ann]
    assert codes(data, ann) == [RiskFactor.POOR, RiskFactor.MINORITY]
    assert codes(data, anh) == [RiskFactor.FAR, RiskFactor.AWAY_FROM_PARENTS]
    with translation.override("en"):
        details = [s.detail for s in row_of(warning(world), ann).signals]
    assert details == ["Near-poor household", "Ethnicity: Mông"]
    settings_of(world.school_a, warning_distance_km=Decimal("4.5"))
    assert listed(warning(world)) == [world.s9a1[1], ann, world.s9a1[2]]  # Anh, Ánh, Ân


def _more_students(world, n, **circumstances):
    c = f.ClassroomFactory(school_year=world.year_a, name="6A9", grade=6)
    for _ in range(n):
        s = f.StudentFactory(school=world.school_a, **circumstances)
        f.enroll(s, c)


def test_a_circumstance_most_of_the_school_shares_does_not_count(world):
    """School A with 20 students enrolled now, 11 of them Mông (more than half): being Mông is
    the school's normal there; 2 living far from school is not."""
    ann, anh, an = world.s9a1
    _more_students(world, 15, ethnicity="Mông")  # 5 + 15 = 20 students, 15 Mông so far
    family(ann, ethnicity="Mông", distance_km=Decimal("9.0"))
    family(anh, ethnicity="Mông", distance_km=Decimal("9.0"), household=Student.Household.POOR)
    data = warning(world)
    assert listed(data) == [anh]  # far and poor; Ánh has only "far" besides being Mông
    assert codes(data, anh) == [RiskFactor.POOR, RiskFactor.FAR, RiskFactor.MINORITY]
    assert data.common_share == Decimal("0.5")
    # The GVCN's class is judged against the whole school, the same way.
    assert listed(warning(world, classroom_ids={world.c9a1.pk})) == [anh]
    # Fewer than 20 students: no share says what is normal; Ánh is listed.
    Student.objects.filter(given_name__startswith="Hoa").first().enrollments.update(
        end_date=datetime.date(2026, 11, 2), end_kind=Enrollment.EndKind.TRANSFER_OUT
    )
    assert listed(warning(world)) == [anh, ann]


def test_a_school_signal_lists_a_student_whatever_is_common(world):
    _more_students(world, 15, ethnicity="Mông", lives_away_from_parents=True)
    for s in [*world.s9a1, *world.s9a2, *world.s8a1]:
        family(s, ethnicity="Mông", lives_away_from_parents=True)
    assert listed(warning(world)) == []
    weak(world.s9a2[0], world.year_a, overall=True)
    data = warning(world)
    assert listed(data) == [world.s9a2[0]]
    assert codes(data, world.s9a2[0]) == [
        RiskFactor.WEAK,
        RiskFactor.MINORITY,
        RiskFactor.AWAY_FROM_PARENTS,
    ]


def test_kinh_written_any_way_is_not_a_minority(world):
    ann = world.s9a1[0]
    family(ann, ethnicity="KINH", household=Student.Household.POOR)
    assert listed(warning(world)) == []


def test_a_school_signal_shows_the_family_circumstances_too(world):
    ann = world.s9a1[0]
    family(ann, ethnicity="Thái")
    weak(ann, world.year_a, overall=True)
    assert codes(warning(world), ann) == [RiskFactor.WEAK, RiskFactor.MINORITY]


# --- order, rows and scope -------------------------------------------------------------------


def test_students_with_more_school_signals_come_first_then_vietnamese_order(world):
    ann, anh, an = world.s9a1
    binh = world.s9a2[0]
    weak(an, world.year_a, overall=True)
    weak(anh, world.year_a, overall=True)
    weak(binh, world.year_a, overall=True)
    for n in (1, 2, 3):
        conduct(binh, days_before(n))
    family(ann, ethnicity="Mông", household=Student.Household.POOR)  # family only: last
    data = warning(world)
    assert listed(data) == [binh, anh, an, ann]  # Bình 2 signals; then Anh, Ân (1); Ánh (0)
    assert [len(r.school_signals) for r in data.rows] == [2, 1, 1, 0]
    assert len(row_of(data, ann).family_signals) == 2


def test_a_row_marks_the_active_case_or_none(world):
    ann, anh, an = world.s9a1
    for s in (ann, anh, an):
        weak(s, world.year_a, overall=True)
    case = make_case(ann, world.gvcn)
    make_case(anh, world.gvcn, status=RiskCase.Status.CLOSED)
    data = warning(world)
    assert row_of(data, ann).case.id == case.pk
    assert row_of(data, ann).case.status == "open"
    assert row_of(data, ann).open_case_url is None
    assert row_of(data, anh).case is None  # a closed case is no case
    assert row_of(data, an).case is None
    assert data.without_case == 2


def test_the_open_a_case_link_names_the_student_and_the_source():
    assert open_case_url(42, "/van-dong/mo/") == "/van-dong/mo/?student=42&source=warning"
    assert open_case_url(42, None) is None


def test_a_row_shows_the_mentor_and_the_tutoring_group(world):
    ann, anh = world.s9a1[0], world.s9a1[1]
    weak(ann, world.year_a, overall=True)
    weak(anh, world.year_a, overall=True)
    make_mentorship(world.teacher, ann)
    group_member(world, anh)
    data = warning(world)
    assert (row_of(data, ann).mentor, row_of(data, ann).in_group) == ("Đỗ Văn Toán", False)
    assert (row_of(data, anh).mentor, row_of(data, anh).in_group) == ("", True)


def test_a_class_list_shows_only_that_class(world):
    weak(world.s9a1[0], world.year_a, overall=True)
    weak(world.s9a2[0], world.year_a, overall=True)
    weak(world.s9b1[0], world.year_b, overall=True)
    assert listed(warning(world, classroom_ids={world.c9a1.pk})) == [world.s9a1[0]]
    assert listed(warning(world, classroom_ids=set())) == []
    assert set(listed(warning(world))) == {world.s9a1[0], world.s9a2[0]}  # never School B's


def test_only_students_enrolled_now_are_listed(world):
    ann, anh = world.s9a1[0], world.s9a1[1]
    weak(ann, world.year_a, overall=True)
    weak(anh, world.year_a, overall=True)
    leave(ann, datetime.date(2026, 11, 2), Enrollment.EndKind.TRANSFER_OUT)
    data = warning(world)
    assert listed(data) == [anh]
    assert data.student_count == 4  # 9A1: 2 left, 9A2: 1, 8A1: 1
    assert Enrollment.objects.filter(student=ann, end_date__isnull=True).count() == 0


def test_a_student_who_moved_class_is_listed_in_the_new_class(world):
    ann = world.s9a1[0]
    weak(ann, world.year_a, overall=True)
    leave(ann, datetime.date(2026, 11, 2), Enrollment.EndKind.CLASS_CHANGE)
    f.enroll(ann, world.c9a2, datetime.date(2026, 11, 2), Enrollment.StartKind.CLASS_CHANGE)
    assert row_of(warning(world), ann).classroom == world.c9a2
    assert listed(warning(world, classroom_ids={world.c9a1.pk})) == []


def test_at_risk_student_ids_are_the_listed_ones(world):
    weak(world.s9a1[0], world.year_a, overall=True)
    family(world.s8a1[0], ethnicity="Dao", lives_away_from_parents=True)
    family(world.s9a2[0], ethnicity="Dao")
    ids = at_risk_student_ids(world.year_a, today=TODAY)
    assert ids == {world.s9a1[0].pk, world.s8a1[0].pk}
    assert ids == warning(world).student_ids


def test_the_scan_costs_seven_queries_for_one_or_many_schools(world, django_assert_num_queries):
    # settings, enrollments, common circumstances, absences, conduct, weak lines, results.
    weak(world.s9a1[0], world.year_a, overall=True)
    with django_assert_num_queries(7):
        found = scan([world.year_a, world.year_b], today=TODAY)
    assert found.listed == {world.s9a1[0].pk}
    assert len(found.enrolled) == 6
