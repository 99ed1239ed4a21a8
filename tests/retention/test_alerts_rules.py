"""The alert rules (alerts_refresh) on worked dates. See test_alerts_helpers for the calendar.

Defaults of SchoolSettings: alert when absent more than 3 school days (in a row, or within the
last 10 school days), at 2 unexcused sessions in that window, warn at 30 and 40 sessions,
limit 45; the official session is the morning.
"""

import pytest

from retention.models import AbsenceAlert, FamilyContact
from retention.services_alerts import alerts_refresh, family_contact_record, format_span
from schools.models import SchoolSettings

from .. import factories as f
from .test_alerts_helpers import K, P, d, holiday, roll, rolls

Kind = AbsenceAlert.Kind

pytestmark = pytest.mark.django_db


def refresh(world, day, classrooms=None):
    return alerts_refresh(classrooms=classrooms or [world.c9a1], today=day)


def kinds(student):
    return sorted(
        (a.kind, a.level, a.is_open) for a in AbsenceAlert.objects.filter(student=student)
    )


def the_alert(student, kind=Kind.CONSECUTIVE, level=0):
    return AbsenceAlert.objects.get(student=student, kind=kind, level=level)


def acknowledge(world, student, day):
    return family_contact_record(
        student=student,
        date=day,
        method=FamilyContact.Method.PHONE,
        contact_person="Nguyễn Văn Bố (Bố)",
        content="Gia đình cho biết em bị ốm.",
        recorded_by=world.gvcn,
    )


# --- consecutive ------------------------------------------------------------------------------


def test_a_sunday_and_a_holiday_inside_a_run_do_not_break_consecutive_school_days(world):
    # Absent Fri 13, Sat 14, (Sun 15), (holiday Mon 16), Tue 17, Wed 18: 4 school days in a row.
    ana = world.s9a1[0]
    holiday(world.year_a, d(16))
    absent = {
        day: [(ana, K if day in (d(17), d(18)) else P)] for day in (d(13), d(14), d(17), d(18))
    }
    rolls(world.c9a1, [d(9), d(10), d(11), d(12), d(13), d(14), d(17), d(18)], absent_on=absent)

    assert refresh(world, d(18)) == 1

    alert = the_alert(ana)
    assert (alert.first_day, alert.last_day, alert.opened_on) == (d(13), d(18), d(18))
    assert alert.reason == "Nghỉ 4 ngày liên tiếp (13/11 – 18/11/2026), 2 buổi không phép"
    assert alert.classroom == world.c9a1 and alert.school_year == world.year_a
    # The window and unexcused rules do not repeat what the run's alert already says.
    assert kinds(ana) == [(Kind.CONSECUTIVE, 0, True)]


def test_three_days_in_a_row_are_not_more_than_three(world):
    ana = world.s9a1[0]
    absent = {day: [(ana, P)] for day in (d(16), d(17), d(18))}
    rolls(world.c9a1, [d(13), d(14), d(16), d(17), d(18)], absent_on=absent)
    assert refresh(world, d(18)) == 0
    assert kinds(ana) == []


def test_a_day_present_breaks_the_run(world):
    ana = world.s9a1[0]
    absent = {day: [(ana, P)] for day in (d(12), d(13), d(16), d(17), d(18))}
    # Present on Sat 14: runs of 2 and 3 (the window rule sees 5 of the last 10 days).
    rolls(world.c9a1, [d(12), d(13), d(14), d(16), d(17), d(18)], absent_on=absent)
    refresh(world, d(18))
    assert kinds(ana) == [(Kind.WINDOW, 0, True)]
    assert the_alert(ana, Kind.WINDOW).reason == (
        "Nghỉ 5 ngày trong 10 ngày học gần nhất (12/11 – 18/11/2026)"
    )


def test_a_day_without_a_roll_call_is_not_an_absence_and_ends_the_run(world):
    ana = world.s9a1[0]
    # Nobody took the roll on Mon 16: absent Thu 12 – Sat 14 and Tue 17 – Wed 18.
    absent = {day: [(ana, P)] for day in (d(12), d(13), d(14), d(17), d(18))}
    rolls(world.c9a1, [d(12), d(13), d(14), d(17), d(18)], absent_on=absent)
    refresh(world, d(18))
    assert kinds(ana) == [(Kind.WINDOW, 0, True)]


