"""The roll-call and lateness services: which days, who, and what happens when two people save
the same class-day at once.

"Today" is pinned to Wednesday 18/11/2026 (School A's year runs 05/09/2026 – 29/05/2027, Saturday
classes, mornings only, GVCN edit window 7 days).
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from retention import services_attendance as att
from retention.models import Absence, ConductEvent, RollCall
from schools.models import Holiday, SchoolSettings
from students.models import Enrollment

from .. import factories as f

TODAY = datetime.date(2026, 11, 18)  # a Wednesday


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    return TODAY


@pytest.fixture
def alerts(monkeypatch):
    """Records the calls to the alerts refresh instead of running it."""
    calls = []

    def record(*, classrooms, today):
        calls.append((list(classrooms), today))
        return 0

    monkeypatch.setattr("retention.services_alerts.alerts_refresh", record)
    return calls


def save(world, marks, *, user=None, day=TODAY, session="morning", **kwargs):
    return att.roll_call_save(
        classroom=kwargs.pop("classroom", world.c9a1),
        date=day,
        session=session,
        marks=marks,
        user=user or world.gvcn,
        **kwargs,
    )


def stored(roll_or_world, day=TODAY):
    roll = RollCall.objects.get(classroom=roll_or_world.c9a1, date=day, session="morning")
    return {a.student_id: (a.status, a.reason) for a in roll.absences.all()}


def refused(message, fn, *args, **kwargs):
    with pytest.raises(ValidationError) as info:
        fn(*args, **kwargs)
    # The message constant itself (before its %(days)s is filled in).
    raw = [str(e.message) for e in info.value.error_list]
    assert str(message) in raw, raw
    return info.value


# --- the roll is taken ---------------------------------------------------------------------------


def test_gvcn_saves_absences_with_the_day_and_session_copied(world, today, alerts):
    anh, lan, an = world.s9a1
    result = save(world, {anh.pk: ("P", "ốm, mẹ xin phép"), lan.pk: ("K", ""), an.pk: "present"})
    roll = result.roll_call
    assert result.created and result.changed == 2 and result.conflicts == []
    assert (roll.version, roll.taken_by, roll.date, roll.session) == (
        1,
        world.gvcn,
        TODAY,
        "morning",
    )
    absences = {a.student_id: a for a in Absence.objects.all()}
    assert set(absences) == {anh.pk, lan.pk}
    assert (absences[anh.pk].status, absences[anh.pk].reason) == ("P", "ốm, mẹ xin phép")
    assert all(a.date == TODAY and a.session == "morning" for a in absences.values())


def test_everyone_not_marked_is_present(world, today, alerts):
    save(world, {world.s9a1[1].pk: ("K", "")})
    assert list(Absence.objects.values_list("student_id", flat=True)) == [world.s9a1[1].pk]


def test_a_roll_with_no_absence_is_still_recorded(world, today, alerts):
    assert not RollCall.objects.exists()
    result = save(world, {})
    assert RollCall.objects.filter(pk=result.roll_call.pk).exists()
    assert not Absence.objects.exists()


def test_a_present_student_has_no_reason_and_reasons_are_trimmed(world, today, alerts):
    anh, lan, _ = world.s9a1
    save(world, {anh.pk: ("present", "ignored"), lan.pk: ("K", "  bỏ   học  đi chơi ")})
    assert stored(world) == {lan.pk: ("K", "bỏ học đi chơi")}


def test_marking_a_student_present_again_deletes_the_absence_in_the_audit_trail(
    world, today, alerts
):
    anh = world.s9a1[0]
    first = save(world, {anh.pk: ("K", "")})
    save(world, {anh.pk: ("present", "")}, base_version=first.roll_call.version)
    assert not Absence.objects.exists()
    kinds = list(Absence.history.order_by("history_id").values_list("history_type", flat=True))
    assert kinds == ["+", "-"]
    assert set(Absence.history.values_list("history_user", flat=True)) == {world.gvcn.pk}


def test_every_save_bumps_the_version_and_names_who_saved(world, today, alerts):
    first = save(world, {})
    second = save(world, {}, user=world.vp, base_version=1)
    assert second.roll_call.pk == first.roll_call.pk
    roll = RollCall.objects.get()
    assert (roll.version, roll.taken_by) == (2, world.vp)
    assert roll.history.count() == 2


def test_status_and_reason_changes_are_in_the_audit_trail(world, today, alerts):
    anh = world.s9a1[0]
    save(world, {anh.pk: ("K", "")})
    save(world, {anh.pk: ("P", "giấy phép")}, base_version=1)
    history = Absence.history.order_by("history_id")
    assert [(h.history_type, h.status, h.reason) for h in history] == [
        ("+", "K", ""),
        ("~", "P", "giấy phép"),
    ]


def test_saving_refreshes_the_class_alerts_as_of_the_day(world, today, alerts):
    day = datetime.date(2026, 11, 16)
    save(world, {world.s9a1[0].pk: ("K", "")}, day=day)
    assert alerts == [([world.c9a1], day)]


# --- days that cannot carry a roll ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (datetime.date(2026, 8, 31), att.OUTSIDE_YEAR),
        (datetime.date(2027, 6, 2), att.OUTSIDE_YEAR),
        (datetime.date(2026, 11, 19), att.FUTURE_DAY),
        (datetime.date(2026, 11, 15), att.SUNDAY),
    ],
)
def test_days_outside_the_year_in_the_future_or_on_sunday_are_refused(
    world, today, alerts, day, message
):
    refused(message, save, world, {world.s9a1[0].pk: ("K", "")}, day=day, user=world.principal)
    assert not RollCall.objects.exists() and alerts == []


def test_untaught_saturdays_are_refused(world, today, alerts):
    saturday = datetime.date(2026, 11, 14)
    save(world, {}, day=saturday)  # the world's school teaches on Saturdays
    world.year_a.saturday_classes = False
    world.year_a.save()
    world.c9a1.refresh_from_db()
    refused(att.SATURDAY_OFF, save, world, {}, day=datetime.date(2026, 11, 7), user=world.vp)


def test_holidays_are_refused(world, today, alerts):
    Holiday.objects.create(
        school_year=world.year_a,
        name="Ngày Nhà giáo",
        start_date=datetime.date(2026, 11, 16),
        end_date=datetime.date(2026, 11, 17),
    )
    refused(att.HOLIDAY, save, world, {}, day=datetime.date(2026, 11, 17))
    assert not RollCall.objects.exists()


def test_a_session_the_school_does_not_teach_is_refused(world, today, alerts):
    refused(att.SESSION_NOT_TAUGHT, save, world, {}, session="afternoon")
    refused(att.SESSION_NOT_TAUGHT, save, world, {}, session="evening")
    settings = SchoolSettings.for_school(world.school_a)
    settings.sessions = "both"
    settings.save()
    assert save(world, {}, session="afternoon").roll_call.session == "afternoon"


@pytest.mark.parametrize("status", ["X", "", "p", None, "present ", 3])
def test_unknown_statuses_are_refused_and_nothing_is_saved(world, today, alerts, status):
    marks = {world.s9a1[0].pk: ("K", ""), world.s9a1[1].pk: (status, "")}
    refused(att.UNKNOWN_STATUS, save, world, marks)
    assert not RollCall.objects.exists() and not Absence.objects.exists()


def test_a_reason_longer_than_200_characters_is_refused(world, today, alerts):
    refused(att.REASON_TOO_LONG, save, world, {world.s9a1[0].pk: ("P", "x" * 201)})


def test_students_of_another_class_or_school_cannot_be_marked(world, today, alerts):
    for outsider in (world.s9a2[0], world.s8a1[0], world.s9b1[0]):
        marks = {world.s9a1[0].pk: ("K", ""), outsider.pk: ("K", "")}
        refused(att.NOT_ENROLLED, save, world, marks)
    refused(att.NOT_ENROLLED, save, world, {"abc": ("K", "")})
    refused(att.NOT_ENROLLED, save, world, {999999: ("K", "")})
    assert not RollCall.objects.exists() and not Absence.objects.exists()


def test_a_student_not_yet_or_no_longer_in_the_class_on_that_day_cannot_be_marked(
    world, today, alerts
):
    left = world.s9a1[0]
    Enrollment.objects.filter(student=left).update(
        end_date=datetime.date(2026, 11, 12), end_kind="transfer_out"
    )
    newcomer = f.StudentFactory(school=world.school_a)
    f.enroll(newcomer, world.c9a1, start=datetime.date(2026, 11, 16))
    refused(att.NOT_ENROLLED, save, world, {left.pk: ("K", "")})
    refused(
        att.NOT_ENROLLED, save, world, {newcomer.pk: ("K", "")}, day=datetime.date(2026, 11, 13)
    )
    save(world, {left.pk: ("K", "")}, day=datetime.date(2026, 11, 11))
    save(world, {newcomer.pk: ("P", "")})
    assert Absence.objects.count() == 2


# --- who may change which day --------------------------------------------------------------------


def test_gvcn_may_change_the_last_seven_days_only(world, today, alerts):
    save(world, {}, day=TODAY - datetime.timedelta(days=7))
    refused(att.EDIT_WINDOW, save, world, {}, day=TODAY - datetime.timedelta(days=8))


def test_the_edit_window_is_a_school_setting(world, today, alerts):
    settings = SchoolSettings.for_school(world.school_a)
    settings.attendance_edit_days = 2
    settings.save()
    save(world, {}, day=datetime.date(2026, 11, 16))
    error = refused(att.EDIT_WINDOW, save, world, {}, day=datetime.date(2026, 11, 14))
    assert error.error_list[0].params == {"days": 2}


@pytest.mark.parametrize("leader", ["principal", "vp"])
def test_leaders_may_change_any_school_day(world, today, alerts, leader):
    old = datetime.date(2026, 9, 7)
    result = save(world, {world.s9a1[0].pk: ("P", "")}, day=old, user=getattr(world, leader))
    assert result.roll_call.date == old


@pytest.mark.parametrize("who", ["teacher", "youth", "clerk", "group_head", "principal_b"])
def test_nobody_else_takes_the_roll(world, today, alerts, who):
    with pytest.raises(PermissionDenied):
        save(world, {}, user=getattr(world, who))
    assert not RollCall.objects.exists()


def test_a_gvcn_cannot_take_another_class_roll(world, today, alerts):
    with pytest.raises(PermissionDenied):
        save(world, {}, classroom=world.c9a2)


# --- two people on the same class-day ------------------------------------------------------------


def test_two_editors_on_different_students_both_keep_their_marks(world, today, alerts):
    anh, lan, _ = world.s9a1
    # Both open the page before anyone saved (version None, no absence loaded).
    save(world, {anh.pk: ("P", "ốm"), lan.pk: "present"}, base_version=None, base_marks={})
    result = save(
        world,
        {anh.pk: "present", lan.pk: ("K", "")},
        user=world.vp,
        base_version=None,
        base_marks={},
    )
    assert result.conflicts == []
    assert stored(world) == {anh.pk: ("P", "ốm"), lan.pk: ("K", "")}
    assert RollCall.objects.get().version == 2


def test_the_same_student_changed_twice_keeps_the_first_mark_and_reports_a_conflict(
    world, today, alerts
):
    anh = world.s9a1[0]
    save(world, {anh.pk: ("P", "mẹ gọi điện")}, base_version=None, base_marks={})
    result = save(world, {anh.pk: ("K", "")}, user=world.vp, base_version=None, base_marks={})
    assert stored(world) == {anh.pk: ("P", "mẹ gọi điện")}
    [conflict] = result.conflicts
    assert conflict.student == anh
    assert conflict.mine == ("K", "") and conflict.theirs == ("P", "mẹ gọi điện")
    assert result.previous_by == world.gvcn


def test_the_same_change_made_by_both_is_no_conflict(world, today, alerts):
    anh = world.s9a1[0]
    save(world, {anh.pk: ("K", "")}, base_version=None, base_marks={})
    result = save(world, {anh.pk: ("K", "")}, user=world.vp, base_version=None, base_marks={})
    assert result.conflicts == [] and stored(world) == {anh.pk: ("K", "")}


def test_a_stale_form_never_puts_back_what_it_loaded(world, today, alerts):
    """The VP loaded version 1 with Ánh absent; the GVCN then marked her present and Lan absent.
    The VP only changes Ân: Ánh and Lan keep the GVCN's marks."""
    anh, lan, an = world.s9a1
    first = save(world, {anh.pk: ("K", "")})
    loaded = {"version": first.roll_call.version, "marks": stored(world)}
    save(world, {anh.pk: "present", lan.pk: ("P", "")}, base_version=1)
    result = save(
        world,
        {anh.pk: ("K", ""), lan.pk: "present", an.pk: ("P", "khám bệnh")},
        user=world.vp,
        base_version=loaded["version"],
        base_marks=loaded["marks"],
    )
    assert result.conflicts == []
    assert stored(world) == {lan.pk: ("P", ""), an.pk: ("P", "khám bệnh")}
    assert RollCall.objects.get().version == 3


