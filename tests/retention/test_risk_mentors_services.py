"""Mentors, the writes: who may take on whom, at most two active mentees per teacher (and the
database's guarantee behind it), one mentor per student, ending, and the contact log."""

import datetime
import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from retention import services_mentors as svc
from retention.models import MentorContact, Mentorship
from retention.selectors_mentors import active_mentors
from schools.models import Role
from schools.services import role_assign
from students.models import Enrollment

from .. import factories as f
from .risk_helpers import make_mentorship

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 18)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def assign(world, teacher, student, *, user=None, start=datetime.date(2026, 10, 1), **kw):
    return svc.mentorship_assign(
        teacher=teacher,
        student=student,
        user=user or world.principal,
        start_date=start,
        reason=kw.pop("reason", Mentorship.Reason.AT_RISK),
        goals=kw.pop("goals", ""),
    )


def test_the_third_mentee_message_reads_as_the_school_says_it():
    parts = json.loads((settings.BASE_DIR / "locale/vi_parts/risk_mentors.json").read_text())
    with translation.override("en"):
        msgid = str(svc.MSG_FULL)
    assert parts[msgid].startswith("Thầy/cô %(name)s đã đỡ đầu %(count)s học sinh: %(mentees)s")


def messages_of(error: ValidationError) -> dict:
    return {k: [str(m) for m in v] for k, v in error.message_dict.items()}


# --- assigning ------------------------------------------------------------------------------------


def test_a_leader_assigns_a_teacher_who_gets_the_first_free_slot(world):
    m = assign(world, world.teacher, world.s9a1[0], goals="  Đi học đều  ")
    assert (m.teacher, m.student, m.slot, m.school_year) == (
        world.teacher,
        world.s9a1[0],
        1,
        world.year_a,
    )
    assert m.goals == "Đi học đều" and m.created_by == world.principal and m.is_active
    second = assign(world, world.teacher, world.s9a1[1])
    assert second.slot == 2


def test_a_teacher_cannot_take_a_third_mentee_and_the_message_names_the_two(world):
    assign(world, world.teacher, world.s9a1[0])
    assign(world, world.teacher, world.s9a1[1])
    with pytest.raises(ValidationError) as caught:
        assign(world, world.teacher, world.s9a1[2])
    text = messages_of(caught.value)["teacher"][0]
    assert "Đỗ Văn Toán" in text
    assert "Nguyễn Thị Ánh" in text and "Lê Văn Anh" in text
    assert text == str(svc.MSG_FULL) % {
        "name": "Đỗ Văn Toán",
        "count": 2,
        "mentees": "Lê Văn Anh, Nguyễn Thị Ánh",  # Vietnamese order: Anh before Ánh
        "limit": 2,
    }
    assert Mentorship.objects.active().filter(teacher=world.teacher).count() == 2


def test_a_student_has_one_active_mentor_and_the_message_names_them(world):
    assign(world, world.gvcn, world.s9a1[0])
    with pytest.raises(ValidationError) as caught:
        assign(world, world.teacher, world.s9a1[0])
    text = messages_of(caught.value)["student"][0]
    assert "Phạm Thị Chủ" in text and "01/10/2026" in text
    assert Mentorship.objects.filter(student=world.s9a1[0]).count() == 1


def test_an_ended_mentorship_frees_the_slot_and_the_student(world):
    first = assign(world, world.teacher, world.s9a1[0])
    assign(world, world.teacher, world.s9a1[1])
    svc.mentorship_end(
        mentorship=first, user=world.principal, date=TODAY, reason="Em đã đi học đều"
    )
    third = assign(world, world.teacher, world.s9a1[2])
    assert third.slot == 1
    again = assign(world, world.gvcn, world.s9a1[0])
    assert again.is_active


def test_a_teacher_takes_on_a_student_of_a_class_they_teach_only_as_themselves(world):
    m = assign(world, world.teacher, world.s8a1[0], user=world.teacher)
    assert m.teacher == world.teacher and m.created_by == world.teacher
    with pytest.raises(PermissionDenied):
        assign(world, world.teacher, world.s9a1[0], user=world.teacher)  # not their class
    with pytest.raises(PermissionDenied):
        assign(world, world.gvcn, world.s8a1[0], user=world.teacher)  # someone else
    assert Mentorship.objects.count() == 1


