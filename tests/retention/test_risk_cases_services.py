"""Risk-case services: one active case per student, status changes and the enrollment movement
in both directions, the 3-visit rule for closing as dropped out, escalation, notes and actions,
a new person in charge and partners."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from retention import services_cases as services
from retention.models import AbsenceAlert, CaseEvent, HomeVisit, Partner, RiskCase
from schools.models import Role, SchoolSettings
from schools.services import role_assign
from students.models import Enrollment
from students.services import Movement, class_sizes, enrollment_record_movement

from .. import factories as f
from .risk_helpers import make_case, make_visit

pytestmark = pytest.mark.django_db
Status = RiskCase.Status
D = datetime.date
CLOSING = D(2026, 11, 2)  # the default date of a status change


def open_case(world, student=None, user=None, **kw):
    return services.case_open(
        student=student or world.s9a1[0],
        user=user or world.gvcn,
        source=kw.pop("source", RiskCase.Source.STUDENT),
        risk_factors=kw.pop("risk_factors", ["absences"]),
        on=kw.pop("on", D(2026, 10, 1)),
        **kw,
    )


def set_status(case, user, status, *, date=CLOSING, **kw):
    return services.case_set_status(
        case=case, user=user, status=status, date=date, version=case.version, **kw
    )


def size_now(classroom):
    return class_sizes([classroom])[classroom.pk].now


# --- opening ------------------------------------------------------------------------------------


def test_a_case_opens_in_charge_of_the_gvcn_with_its_first_timeline_line(world):
    case = open_case(world, user=world.principal, summary="  Nghỉ nhiều  ")
    assert case.owner == world.gvcn  # the GVCN of 9A1, not the principal who opened it
    assert case.opened_by == world.principal
    assert case.status == Status.OPEN and case.ended_on is None
    assert case.school_year == world.year_a
    assert case.summary == "Nghỉ nhiều"
    event = case.events.get()
    assert (event.kind, event.old_status, event.new_status) == (CaseEvent.Kind.STATUS, "", "open")


def test_a_student_of_a_class_without_gvcn_gets_the_opener_as_owner(world):
    case = open_case(world, student=world.s8a1[0], user=world.vp)
    assert case.owner == world.vp


def test_a_second_active_case_is_refused_naming_the_open_one(world):
    first = open_case(world)
    with pytest.raises(ValidationError) as error:
        open_case(world, user=world.principal)
    assert world.s9a1[0].full_name in error.value.messages[0]
    assert "01/10/2026" in error.value.messages[0]
    assert RiskCase.objects.filter(student=world.s9a1[0]).count() == 1
    # Once the first one has ended, a new case may be opened.
    set_status(first, world.gvcn, Status.RETURNED)
    assert open_case(world, on=D(2026, 11, 3)).pk != first.pk


def test_two_cases_saved_at_once_one_wins_and_the_other_gets_the_message(world):
    """The check passed for both (simulated by hiding the first from it): the database's unique
    constraint refuses the second, and the service turns that into the clear message."""
    open_case(world)
    real_filter = RiskCase.objects.active

    calls = {"n": 0}

    def blind_first_time():
        calls["n"] += 1
        qs = real_filter()
        return qs.none() if calls["n"] == 1 else qs

    with mock.patch.object(RiskCase.objects, "active", side_effect=blind_first_time):
        with pytest.raises(ValidationError) as error:
            open_case(world, user=world.principal)
    assert calls["n"] == 2  # blind check, then the look-up after the IntegrityError
    assert "01/10/2026" in error.value.messages[0]
    assert RiskCase.objects.filter(student=world.s9a1[0]).count() == 1


def test_the_database_refuses_two_active_cases_whatever_the_code(world):
    make_case(world.s9a1[0], world.gvcn)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_case(world.s9a1[0], world.gvcn, status=Status.MONITORING)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"risk_factors": []}, "risk_factors"),
        ({"risk_factors": ["absences", "nonsense"]}, "risk_factors"),
        ({"on": timezone.localdate() + datetime.timedelta(days=3)}, "opened_on"),
    ],
)
def test_opening_refuses_bad_input(world, kwargs, field):
    with pytest.raises(ValidationError) as error:
        open_case(world, **kwargs)
    assert field in error.value.message_dict
    assert not RiskCase.objects.exists()


def test_the_owner_must_be_active_staff_of_the_students_school(world):
    with pytest.raises(ValidationError) as error:
        open_case(world, owner=world.principal_b)
    assert "owner" in error.value.message_dict
    world.teacher.is_active = False
    world.teacher.save()
    with pytest.raises(ValidationError):
        open_case(world, owner=world.teacher)
    with pytest.raises(ValidationError):
        open_case(world, owner=world.office)
    assert not RiskCase.objects.exists()


def test_an_alert_of_another_student_is_refused(world):
    alert = AbsenceAlert.objects.create(
        student=world.s9a1[1],
        school_year=world.year_a,
        classroom=world.c9a1,
        kind=AbsenceAlert.Kind.CONSECUTIVE,
        reason="Nghỉ 4 ngày liên tiếp",
        first_day=D(2026, 9, 28),
        last_day=D(2026, 10, 1),
        opened_on=D(2026, 10, 1),
    )
    with pytest.raises(ValidationError):
        open_case(world, alert=alert, source=RiskCase.Source.ALERT)
    case = open_case(world, student=world.s9a1[1], alert=alert, source=RiskCase.Source.ALERT)
    assert case.alert == alert and case.source == RiskCase.Source.ALERT


# --- status and the enrollment movement ---------------------------------------------------------


def test_monitoring_keeps_the_case_active_and_returned_ends_it(world):
    case = open_case(world)
    set_status(case, world.gvcn, Status.MONITORING, date=D(2026, 10, 15))
    case.refresh_from_db()
    assert case.status == Status.MONITORING and case.ended_on is None and case.version == 2
    set_status(case, world.gvcn, Status.RETURNED, date=D(2026, 10, 20), note="Đã đi học lại")
    case.refresh_from_db()
    assert case.ended_on == D(2026, 10, 20) and case.end_note == "Đã đi học lại"
    statuses = list(
        case.events.filter(kind=CaseEvent.Kind.STATUS)
        .order_by("pk")
        .values_list("old_status", "new_status")
    )
    assert statuses == [("", "open"), ("open", "monitoring"), ("monitoring", "returned")]
    # The class size did not change: the student never left.
    assert Enrollment.objects.get(student=case.student).end_date is None


def test_closing_as_dropped_out_records_the_dropout_and_the_class_shrinks(world):
    case = open_case(world)
    for _ in range(3):
        make_visit(case, world.gvcn)
    before = size_now(world.c9a1)
    set_status(case, world.gvcn, Status.DROPPED_OUT, causes=["1b", "2c"], note="Đi làm nương")
    case.refresh_from_db()
    assert case.status == Status.DROPPED_OUT and case.ended_on == D(2026, 11, 2)
    span = Enrollment.objects.get(student=case.student)
    assert (span.end_date, span.end_kind) == (D(2026, 11, 2), Enrollment.EndKind.DROPPED_OUT)
    assert span.cause_list == ["1b", "2c"]
    assert size_now(world.c9a1) == before - 1
    assert class_sizes([world.c9a1])[world.c9a1.pk].dropped_out == 1


def test_dropped_out_needs_causes_and_nothing_is_saved_without_them(world):
    case = open_case(world)
    for _ in range(3):
        make_visit(case, world.gvcn)
    with pytest.raises(ValidationError) as error:
        set_status(case, world.gvcn, Status.DROPPED_OUT, causes=[])
    assert "causes" in error.value.message_dict  # the movement's own message
    with pytest.raises(ValidationError):
        set_status(case, world.gvcn, Status.DROPPED_OUT, causes=["9z"])
    case.refresh_from_db()
    assert case.status == Status.OPEN and case.version == 1
    assert Enrollment.objects.get(student=case.student).end_date is None
    assert case.events.count() == 1


def test_closing_as_transferred_records_the_transfer_out(world):
    case = open_case(world)
    set_status(case, world.gvcn, Status.TRANSFERRED, note="Chuyển đến THCS Tân Lập")
    span = Enrollment.objects.get(student=case.student)
    assert span.end_kind == Enrollment.EndKind.TRANSFER_OUT
    assert span.end_note == "Chuyển đến THCS Tân Lập"
    assert class_sizes([world.c9a1])[world.c9a1.pk].transferred_out == 1


def test_a_dropout_recorded_on_the_student_page_closes_the_case(world):
    case = open_case(world)
    enrollment_record_movement(
        student=case.student, kind=Movement.DROPPED_OUT, date=D(2026, 11, 5), causes=["1a"]
    )
    case.refresh_from_db()
    assert case.status == Status.DROPPED_OUT and case.ended_on == D(2026, 11, 5)
    event = case.events.get(new_status=Status.DROPPED_OUT)
    assert event.recorded_by == world.gvcn  # no request: the owner
    # One movement only: the span was closed once.
    assert Enrollment.objects.filter(student=case.student).count() == 1


def test_a_transfer_recorded_on_the_student_page_closes_the_case_as_transferred(world):
    case = open_case(world)
    enrollment_record_movement(
        student=case.student, kind=Movement.TRANSFER_OUT, date=D(2026, 11, 5)
    )
    case.refresh_from_db()
    assert case.status == Status.TRANSFERRED


def test_a_return_puts_the_dropped_out_case_back_to_monitoring(world):
    case = open_case(world)
    for _ in range(3):
        make_visit(case, world.gvcn)
    set_status(case, world.gvcn, Status.DROPPED_OUT, causes=["1b"])
    enrollment_record_movement(
        student=case.student, kind=Movement.RETURNED, date=D(2026, 11, 16), classroom=world.c9a1
    )
    case.refresh_from_db()
    assert case.status == Status.MONITORING and case.ended_on is None
    assert size_now(world.c9a1) == 3


def test_a_return_does_not_touch_a_case_that_ended_otherwise(world):
    student = world.s9a1[0]
    enrollment_record_movement(
        student=student, kind=Movement.DROPPED_OUT, date=D(2026, 10, 5), causes=["1a"]
    )
    closed = make_case(
        student, world.gvcn, status=Status.CLOSED, opened_on=D(2026, 9, 20), ended_on=D(2026, 9, 30)
    )
    enrollment_record_movement(
        student=student, kind=Movement.RETURNED, date=D(2026, 11, 16), classroom=world.c9a1
    )
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED


def test_closing_a_case_whose_student_already_left_records_no_second_movement(world):
    """The enrollment already ended as a dropout (e.g. recorded while the case was being
    closed): the case closes, no movement is attempted (it would be refused)."""
    case = open_case(world)
    for _ in range(3):
        make_visit(case, world.gvcn)
    token = services._recording_movement.set(True)  # record it without the case noticing
    try:
        enrollment_record_movement(
            student=case.student, kind=Movement.DROPPED_OUT, date=D(2026, 11, 2), causes=["1a"]
        )
    finally:
        services._recording_movement.reset(token)
    set_status(case, world.gvcn, Status.DROPPED_OUT, causes=["1a"])
    case.refresh_from_db()
    assert case.status == Status.DROPPED_OUT
    assert Enrollment.objects.filter(student=case.student).count() == 1


# --- the 3-visit rule ---------------------------------------------------------------------------


def test_dropped_out_with_fewer_than_3_visits_is_refused_to_the_gvcn_and_the_vp(world):
    case = open_case(world)
    make_visit(case, world.gvcn)
    make_visit(case, world.gvcn)
    for user in (world.gvcn, world.vp):
        with pytest.raises(ValidationError) as error:
            set_status(
                case, user, Status.DROPPED_OUT, causes=["1b"], override_reason="Gia đình chuyển đi"
            )
        assert "status" in error.value.message_dict
    case.refresh_from_db()
    assert case.status == Status.OPEN and case.dropout_override_by is None
    assert Enrollment.objects.get(student=case.student).end_date is None


def test_the_principal_overrides_the_visit_rule_only_with_a_reason(world):
    case = open_case(world)
    make_visit(case, world.gvcn)
    with pytest.raises(ValidationError) as error:
        set_status(case, world.principal, Status.DROPPED_OUT, causes=["5a"])
    assert "override_reason" in error.value.message_dict
    set_status(
        case,
        world.principal,
        Status.DROPPED_OUT,
        causes=["5a"],
        override_reason="Em đã lập gia đình, gia đình chuyển vào Nam",
    )
    case.refresh_from_db()
    assert case.status == Status.DROPPED_OUT
    assert case.dropout_override_by == world.principal
    assert case.dropout_override_reason.startswith("Em đã lập gia đình")
    assert Enrollment.objects.get(student=case.student).end_kind == Enrollment.EndKind.DROPPED_OUT


def test_the_visit_rule_follows_the_school_setting(world):
    settings_a = SchoolSettings.for_school(world.school_a)
    settings_a.visits_before_escalation = 1
    settings_a.save()
    case = open_case(world)
    make_visit(case, world.gvcn)
    set_status(case, world.gvcn, Status.DROPPED_OUT, causes=["1b"])
    case.refresh_from_db()
    assert case.status == Status.DROPPED_OUT and case.dropout_override_by is None


# --- stale forms and bad dates ------------------------------------------------------------------


def test_a_stale_version_is_refused_and_nothing_changes(world):
    case = open_case(world)
    stale = RiskCase.objects.get(pk=case.pk)
    set_status(case, world.gvcn, Status.MONITORING)
    with pytest.raises(ValidationError) as error:
        set_status(stale, world.principal, Status.RETURNED)  # version 1, the case is at 2
    assert error.value.code == "stale"
    case.refresh_from_db()
    assert case.status == Status.MONITORING and case.version == 2
    assert case.events.count() == 2


@pytest.mark.parametrize(
    "date",
    [D(2026, 9, 30), timezone.localdate() + datetime.timedelta(days=1)],
)
def test_a_status_date_before_the_case_or_in_the_future_is_refused(world, date):
    case = open_case(world)
    with pytest.raises(ValidationError) as error:
        set_status(case, world.gvcn, Status.RETURNED, date=date)
    assert "date" in error.value.message_dict
    case.refresh_from_db()
    assert case.status == Status.OPEN


def test_an_ended_case_and_the_same_status_are_refused(world):
    case = open_case(world)
    with pytest.raises(ValidationError):
        set_status(case, world.gvcn, Status.OPEN)
    set_status(case, world.gvcn, Status.CLOSED)
    case.refresh_from_db()
    with pytest.raises(ValidationError):
        set_status(case, world.gvcn, Status.MONITORING)


# --- escalation ---------------------------------------------------------------------------------


def test_three_failed_visits_escalate_once(world):
    case = open_case(world)
    make_visit(case, world.gvcn, outcome=HomeVisit.Outcome.NOBODY_HOME)
    make_visit(case, world.gvcn, outcome=HomeVisit.Outcome.WILL_THINK)
    assert services.case_escalate_if_due(case) is False  # two failed: not yet
    make_visit(case, world.teacher, outcome=HomeVisit.Outcome.REFUSES)
    assert services.case_escalate_if_due(case) is True
    case.refresh_from_db()
    assert case.escalated_at is not None and "3" in case.escalation_reason
    event = case.events.get(kind=CaseEvent.Kind.ESCALATED)
    assert event.recorded_by == world.teacher  # whose visit made it due
    # Idempotent: a second call (or a fourth visit) changes nothing.
    assert services.case_escalate_if_due(case) is False
    make_visit(case, world.gvcn)
    assert services.case_escalate_if_due(case) is False
    assert case.events.filter(kind=CaseEvent.Kind.ESCALATED).count() == 1


def test_a_will_return_among_three_visits_does_not_escalate(world):
    case = open_case(world)
    make_visit(case, world.gvcn, outcome=HomeVisit.Outcome.NOBODY_HOME)
    make_visit(case, world.gvcn, outcome=HomeVisit.Outcome.WILL_RETURN)
    make_visit(case, world.gvcn, outcome=HomeVisit.Outcome.REFUSES)
    assert services.case_escalate_if_due(case) is False
    case.refresh_from_db()
    assert case.escalated_at is None


def test_the_latest_visit_bringing_the_student_back_stops_escalation(world):
    """Visits entered late (offline forms): three failed ones, then the family promised."""
    case = open_case(world)
    for _ in range(3):
        make_visit(case, world.gvcn)
    later = case.visits.order_by("-started_at").first().started_at + datetime.timedelta(days=2)
    make_visit(case, world.gvcn, outcome=HomeVisit.Outcome.WILL_RETURN, when=later)
    assert services.case_escalate_if_due(case) is False


def test_an_ended_case_is_never_escalated(world):
    case = make_case(world.s9a1[0], world.gvcn, status=Status.CLOSED)
    for _ in range(3):
        make_visit(case, world.gvcn)
    assert services.case_escalate_if_due(case) is False


# --- timeline events, owner, partners -----------------------------------------------------------


def test_a_leadership_action_is_for_leaders_only_and_names_what_they_did(world):
    case = open_case(world)
    with pytest.raises(ValidationError) as error:
        services.case_add_event(
            case=case,
            user=world.gvcn,
            kind=CaseEvent.Kind.LEADERSHIP,
            date=D(2026, 11, 2),
            text="Đến nhà",
            action=CaseEvent.Action.OWN_VISIT,
        )
    assert "kind" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_add_event(
            case=case, user=world.vp, kind="leadership", date=D(2026, 11, 2), text="Đến nhà"
        )
    assert "action" in error.value.message_dict
    event = services.case_add_event(
        case=case,
        user=world.vp,
        kind=CaseEvent.Kind.LEADERSHIP,
        date=D(2026, 11, 2),
        text="Cùng trưởng thôn đến nhà",
        action=CaseEvent.Action.OWN_VISIT,
    )
    assert event.recorded_by == world.vp and event.action == "own_visit"


def test_a_partner_action_needs_a_partner_of_the_same_school(world):
    case = open_case(world)
    mine = Partner.objects.create(school=world.school_a, kind="commune", name="UBND xã A")
    theirs = Partner.objects.create(school=world.school_b, kind="commune", name="UBND xã B")
    base = {"case": case, "user": world.gvcn, "kind": "partner", "date": D(2026, 11, 2)}
    with pytest.raises(ValidationError) as error:
        services.case_add_event(**base, text="Họp", partner=None)
    assert "partner" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_add_event(**base, text="Họp", partner=theirs)
    assert "partner" in error.value.message_dict
    event = services.case_add_event(**base, text="Xã cử cán bộ đến nhà", partner=mine)
    assert event.partner == mine


@pytest.mark.parametrize(
    ("date", "text", "kind", "field"),
    [
        (D(2026, 9, 30), "Ghi chú", "note", "date"),
        (timezone.localdate() + datetime.timedelta(days=1), "Ghi chú", "note", "date"),
        (D(2026, 11, 2), "   ", "note", "text"),
        (D(2026, 11, 2), "Ghi chú", "status", "kind"),
    ],
)
def test_a_note_refuses_bad_input(world, date, text, kind, field):
    case = open_case(world)
    with pytest.raises(ValidationError) as error:
        services.case_add_event(case=case, user=world.gvcn, kind=kind, date=date, text=text)
    assert field in error.value.message_dict
    assert case.events.count() == 1


def test_a_new_person_in_charge(world):
    case = open_case(world)
    services.case_change_owner(case=case, user=world.principal, owner=world.teacher, version=1)
    case.refresh_from_db()
    assert case.owner == world.teacher and case.version == 2
    assert case.events.filter(kind=CaseEvent.Kind.OWNER).count() == 1
    with pytest.raises(ValidationError):  # stale
        services.case_change_owner(case=case, user=world.principal, owner=world.vp, version=1)
    with pytest.raises(ValidationError):  # another school's staff
        services.case_change_owner(
            case=case, user=world.principal, owner=world.principal_b, version=2
        )
    case.refresh_from_db()
    assert case.owner == world.teacher


def test_partner_names_are_unique_per_school(world):
    data = {"kind": "village_team", "name": "Tổ vận động thôn 3", "phone": "0912 345 678"}
    partner = services.partner_save(school=world.school_a, user=world.principal, data=data)
    with pytest.raises(ValidationError) as error:
        services.partner_save(
            school=world.school_a, user=world.principal, data={**data, "name": "tổ vận động thôn 3"}
        )
    assert "name" in error.value.message_dict
    # The same name in another school is another partner.
    services.partner_save(school=world.school_b, user=world.principal_b, data=data)
    services.partner_save(
        school=world.school_a,
        user=world.principal,
        data={"notes": "Rất nhiệt tình"},
        partner=partner,
    )
    partner.refresh_from_db()
    assert partner.notes == "Rất nhiệt tình" and partner.name == "Tổ vận động thôn 3"


def test_a_vp_of_grade_6_is_a_leader_for_actions(world):
    vp6 = f.UserFactory(username="vp6", full_name="Phan Văn Sáu", school=world.school_a)
    role_assign(user=vp6, role=Role.VICE_PRINCIPAL, school_year=world.year_a, grade_blocks="6")
    case = open_case(world)
    event = services.case_add_event(
        case=case, user=vp6, kind="leadership", date=D(2026, 11, 2), text="Họp", action="other"
    )
    assert event.kind == "leadership"
