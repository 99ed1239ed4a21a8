"""Thông tư 29/2024 in the group services: who may join, how many, how many periods, dates,
purposes, schedules; and no money anywhere."""

import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from schools.models import SchoolYear
from tests import factories as f
from tutoring import services_groups as sg
from tutoring.models import Membership, PeerPair, Term, TutoringGroup, TutoringSession, WeakRecord
from tutoring.services_groups import Slot, eligible_reasons

from .conftest import put_results
from .test_groups_helpers import (  # noqa: F401 - the fixture today
    d,
    join,
    make_group,
    member,
    settings_of,
    students_in,
    today,
    weak,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]


def messages(error: ValidationError) -> list[str]:
    return error.messages


# --- eligibility ---------------------------------------------------------------------------------


def test_an_active_weak_record_makes_a_student_eligible(world, subjects):
    s = world.s8a1[0]
    assert eligible_reasons(s, subjects["TOAN"], world.year_a, d(18)) == []
    weak(s, subjects["TOAN"], world.year_a)
    assert eligible_reasons(s, subjects["TOAN"], world.year_a, d(18)) == ["weak"]
    assert eligible_reasons(s, subjects["NV"], world.year_a, d(18)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"status": WeakRecord.Status.DISMISSED}, []),
        ({"resolved_term": Term.HK1}, []),
        ({"status": WeakRecord.Status.PROPOSED}, ["weak"]),
    ],
)
def test_dismissed_or_resolved_records_do_not_count(world, subjects, change, expected):
    s = world.s8a1[0]
    record = weak(s, subjects["TOAN"], world.year_a)
    WeakRecord.objects.filter(pk=record.pk).update(**change)
    assert eligible_reasons(s, subjects["TOAN"], world.year_a, d(18)) == expected


def test_the_previous_semester_result_counts_without_a_record(world, subjects):
    """Semester II uses semester I; semester I uses last year's result."""
    s = world.s8a1[0]
    put_results(s, world.c8a1, Term.HK1, {"TOAN": "4,9", "NV": "5,0", "GDTC": "CD"})
    in_hk2 = d(1, 2, 2027)
    assert eligible_reasons(s, subjects["TOAN"], world.year_a, in_hk2) == ["weak"]
    assert eligible_reasons(s, subjects["NV"], world.year_a, in_hk2) == []
    assert eligible_reasons(s, subjects["GDTC"], world.year_a, in_hk2) == ["weak"]
    # In semester I this year's HK1 is not "the previous semester"; last year's is.
    assert eligible_reasons(s, subjects["TOAN"], world.year_a, d(18)) == []
    last = SchoolYear.objects.create(
        school=world.school_a,
        start_year=2025,
        start_date=d(5, 9, 2025),
        semester1_end=d(16, 1, 2026),
        semester2_start=d(18, 1, 2026),
        end_date=d(29, 5, 2026),
        enrollment_snapshot_date=d(5, 9, 2025),
    )
    c7 = f.ClassroomFactory(school_year=last, name="7A1", grade=7)
    put_results(s, c7, Term.HK2, {"NV": "4,0"})
    put_results(s, c7, Term.YEAR, {"NV": "5,5"})  # the year row wins over HK2
    put_results(s, c7, Term.HK2, {"TOAN": "3,5"})
    assert eligible_reasons(s, subjects["NV"], world.year_a, d(18)) == []
    assert eligible_reasons(s, subjects["TOAN"], world.year_a, d(18)) == ["weak"]


def test_grade_9_may_review_for_the_exam_and_gifted_needs_the_setting(world, subjects):
    s9, s8 = world.s9a1[0], world.s8a1[0]
    assert eligible_reasons(s9, subjects["TOAN"], world.year_a, d(18)) == ["exam_review"]
    assert eligible_reasons(s8, subjects["TOAN"], world.year_a, d(18)) == []
    settings_of(world, gifted_training=True)
    assert eligible_reasons(s8, subjects["TOAN"], world.year_a, d(18)) == ["gifted"]


def test_a_student_is_covered_by_a_group_or_a_peer_pair(world, subjects):
    toan = subjects["TOAN"]
    a, b = world.s9a1[0], world.s9a1[1]
    group = make_group(world, toan, grade=9, kind="exam_review")
    join(group, [a], world.principal, reason="exam_review")
    PeerPair.objects.create(
        school_year=world.year_a,
        classroom=world.c9a1,
        subject=toan,
        helper=world.s9a1[2],
        helped=b,
        start_date=d(2),
        created_by=world.gvcn,
    )
    assert sg.covered_student_ids(world.year_a, toan.pk) == {a.pk, b.pk}
    assert sg.covered_student_ids(world.year_a, subjects["NV"].pk) == set()


# --- members -------------------------------------------------------------------------------------