def test_the_clerk_cannot_assign_mentors(world):
    with pytest.raises(PermissionDenied):
        assign(world, world.teacher, world.s9a1[0], user=world.clerk)
    assert not Mentorship.objects.exists()


def test_the_mentor_must_be_active_staff_of_the_school_with_a_role_this_year(world):
    no_role = f.UserFactory(username="norole", full_name="Lý Văn Nghỉ", school=world.school_a)
    disabled = f.UserFactory(username="gone", full_name="Tạ Văn Đi", school=world.school_a)
    role_assign(user=disabled, role=Role.SUBJECT_TEACHER, school_year=world.year_a)
    disabled.is_active = False
    disabled.save()
    for teacher in (no_role, disabled, world.principal_b):
        with pytest.raises(ValidationError) as caught:
            assign(world, teacher, world.s9a1[0])
        assert "teacher" in caught.value.message_dict
    assert not Mentorship.objects.exists()


def test_the_student_must_be_in_a_class_now(world):
    span = Enrollment.objects.get(student=world.s9a1[0])
    span.end_date, span.end_kind = datetime.date(2026, 11, 1), "dropped_out"
    span.save()
    with pytest.raises(ValidationError) as caught:
        assign(world, world.teacher, world.s9a1[0])
    assert "student" in caught.value.message_dict


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (TODAY + datetime.timedelta(days=1), str(svc.MSG_START_FUTURE)),
        (datetime.date(2026, 9, 1), "05/09/2026"),
    ],
)
def test_the_start_date_is_in_the_school_year_and_not_in_the_future(world, start, message):
    with pytest.raises(ValidationError) as caught:
        assign(world, world.teacher, world.s9a1[0], start=start)
    assert message in messages_of(caught.value)["start_date"][0]
    assert not Mentorship.objects.exists()


def test_a_third_active_row_inserted_directly_is_refused_by_the_database(world):
    """The guarantee does not rest on the service: the slot constraint refuses a third active
    mentorship, and so does the check on slots 1–2."""
    make_mentorship(world.teacher, world.s9a1[0], slot=1)
    make_mentorship(world.teacher, world.s9a1[1], slot=2)
    for slot in (1, 2, 3):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_mentorship(world.teacher, world.s9a1[2], slot=slot)
    assert Mentorship.objects.active().filter(teacher=world.teacher).count() == 2