def test_a_stale_save_without_the_loaded_marks_is_refused(world, today, alerts):
    save(world, {})
    save(world, {}, base_version=1)
    refused(att.ROLL_CHANGED, save, world, {world.s9a1[0].pk: ("K", "")}, base_version=1)
    assert not Absence.objects.exists()


def test_a_double_submit_changes_nothing_the_second_time(world, today, alerts):
    anh, lan, _ = world.s9a1
    post = {
        "marks": {anh.pk: ("P", "ốm"), lan.pk: ("K", "")},
        "base_version": None,
        "base_marks": {},
    }
    save(world, **post)
    again = save(world, **post)
    assert again.conflicts == [] and again.changed == 0
    assert stored(world) == {anh.pk: ("P", "ốm"), lan.pk: ("K", "")}
    assert Absence.history.count() == 2


# --- lateness and skipped periods ----------------------------------------------------------------


def record(world, **kwargs):
    data = {
        "student": world.s9a1[0],
        "date": TODAY,
        "kind": "late",
        "periods": [],
        "note": "",
        "user": world.youth,
        "year": world.year_a,
    }
    data.update(kwargs)
    return att.conduct_event_record(**data)


def test_youth_union_records_lateness_school_wide(world, today):
    event = record(world, student=world.s8a1[0], note="  đến   lúc 7 giờ 15 ")
    assert (event.kind, event.note, event.recorded_by) == ("late", "đến lúc 7 giờ 15", world.youth)
    assert event.history.get().history_user == world.youth