def test_the_run_ends_at_the_latest_recorded_day(world):
    # Today (Thu 19) the roll is not taken yet: the run Fri 13 – Wed 18 still counts.
    ana = world.s9a1[0]
    absent = {day: [(ana, P)] for day in (d(13), d(14), d(16), d(17), d(18))}
    rolls(world.c9a1, [d(12), d(13), d(14), d(16), d(17), d(18)], absent_on=absent)
    assert refresh(world, d(19)) == 1
    assert the_alert(ana).last_day == d(18)
    assert the_alert(ana).reason == "Nghỉ 5 ngày liên tiếp (13/11 – 18/11/2026)"


def test_an_afternoon_absence_is_not_a_day_absent_on_a_morning_plan(world):
    s = SchoolSettings.for_school(world.school_a)
    s.sessions = SchoolSettings.Sessions.BOTH
    s.save()
    ana = world.s9a1[0]
    for day in (d(13), d(14), d(16), d(17)):
        roll(world.c9a1, day)
        roll(world.c9a1, day, session="afternoon", absent=[(ana, P)])
    refresh(world, d(17))
    assert kinds(ana) == []


# --- window and unexcused ---------------------------------------------------------------------


def test_scattered_absences_within_the_last_ten_school_days(world):
    ana, anh = world.s9a1[0], world.s9a1[1]
    days = world.year_a.school_days(d(2), d(18))  # Mon 2 – Wed 18 (no Sundays)
    absent = {
        d(3): [(anh, P)],  # outside the last 10 school days of Wed 18 (Sat 7 – Wed 18)
        d(7): [(anh, P)],
        d(9): [(ana, P)],
        d(11): [(ana, P), (anh, P)],
        d(13): [(ana, P)],
        d(17): [(ana, P), (anh, P)],
    }
    rolls(world.c9a1, days, absent_on=absent)
    assert refresh(world, d(18)) == 1
    alert = the_alert(ana, Kind.WINDOW)
    assert (alert.first_day, alert.last_day) == (d(9), d(17))
    assert alert.reason == "Nghỉ 4 ngày trong 10 ngày học gần nhất (09/11 – 17/11/2026)"
    # Anh: Sat 7, Wed 11, Tue 17 in the window (Tue 3 is older): 3 is not more than 3.
    assert kinds(anh) == []


def test_two_unexcused_sessions_in_the_window_in_any_session(world):
    s = SchoolSettings.for_school(world.school_a)
    s.sessions = SchoolSettings.Sessions.BOTH
    s.save()
    ana, anh = world.s9a1[0], world.s9a1[1]
    roll(world.c9a1, d(16), absent=[(ana, K), (anh, K)])
    roll(world.c9a1, d(17))
    roll(world.c9a1, d(18), session="afternoon", absent=[(ana, K)])
    assert refresh(world, d(18)) == 1
    alert = the_alert(ana, Kind.UNEXCUSED)
    assert alert.reason == "2 buổi nghỉ không phép trong 10 ngày học gần nhất (16/11 – 18/11/2026)"
    assert kinds(anh) == []  # one unexcused session only


def test_the_thresholds_are_the_schools_settings(world):
    s = SchoolSettings.for_school(world.school_a)
    s.alert_absent_days = 1
    s.alert_unexcused_sessions = 3
    s.save()
    ana = world.s9a1[0]
    rolls(world.c9a1, [d(16), d(17)], absent_on={d(16): [(ana, K)], d(17): [(ana, K)]})
    refresh(world, d(17))
    assert kinds(ana) == [(Kind.CONSECUTIVE, 0, True)]


# --- the yearly limit (TT22 Điều 12) ----------------------------------------------------------


def absent_every_school_day(world, student, n, *, from_day=None):
    days = world.year_a.school_days(from_day or d(7, 9), d(29, 5, 2027))[:n]
    rolls(world.c9a1, days, absent_on={day: [(student, P)] for day in days})
    return days


def test_warnings_at_30_and_40_then_over_45(world):
    ana = world.s9a1[0]
    days = absent_every_school_day(world, ana, 30)
    refresh(world, days[-1])
    warning = the_alert(ana, Kind.SESSIONS_WARNING, 30)
    assert warning.reason == "Đã nghỉ 30 buổi trong năm học (giới hạn 45 buổi)"
    assert warning.first_day == days[29]

    more = absent_every_school_day(world, ana, 16, from_day=days[-1] + d(2).resolution)
    refresh(world, more[9])  # 40 sessions
    assert the_alert(ana, Kind.SESSIONS_WARNING, 40).first_day == more[9]
    refresh(world, more[-1])  # 46 sessions
    over = the_alert(ana, Kind.SESSIONS_OVER, 45)
    assert over.first_day == more[-1]
    assert "46 buổi" in over.reason and "không đủ điều kiện lên lớp" in over.reason
    sessions = [k for k in kinds(ana) if k[0] != Kind.CONSECUTIVE]
    assert sessions == [
        (Kind.SESSIONS_OVER, 45, True),
        (Kind.SESSIONS_WARNING, 30, True),
        (Kind.SESSIONS_WARNING, 40, True),
    ]
    # The 30 warning follows the count while open.
    assert the_alert(ana, Kind.SESSIONS_WARNING, 30).reason.startswith("Đã nghỉ 46 buổi")