def test_a_second_active_mentor_inserted_directly_is_refused_by_the_database(world):
    make_mentorship(world.teacher, world.s9a1[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        make_mentorship(world.gvcn, world.s9a1[0])


def test_the_service_tries_the_other_slot_when_the_free_one_was_just_taken(world, monkeypatch):
    """What a race looks like from one side: the slot read as free is taken by the time of the
    insert (here: slot 1 taken behind the service's back), so it takes slot 2."""
    real = svc.Mentorship.objects.active
    calls = {"n": 0}

    def stale_active():
        calls["n"] += 1
        qs = real()
        return qs.none() if calls["n"] == 2 else qs  # the slot read sees nobody

    make_mentorship(world.teacher, world.s9a1[0], slot=1)
    monkeypatch.setattr(svc.Mentorship.objects, "active", stale_active)
    m = assign(world, world.teacher, world.s9a1[1])
    assert m.slot == 2


def test_when_both_slots_turn_out_taken_the_assignment_is_refused(world, monkeypatch):
    make_mentorship(world.teacher, world.s9a1[0], slot=1)
    make_mentorship(world.teacher, world.s9a1[1], slot=2)
    real = svc.Mentorship.objects.active
    calls = {"n": 0}

    def stale_active():
        calls["n"] += 1
        qs = real()
        return qs.none() if calls["n"] == 2 else qs

    monkeypatch.setattr(svc.Mentorship.objects, "active", stale_active)
    with pytest.raises(ValidationError) as caught:
        assign(world, world.teacher, world.s9a1[2])
    assert "teacher" in caught.value.message_dict
    assert Mentorship.objects.filter(student=world.s9a1[2]).count() == 0


# --- ending ---------------------------------------------------------------------------------------


def test_ending_needs_a_date_not_in_the_future_nor_before_the_start_and_a_reason(world):
    m = assign(world, world.teacher, world.s9a1[0])
    cases = [
        (TODAY + datetime.timedelta(days=1), "x", "date"),
        (datetime.date(2026, 9, 30), "x", "date"),
        (TODAY, "   ", "reason"),
    ]
    for date, reason, field in cases:
        with pytest.raises(ValidationError) as caught:
            svc.mentorship_end(mentorship=m, user=world.principal, date=date, reason=reason)
        assert field in caught.value.message_dict
    m.refresh_from_db()
    assert m.is_active
    svc.mentorship_end(mentorship=m, user=world.teacher, date=TODAY, reason="Chuyển trường")
    m.refresh_from_db()
    assert (m.end_date, m.end_reason) == (TODAY, "Chuyển trường")
    with pytest.raises(ValidationError):
        svc.mentorship_end(mentorship=m, user=world.teacher, date=TODAY, reason="again")


# --- contacts -------------------------------------------------------------------------------------


def contact(world, m, *, user=None, date=TODAY, content="Trò chuyện về việc học"):
    return svc.mentor_contact_record(
        mentorship=m, user=user or world.teacher, date=date, method="talk", content=content
    )


def test_the_mentor_logs_a_contact_and_a_double_submit_is_saved_once(world):
    m = assign(world, world.teacher, world.s9a1[0])
    c = contact(world, m)
    assert (c.mentorship, c.recorded_by, c.date) == (m, world.teacher, TODAY)
    assert contact(world, m) == c
    assert MentorContact.objects.count() == 1
    contact(world, m, content="Gọi điện cho mẹ em")
    assert MentorContact.objects.count() == 2


def test_leaders_may_log_contacts_others_may_not(world):
    m = assign(world, world.teacher, world.s9a1[0])
    contact(world, m, user=world.vp)
    for user in (world.gvcn, world.clerk, world.principal_b):
        with pytest.raises(PermissionDenied):
            contact(world, m, user=user)
    assert MentorContact.objects.count() == 1


@pytest.mark.parametrize(
    ("date", "content", "field"),
    [
        (TODAY + datetime.timedelta(days=1), "x", "date"),
        (datetime.date(2026, 9, 30), "x", "date"),
        (TODAY, "  ", "content"),
    ],
)
def test_a_contact_in_the_future_before_the_start_or_empty_is_refused(world, date, content, field):
    m = assign(world, world.teacher, world.s9a1[0])
    with pytest.raises(ValidationError) as caught:
        contact(world, m, date=date, content=content)
    assert field in caught.value.message_dict
    assert not MentorContact.objects.exists()


def test_a_contact_after_the_end_is_refused(world):
    m = assign(world, world.teacher, world.s9a1[0])
    svc.mentorship_end(
        mentorship=m, user=world.teacher, date=datetime.date(2026, 11, 1), reason="x"
    )
    with pytest.raises(ValidationError):
        contact(world, m, date=datetime.date(2026, 11, 2))
    assert contact(world, m, date=datetime.date(2026, 10, 20)).pk


# --- reading --------------------------------------------------------------------------------------


def test_active_mentors_is_one_query(world, django_assert_num_queries):
    make_mentorship(world.teacher, world.s9a1[0])
    ended = make_mentorship(world.gvcn, world.s9a1[1])
    ended.end_date = TODAY
    ended.save()
    ids = [s.pk for s in world.s9a1]
    with django_assert_num_queries(1):
        found = active_mentors(ids)
        assert found == {world.s9a1[0].pk: world.teacher}
        assert found[world.s9a1[0].pk].full_name == "Đỗ Văn Toán"
    with django_assert_num_queries(0):
        assert active_mentors([]) == {}
    assert svc.active_mentors(ids) == found