def test_a_weak_student_with_registration_and_consent_joins(world, subjects):
    s = world.s8a1[0]
    weak(s, subjects["TOAN"], world.year_a)
    group = make_group(world, subjects["TOAN"])
    m = sg.add_member(
        group,
        s,
        reason="weak",
        registered_on=d(28, 10),
        consent_on=d(29, 10),
        consent_by="Hà Văn Cha",
        user=world.principal,
    )
    assert (m.reason, m.consent_by, m.joined_on) == ("weak", "Hà Văn Cha", d(2))
    assert m.weak_record is not None and m.history.count() == 1


def test_the_46th_student_is_refused(world, subjects):
    toan = subjects["TOAN"]
    crowd = students_in(world.c8a1, 46)
    for s in crowd:
        weak(s, toan, world.year_a)
    group = make_group(world, toan)
    join(group, crowd[:45], world.principal)
    assert group.members.filter(left_on__isnull=True).count() == 45
    with pytest.raises(ValidationError) as error:
        join(group, [crowd[45]], world.principal)
    assert messages(error.value) == [
        str(sg.MSG_GROUP_FULL) % {"name": crowd[45].full_name, "count": 45, "limit": 45}
    ]
    assert group.members.count() == 45


def test_a_bulk_add_over_the_limit_adds_nobody_and_names_who_does_not_fit(world, subjects):
    settings_of(world, group_max_students=3)
    toan = subjects["TOAN"]
    crowd = students_in(world.c8a1, 5)
    for s in crowd:
        weak(s, toan, world.year_a)
    group = make_group(world, toan)
    with pytest.raises(ValidationError) as error:
        join(group, crowd, world.principal)
    text = " ".join(messages(error.value))
    assert crowd[3].full_name in text and crowd[4].full_name in text
    assert crowd[0].full_name not in text
    assert group.members.count() == 0


def test_three_periods_a_week_need_a_recorded_exception(world, subjects):
    toan = subjects["TOAN"]
    s = world.s8a1[0]
    weak(s, toan, world.year_a)
    first = make_group(world, toan, name="Toán 8 – nhóm 1")  # 2 periods
    second = make_group(world, toan, name="Toán 8 – nhóm 2", slots=[Slot(3, "afternoon", 1, 1)])
    join(first, [s], world.principal)
    with pytest.raises(ValidationError) as error:
        join(second, [s], world.principal)
    assert messages(error.value) == [
        str(sg.MSG_PERIODS_OVER)
        % {"name": s.full_name, "periods": 3, "subject": toan.name, "limit": 2}
    ]
    [m] = join(second, [s], world.principal, exception_note="QĐ 12/SGDĐT, Giám đốc Sở duyệt")
    assert m.exception_note == "QĐ 12/SGDĐT, Giám đốc Sở duyệt"


def test_groups_that_do_not_overlap_in_time_do_not_add_up(world, subjects):
    toan = subjects["TOAN"]
    s = world.s8a1[0]
    weak(s, toan, world.year_a)
    autumn = make_group(world, toan, name="HK1", start=d(2), end=d(30))
    winter = make_group(world, toan, name="HK1b", start=d(1, 12), end=d(16, 1, 2027))
    join(autumn, [s], world.principal)
    join(winter, [s], world.principal)
    assert s.memberships.count() == 2


def test_an_ineligible_student_is_refused(world, subjects):
    s = world.s8a1[0]  # not weak in Toán, grade 8, no gifted training
    group = make_group(world, subjects["TOAN"])
    with pytest.raises(ValidationError) as error:
        join(group, [s], world.principal)
    assert messages(error.value) == [
        str(sg.MSG_NOT_ELIGIBLE)
        % {
            "name": s.full_name,
            "reason": Membership.Reason.WEAK.label,
            "subject": subjects["TOAN"].name,
        }
    ]
    assert not group.members.exists()


def test_a_reason_must_fit_the_purpose_of_the_group(world, subjects):
    settings_of(world, gifted_training=True)
    s = world.s8a1[0]
    group = make_group(world, subjects["TOAN"])  # remedial
    with pytest.raises(ValidationError) as error:
        join(group, [s], world.principal, reason="gifted")
    assert len(messages(error.value)) == 1 and s.full_name in messages(error.value)[0]


@pytest.mark.parametrize(
    ("dates", "consent_by", "expected"),
    [
        ({"consent_on": None}, "Bố", sg.MSG_NO_CONSENT),
        ({"registered_on": None}, "Bố", sg.MSG_NO_REGISTRATION),
        ({}, "  ", sg.MSG_NO_CONSENT_BY),
    ],
)
def test_no_registration_or_no_consent_is_refused(world, subjects, dates, consent_by, expected):
    s = world.s8a1[0]
    weak(s, subjects["TOAN"], world.year_a)
    group = make_group(world, subjects["TOAN"])
    with pytest.raises(ValidationError) as error:
        join(group, [s], world.principal, consent_by=consent_by, **dates)
    assert messages(error.value) == [str(expected) % {"name": s.full_name}]
    assert not group.members.exists()