def test_first_seen_above_several_levels_only_the_highest_is_raised(world):
    ana = world.s9a1[0]
    days = absent_every_school_day(world, ana, 41)
    refresh(world, days[-1])
    assert [k for k in kinds(ana) if k[0] != Kind.CONSECUTIVE] == [
        (Kind.SESSIONS_WARNING, 40, True)
    ]


def test_a_level_is_raised_once_a_year_even_after_it_was_answered(world):
    ana = world.s9a1[0]
    days = absent_every_school_day(world, ana, 31)
    refresh(world, days[-1])
    acknowledge(world, ana, days[-1])
    refresh(world, days[-1])
    assert not AbsenceAlert.objects.filter(student=ana, acknowledged_at__isnull=True).exists()


# --- episodes, idempotence, corrections -------------------------------------------------------


def test_refreshing_twice_changes_nothing(world):
    ana = world.s9a1[0]
    absent = {day: [(ana, K)] for day in (d(13), d(14), d(16), d(17))}
    rolls(world.c9a1, [d(12), d(13), d(14), d(16), d(17)], absent_on=absent)
    assert refresh(world, d(17)) == 1
    history = AbsenceAlert.history.count()
    assert refresh(world, d(17)) == 0
    assert AbsenceAlert.objects.count() == 1
    assert AbsenceAlert.history.count() == history  # not even a rewrite


def test_the_open_alert_follows_the_episode(world):
    ana = world.s9a1[0]
    absent = {day: [(ana, P)] for day in (d(12), d(13), d(14), d(16))}
    rolls(world.c9a1, [d(11), d(12), d(13), d(14), d(16)], absent_on=absent)
    refresh(world, d(16))
    roll(world.c9a1, d(17), absent=[(ana, K)])
    assert refresh(world, d(17)) == 0
    alert = the_alert(ana)
    assert (alert.first_day, alert.last_day, alert.opened_on) == (d(12), d(17), d(16))
    assert alert.reason == "Nghỉ 5 ngày liên tiếp (12/11 – 17/11/2026), 1 buổi không phép"


def test_an_answered_episode_is_not_reopened_but_a_new_one_is(world):
    ana = world.s9a1[0]
    absent = {day: [(ana, P)] for day in (d(11), d(12), d(13), d(14))}
    rolls(world.c9a1, [d(10), d(11), d(12), d(13), d(14)], absent_on=absent)
    refresh(world, d(14))
    acknowledge(world, ana, d(14))
    # Still absent Mon 16, Tue 17: the same episode (the run began before the answered day).
    rolls(world.c9a1, [d(16), d(17)], absent_on={d(16): [(ana, P)], d(17): [(ana, P)]})
    assert refresh(world, d(17)) == 0
    assert kinds(ana) == [(Kind.CONSECUTIVE, 0, False)]
    # Back on Wed 18, absent again Thu 19 – Mon 23: a new episode.
    roll(world.c9a1, d(18))
    later = [d(19), d(20), d(21), d(23)]
    rolls(world.c9a1, later, absent_on={day: [(ana, K)] for day in later})
    assert refresh(world, d(23)) == 1
    new = AbsenceAlert.objects.get(student=ana, acknowledged_at__isnull=True)
    assert (new.kind, new.first_day, new.last_day) == (Kind.CONSECUTIVE, d(19), d(23))
    # The window rule does not count the answered days nor the new run's.
    assert AbsenceAlert.objects.filter(student=ana, kind=Kind.WINDOW).count() == 0