def test_gvcn_records_skipped_periods_of_their_class_only(world, today):
    event = record(world, kind="skipped", periods=[3, "2", 2], user=world.gvcn)
    assert event.periods == "2,3"
    with pytest.raises(PermissionDenied):
        record(world, student=world.s9a2[0], user=world.gvcn)


@pytest.mark.parametrize("who", ["teacher", "clerk"])
def test_others_do_not_record_lateness(world, today, who):
    with pytest.raises(PermissionDenied):
        record(world, user=getattr(world, who))
    assert not ConductEvent.objects.exists()


def test_lateness_follows_the_roll_day_rules(world, today):
    refused(att.FUTURE_DAY, record, world, date=TODAY + datetime.timedelta(days=1))
    refused(att.SUNDAY, record, world, date=datetime.date(2026, 11, 15))
    refused(att.OUTSIDE_YEAR, record, world, date=datetime.date(2026, 8, 1))
    refused(att.CONDUCT_EDIT_WINDOW, record, world, date=datetime.date(2026, 11, 2))
    assert record(world, date=datetime.date(2026, 11, 2), user=world.principal).pk


def test_lateness_input_is_checked(world, today):
    refused(att.PERIODS_REQUIRED, record, world, kind="skipped")
    refused(att.UNKNOWN_KIND, record, world, kind="absent")
    refused(att.UNKNOWN_PERIOD, record, world, periods=[11])
    refused(att.UNKNOWN_PERIOD, record, world, periods=["x"])
    refused(att.NOTE_TOO_LONG, record, world, note="x" * 201)
    refused(att.STUDENT_NOT_IN_CLASS, record, world, student=world.s9b1[0])
    assert not ConductEvent.objects.exists()


def test_a_student_who_left_before_the_day_has_no_class_that_day(world, today):
    Enrollment.objects.filter(student=world.s9a1[0]).update(
        end_date=datetime.date(2026, 11, 16), end_kind="dropped_out"
    )
    refused(att.STUDENT_NOT_IN_CLASS, record, world)
    assert record(world, date=datetime.date(2026, 11, 13)).pk


def test_removing_a_lateness_record_keeps_it_in_the_audit_trail(world, today):
    event = record(world)
    att.conduct_event_delete(event=event, user=world.youth, classroom=world.c9a1)
    assert not ConductEvent.objects.exists()
    assert list(
        ConductEvent.history.values_list("history_type", flat=True).order_by("history_id")
    ) == [
        "+",
        "-",
    ]