def test_consent_dates_must_be_sane(world, subjects):
    s = world.s8a1[0]
    weak(s, subjects["TOAN"], world.year_a)
    group = make_group(world, subjects["TOAN"])
    with pytest.raises(ValidationError) as error:
        join(group, [s], world.principal, consent_on=d(19))  # tomorrow
    assert "19/11/2026" in messages(error.value)[0]
    with pytest.raises(ValidationError) as error:
        join(group, [s], world.principal, registered_on=d(1, 1, 2026))
    assert "01/01/2026" in messages(error.value)[0]
    assert not group.members.exists()


def test_a_student_of_another_grade_is_refused(world, subjects):
    s9 = world.s9a1[0]
    weak(s9, subjects["TOAN"], world.year_a)
    group = make_group(world, subjects["TOAN"], grade=8)
    with pytest.raises(ValidationError) as error:
        join(group, [s9], world.principal)
    assert messages(error.value) == [str(sg.MSG_WRONG_GRADE) % {"name": s9.full_name, "grade": 8}]


def test_adding_is_all_or_nothing_and_an_active_member_is_not_added_twice(world, subjects):
    toan = subjects["TOAN"]
    good, bad = world.s9a1[0], world.s9a1[1]
    group = make_group(world, toan, grade=9, kind="exam_review")
    with pytest.raises(ValidationError) as error:
        add = [
            member(good, reason="exam_review"),
            member(bad, reason="exam_review", consent_on=None),
        ]
        sg.add_members(group, add, user=world.principal)
    assert len(messages(error.value)) == 1
    assert not group.members.exists()
    join(group, [good], world.principal, reason="exam_review")
    with pytest.raises(ValidationError) as error:
        join(group, [good], world.principal, reason="exam_review")
    assert messages(error.value) == [str(sg.MSG_ALREADY_MEMBER) % {"name": good.full_name}]


def test_leaving_keeps_the_row_and_the_student_may_join_again(world, subjects):
    s = world.s9a1[0]
    group = make_group(world, subjects["TOAN"], grade=9, kind="exam_review")
    [m] = join(group, [s], world.principal, reason="exam_review")
    with pytest.raises(ValidationError):
        sg.remove_member(m, left_on=d(10), left_reason="", user=world.principal)
    with pytest.raises(ValidationError):
        sg.remove_member(m, left_on=d(20), left_reason="Chuyển trường", user=world.principal)
    sg.remove_member(m, left_on=d(10), left_reason="Chuyển trường", user=world.principal)
    m.refresh_from_db()
    assert (m.left_on, m.left_reason) == (d(10), "Chuyển trường")
    join(group, [s], world.principal, reason="exam_review")
    assert Membership.objects.filter(group=group, student=s).count() == 2


# --- groups --------------------------------------------------------------------------------------


def test_exam_review_in_grade_8_is_refused(world, subjects):
    with pytest.raises(ValidationError) as error:
        make_group(world, subjects["TOAN"], grade=8, kind="exam_review")
    assert error.value.message_dict["grade"] == [str(sg.MSG_EXAM_REVIEW_GRADE_9)]
    assert not TutoringGroup.objects.exists()


def test_gifted_training_needs_the_school_setting(world, subjects):
    with pytest.raises(ValidationError) as error:
        make_group(world, subjects["TOAN"], kind="gifted")
    assert error.value.message_dict["kind"] == [str(sg.MSG_GIFTED_OFF)]
    settings_of(world, gifted_training=True)
    assert make_group(world, subjects["TOAN"], kind="gifted").kind == "gifted"


def test_a_group_runs_inside_the_school_year(world, subjects):
    with pytest.raises(ValidationError) as error:
        make_group(world, subjects["TOAN"], start=d(1, 8), end=d(1, 6, 2027))
    assert set(error.value.message_dict) == {"start_date", "end_date"}


def test_more_weekly_periods_than_the_limit_are_refused(world, subjects):
    with pytest.raises(ValidationError) as error:
        make_group(
            world, subjects["TOAN"], slots=[Slot(1, "afternoon", 1, 2), Slot(3, "afternoon", 1, 1)]
        )
    assert error.value.message_dict["slots"] == [
        str(sg.MSG_WEEKLY_LIMIT) % {"periods": 3, "limit": 2}
    ]
    settings_of(world, weekly_periods_limit=3)
    make_group(
        world, subjects["TOAN"], slots=[Slot(1, "afternoon", 1, 2), Slot(3, "afternoon", 1, 1)]
    )


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ([], sg.MSG_NO_SLOT),
        ([Slot(6, "afternoon", 1, 1)], sg.MSG_SLOT_SUNDAY),
        ([Slot(1, "afternoon", 1, 1), Slot(1, "afternoon", 1, 1)], None),
    ],
)
def test_bad_schedules_are_refused(world, subjects, slots, expected):
    with pytest.raises(ValidationError) as error:
        make_group(world, subjects["TOAN"], slots=slots)
    if expected is not None:
        assert str(expected) in error.value.message_dict["slots"]
    else:
        assert "slots" in error.value.message_dict