def test_after_a_window_alert_is_answered_only_later_days_count(world):
    ana = world.s9a1[0]
    scattered = [d(9), d(11), d(13), d(16)]
    rolls(
        world.c9a1,
        world.year_a.school_days(d(9), d(16)),
        absent_on={day: [(ana, P)] for day in scattered},
    )
    refresh(world, d(16))
    acknowledge(world, ana, d(16))
    more = [d(18), d(20)]
    rolls(world.c9a1, [d(17), d(18), d(19), d(20)], absent_on={day: [(ana, P)] for day in more})
    assert refresh(world, d(20)) == 0  # 6 in the window, but only 2 after the answered day
    rolls(world.c9a1, [d(21), d(23)], absent_on={day: [(ana, P)] for day in (d(21), d(23))})
    assert refresh(world, d(23)) == 1
    new = AbsenceAlert.objects.get(student=ana, acknowledged_at__isnull=True)
    assert (new.kind, new.first_day, new.last_day) == (Kind.WINDOW, d(18), d(23))


def test_a_run_takes_over_the_alerts_of_its_days_and_their_waiting_time(world):
    # Unexcused Mon 16 – Wed 18: an unexcused alert on Wed 18 (3 days is not yet a run).
    ana = world.s9a1[0]
    days = [d(16), d(17), d(18)]
    rolls(world.c9a1, [d(14), *days], absent_on={day: [(ana, K)] for day in days})
    refresh(world, d(18))
    assert kinds(ana) == [(Kind.UNEXCUSED, 0, True)]
    # Still absent Thu 19: the run's alert says it all, and has been waiting since Wed 18.
    roll(world.c9a1, d(19), absent=[(ana, K)])
    assert refresh(world, d(19)) == 1
    assert kinds(ana) == [(Kind.CONSECUTIVE, 0, True)]
    alert = the_alert(ana)
    assert alert.opened_on == d(18)
    assert alert.reason == "Nghỉ 4 ngày liên tiếp (16/11 – 19/11/2026), 4 buổi không phép"


def test_an_alert_whose_absences_were_corrected_away_is_withdrawn(world):
    ana = world.s9a1[0]
    absent = {day: [(ana, P)] for day in (d(13), d(14), d(16), d(17))}
    rolls(world.c9a1, [d(13), d(14), d(16), d(17)], absent_on=absent)
    refresh(world, d(17))
    # The GVCN marked the wrong student on Sat 14.
    ana.absences.filter(date=d(14)).delete()
    refresh(world, d(17))
    assert kinds(ana) == []


def test_an_ended_episode_stays_open_until_answered(world):
    ana = world.s9a1[0]
    absent = {day: [(ana, P)] for day in (d(12), d(13), d(14), d(16))}
    rolls(world.c9a1, [d(12), d(13), d(14), d(16), d(17), d(18)], absent_on=absent)
    refresh(world, d(16))
    refresh(world, d(18))  # back at school on Tue 17
    assert kinds(ana) == [(Kind.CONSECUTIVE, 0, True)]


def test_students_who_left_the_class_get_no_alert(world):
    ana = world.s9a1[0]
    absent = {day: [(ana, P)] for day in (d(12), d(13), d(14), d(16))}
    rolls(world.c9a1, [d(12), d(13), d(14), d(16)], absent_on=absent)
    ana.enrollments.update(end_date=d(17), end_kind="transfer_out")
    assert refresh(world, d(18)) == 0


def test_nothing_to_refresh(world):
    assert alerts_refresh(classrooms=[], today=d(18)) == 0
    assert refresh(world, d(1, 9)) == 0  # before the school year


def test_the_refresh_costs_the_same_queries_for_3_and_30_students(
    world, django_assert_max_num_queries
):
    # classes, savepoint, settings, holidays, enrollments, roll calls, absences, alerts, the
    # bulk insert of alerts and of their history, release: 11, whatever the class size.
    SchoolSettings.for_school(world.school_a)

    def run(students, day):
        absent = {x: [(s, K) for s in students] for x in (d(12), d(13), d(14), d(16))}
        rolls(world.c9a1, [d(12), d(13), d(14), d(16)], absent_on=absent)
        with django_assert_max_num_queries(11) as ctx:
            assert alerts_refresh(classrooms=[world.c9a1], today=day) == len(students)
        return len(ctx.captured_queries)

    few = run(world.s9a1, d(16))
    AbsenceAlert.objects.all().delete()
    from retention.models import Absence, RollCall

    Absence.objects.all().delete()
    RollCall.objects.all().delete()
    many_students = list(world.s9a1)
    for _ in range(27):
        s = f.StudentFactory(school=world.school_a)
        f.enroll(s, world.c9a1)
        many_students.append(s)
    assert run(many_students, d(16)) == few


def test_format_span():
    assert format_span(d(17), d(17)) == "17/11/2026"
    assert format_span(d(17), d(20)) == "17/11 – 20/11/2026"
    assert format_span(d(28, 12), d(2, 1, 2027)) == "28/12/2026 – 02/01/2027"