def test_a_slot_in_a_taught_session_is_flagged(world, subjects):
    settings = settings_of(world, sessions="morning")
    morning = [Slot(2, "morning", 4, 2)]
    afternoon = [Slot(2, "afternoon", 1, 2)]
    assert len(sg.slot_warnings(morning, settings)) == 1
    assert "4–5" in sg.slot_warnings(morning, settings)[0]
    assert sg.slot_warnings(afternoon, settings) == []
    settings.sessions = "both"
    assert len(sg.slot_warnings(afternoon, settings)) == 1


def test_tutors_are_staff_of_the_school_and_the_name_is_unique(world, subjects):
    with pytest.raises(ValidationError) as error:
        make_group(world, subjects["TOAN"], tutors=[world.principal_b])
    assert "tutors" in error.value.message_dict
    make_group(world, subjects["TOAN"], name="Nhóm A")
    with pytest.raises(ValidationError) as error:
        make_group(world, subjects["TOAN"], name="Nhóm A")
    assert error.value.message_dict["name"] == [str(sg.MSG_NAME_TAKEN)]


def test_the_suggested_name_counts_up(world, subjects):
    toan = subjects["TOAN"]
    first = sg.suggest_name(world.year_a, kind="remedial", subject=toan, grade=8)
    make_group(world, toan, name=first)
    second = sg.suggest_name(world.year_a, kind="remedial", subject=toan, grade=8)
    assert first != second and first.endswith("1") and second.endswith("2")


def _edit(group, user, **changes):
    values = {
        "kind": group.kind,
        "subject": group.subject,
        "grade": group.grade,
        "name": group.name,
        "tutors": list(group.tutors.all()),
        "start_date": group.start_date,
        "end_date": group.end_date,
        "slots": [Slot(s.weekday, s.session, s.first_period, s.periods) for s in group.slots.all()],
        "user": user,
    }
    values.update(changes)
    return sg.update_group(group, **values)


def test_an_edit_cannot_break_the_members_or_the_sessions(world, subjects):
    toan = subjects["TOAN"]
    s = world.s9a1[0]
    group = make_group(world, toan, grade=9, kind="exam_review")
    join(group, [s], world.principal, reason="exam_review")
    with pytest.raises(ValidationError) as error:
        _edit(group, world.principal, grade=8, kind="remedial")
    assert {"grade", "kind"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        _edit(group, world.principal, subject=subjects["NV"])
    assert "subject" in error.value.message_dict
    TutoringSession.objects.create(
        group=group, date=d(3), content="Hàm số", taught_by=world.teacher
    )
    with pytest.raises(ValidationError) as error:
        _edit(group, world.principal, start_date=d(10))
    assert "start_date" in error.value.message_dict
    edited = _edit(group, world.principal, name="Ôn thi Toán 9", room="P.12")
    assert (edited.name, edited.room) == ("Ôn thi Toán 9", "P.12")


def test_more_periods_in_one_group_cannot_push_a_member_over_through_another(world, subjects):
    toan = subjects["TOAN"]
    s = world.s8a1[0]
    weak(s, toan, world.year_a)
    one = make_group(world, toan, name="A", slots=[Slot(1, "afternoon", 1, 1)])
    two = make_group(world, toan, name="B", slots=[Slot(3, "afternoon", 1, 1)])
    join(one, [s], world.principal)
    join(two, [s], world.principal)
    with pytest.raises(ValidationError) as error:
        _edit(two, world.principal, slots=[Slot(3, "afternoon", 1, 2)])
    assert s.full_name in " ".join(error.value.message_dict["slots"])


def test_a_stale_edit_is_refused(world, subjects):
    group = make_group(world, subjects["TOAN"])
    loaded = group.updated_at.isoformat()
    _edit(group, world.principal, room="P.1", loaded_at=loaded)
    with pytest.raises(ValidationError) as error:
        _edit(group, world.vp, room="P.2", loaded_at=loaded)
    assert error.value.code == "stale"
    group.refresh_from_db()
    assert group.room == "P.1"


# --- free of charge -------------------------------------------------------------------------------


def test_no_field_of_the_tutoring_app_records_money():
    money = re.compile(r"fee|price|money|amount|cost|tien|phi|hoc_phi|charge|payment", re.I)
    names = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("tutoring").get_models()
        for field in model._meta.get_fields()
        if money.search(field.name)
    ]
    assert names == []
