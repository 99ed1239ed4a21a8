"""Risk-case pages per role: the list, opening a case (student page, alert), the case page and
who may read it, status changes (stale forms, the visit rule, garbage), notes and actions, the
escalated list by grade block, partners, and the panels. Outsiders get 404 and change nothing."""

import datetime

import pytest
from django.urls import reverse

from retention.models import (
    AbsenceAlert,
    CaseEvent,
    HomeVisit,
    Partner,
    RecordAccess,
    RiskCase,
)
from schools.models import Role
from schools.services import role_assign
from students.models import Enrollment

from .. import factories as f
from ..conftest import login
from .risk_helpers import make_case, make_mentorship, make_visit

pytestmark = pytest.mark.django_db
Status = RiskCase.Status
D = datetime.date


@pytest.fixture
def cases(world):
    """An open case of 9A1 (GVCN in charge, one failed visit), an open case of 8A1 (the VP in
    charge) and School B's case."""
    c9 = make_case(world.s9a1[0], world.gvcn, opened_on=D(2026, 10, 1))
    make_visit(c9, world.gvcn)
    c8 = make_case(world.s8a1[0], world.vp, opened_on=D(2026, 10, 1))
    cb = make_case(world.s9b1[0], world.principal_b, opened_on=D(2026, 10, 1))
    return {"9a1": c9, "8a1": c8, "b": cb}


def listed(response):
    return [row.case for row in response.context["data"].rows]


def counts():
    return (
        RiskCase.objects.count(),
        CaseEvent.objects.count(),
        Enrollment.objects.filter(end_date__isnull=False).count(),
        Partner.objects.count(),
    )


# --- the list ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("principal", ["8a1", "9a1"]),
        ("vp", ["8a1", "9a1"]),
        ("gvcn", ["9a1"]),
        ("principal_b", ["b"]),
    ],
)
def test_each_role_lists_the_cases_it_may_read(client, world, cases, role, expected):
    login(client, getattr(world, role))
    response = client.get(reverse("case_list"))
    assert response.status_code == 200
    assert sorted(listed(response), key=lambda c: c.pk) == sorted(
        (cases[k] for k in expected), key=lambda c: c.pk
    )


@pytest.mark.parametrize("role", ["teacher", "clerk", "youth", "group_head", "office"])
def test_people_without_cases_get_no_case_list(client, world, cases, role):
    login(client, getattr(world, role))
    assert client.get(reverse("case_list")).status_code == 403


def test_the_list_shows_visits_failed_mentor_class_and_next_step(client, world, cases):
    c9 = cases["9a1"]
    make_visit(c9, world.gvcn, outcome=HomeVisit.Outcome.WILL_RETURN, next_date=D(2026, 11, 30))
    make_mentorship(world.teacher, world.s9a1[0])
    login(client, world.principal)
    row = next(r for r in client.get(reverse("case_list")).context["data"].rows if r.case == c9)
    assert (row.case.visits_count, row.case.failed_count) == (2, 1)
    assert row.case.mentor_name == world.teacher.full_name
    assert row.case.class_name == "9A1"
    assert row.case.next_date == D(2026, 11, 30)


def test_the_list_filters_and_counts(client, world, cases):
    make_case(world.s9a1[1], world.gvcn, status=Status.RETURNED, opened_on=D(2026, 9, 10))  # ended
    cases["8a1"].escalated_at = "2026-11-01T08:00:00+07:00"
    cases["8a1"].save()
    login(client, world.principal)
    data = client.get(reverse("case_list")).context["data"]
    assert data.active_count == 2 and data.counts["returned"] == 1 and data.escalated_count == 1
    assert len(listed(client.get(reverse("case_list"), {"show": "all"}))) == 3
    assert listed(client.get(reverse("case_list"), {"escalated": "on"})) == [cases["8a1"]]
    assert listed(client.get(reverse("case_list"), {"classroom": world.c9a1.pk})) == [cases["9a1"]]
    assert listed(client.get(reverse("case_list"), {"mine": "on"})) == []
    login(client, world.vp)
    assert listed(client.get(reverse("case_list"), {"mine": "on"})) == [cases["8a1"]]


def test_garbage_filters_are_ignored(client, world, cases):
    login(client, world.principal)
    response = client.get(
        reverse("case_list"), {"show": "zzz", "classroom": "abc", "page": "-4", "mine": "x"}
    )
    assert response.status_code == 200
    assert len(listed(response)) == 2


def test_a_vp_sees_their_grade_blocks_first(client, world, cases):
    c6 = f.ClassroomFactory(school_year=world.year_a, name="6A1", grade=6)
    s6 = f.StudentFactory(school=world.school_a)
    f.enroll(s6, c6)
    case6 = make_case(s6, world.principal)
    vp6 = f.UserFactory(username="vp6", full_name="Phan Văn Sáu", school=world.school_a)
    role_assign(user=vp6, role=Role.VICE_PRINCIPAL, school_year=world.year_a, grade_blocks="6")
    login(client, vp6)
    assert listed(client.get(reverse("case_list")))[0] == case6
    login(client, world.vp)
    assert listed(client.get(reverse("case_list")))[-1] == case6


# --- opening a case ------------------------------------------------------------------------------


def test_the_gvcn_opens_a_case_from_the_student_page(client, world):
    student = world.s9a1[1]
    login(client, world.gvcn)
    url = f"{reverse('case_open')}?student={student.pk}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial["owner"] == world.gvcn.pk
    response = client.post(
        url,
        {
            "risk_factors": ["absences", "poor"],
            "summary": "Nghỉ 5 ngày",
            "owner": world.gvcn.pk,
            "opened_on": "02/11/2026",
        },
    )
    case = RiskCase.objects.get(student=student)
    assert response.status_code == 302 and response["Location"] == reverse(
        "case_detail", args=[case.pk]
    )
    assert case.factor_list == ["absences", "poor"] and case.source == RiskCase.Source.STUDENT
    assert case.opened_on == D(2026, 11, 2)


def test_opening_a_second_case_keeps_the_form_and_saves_nothing(client, world, cases):
    login(client, world.gvcn)
    url = f"{reverse('case_open')}?student={world.s9a1[0].pk}"
    response = client.get(url)
    assert response.context["active"] == cases["9a1"]
    response = client.post(
        url,
        {
            "risk_factors": ["weak"],
            "summary": "Lần 2",
            "owner": world.gvcn.pk,
            "opened_on": "02/11/2026",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert response.context["form"].data["summary"] == "Lần 2"
    assert RiskCase.objects.filter(student=world.s9a1[0]).count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"risk_factors": ["absences"], "owner": "x", "opened_on": "32/13/2026"},
        {"risk_factors": ["nope"], "owner": "1", "opened_on": "02/11/2026"},
        {"risk_factors": "absences", "opened_on": "31/12/2099"},
        {},
    ],
)
def test_garbage_when_opening_a_case_is_a_form_error(client, world, data):
    login(client, world.gvcn)
    url = f"{reverse('case_open')}?student={world.s9a1[1].pk}"
    response = client.post(url, data)
    assert response.status_code == 200
    assert not RiskCase.objects.exists()


@pytest.mark.parametrize(
    ("role", "student", "status"),
    [
        ("gvcn", lambda w: w.s9b1[0].pk, 404),  # another school
        ("gvcn", lambda w: "abc", 404),  # tampered
        ("gvcn", lambda w: 999999, 404),
        ("gvcn", lambda w: w.s8a1[0].pk, 403),  # same school, not their class
        ("teacher", lambda w: w.s8a1[0].pk, 403),
        ("clerk", lambda w: w.s9a1[0].pk, 403),
        ("office", lambda w: w.s9a1[0].pk, 404),
        ("principal_b", lambda w: w.s9a1[0].pk, 404),
    ],
)
def test_who_may_not_open_a_case(client, world, role, student, status):
    login(client, getattr(world, role))
    url = f"{reverse('case_open')}?student={student(world)}"
    assert client.get(url).status_code == status
    response = client.post(
        url, {"risk_factors": ["absences"], "owner": world.gvcn.pk, "opened_on": "02/11/2026"}
    )
    assert response.status_code == status
    assert not RiskCase.objects.exists()


def test_opening_a_case_without_a_student_leads_to_the_list(client, world):
    login(client, world.gvcn)
    response = client.get(reverse("case_open"))
    assert response.status_code == 302 and response["Location"] == reverse("case_list")
    assert client.post(reverse("case_open"), {"risk_factors": ["absences"]}).status_code == 302
    assert not RiskCase.objects.exists()


def _alert(student, classroom, year):
    return AbsenceAlert.objects.create(
        student=student,
        school_year=year,
        classroom=classroom,
        kind=AbsenceAlert.Kind.CONSECUTIVE,
        reason="Nghỉ 4 ngày liên tiếp",
        first_day=D(2026, 10, 26),
        last_day=D(2026, 10, 29),
        opened_on=D(2026, 10, 29),
    )


def test_a_case_opened_from_an_alert_is_prefilled_and_linked(client, world):
    alert = _alert(world.s9a1[0], world.c9a1, world.year_a)
    login(client, world.gvcn)
    url = reverse("risk_case_open_from_alert", args=[alert.pk])
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["risk_factors"] == ["absences"]
    assert "Nghỉ 4 ngày liên tiếp" in form.initial["summary"]
    assert "26/10/2026" in form.initial["summary"]
    client.post(
        url,
        {
            "risk_factors": ["absences"],
            "summary": form.initial["summary"],
            "owner": world.gvcn.pk,
            "opened_on": "02/11/2026",
        },
    )
    case = RiskCase.objects.get()
    assert (case.source, case.alert, case.student) == ("alert", alert, world.s9a1[0])


def test_the_alert_list_offers_to_open_a_case(client, world):
    alert = _alert(world.s9a1[0], world.c9a1, world.year_a)
    from retention.selectors_alerts import risk_case_url

    assert risk_case_url(alert) == reverse("risk_case_open_from_alert", args=[alert.pk])


def test_another_schools_alert_is_404(client, world):
    alert = _alert(world.s9b1[0], world.c9b1, world.year_b)
    for role in ("principal", "gvcn", "office"):
        login(client, getattr(world, role))
        url = reverse("risk_case_open_from_alert", args=[alert.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"risk_factors": ["absences"]}).status_code == 404
    assert not RiskCase.objects.exists()


def test_a_subject_teacher_reading_an_alert_may_not_open_a_case(client, world):
    alert = _alert(world.s8a1[0], world.c8a1, world.year_a)
    login(client, world.teacher)
    assert client.get(reverse("risk_case_open_from_alert", args=[alert.pk])).status_code == 403


# --- the case page -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["principal", "vp", "gvcn"])
def test_the_case_page_is_read_and_logged(client, world, cases, role):
    login(client, getattr(world, role))
    case = cases["9a1"]
    response = client.get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 200
    access = RecordAccess.objects.get()
    assert (access.user, access.kind, access.object_id, access.student_id_ref) == (
        getattr(world, role),
        RecordAccess.Kind.CASE,
        case.pk,
        case.student_id,
    )
    page = response.content.decode()
    assert 'id="student-essentials"' in page and 'id="timeline"' in page
    assert response.context["detail"].visits_count == 1


@pytest.mark.parametrize("role", ["teacher", "clerk", "youth", "group_head", "office"])
def test_people_who_do_not_work_on_the_case_get_404_and_no_log(client, world, cases, role):
    login(client, getattr(world, role))
    assert client.get(reverse("case_detail", args=[cases["9a1"].pk])).status_code == 404
    assert not RecordAccess.objects.exists()


def test_a_teacher_present_at_a_visit_and_the_mentor_can_read_the_case(client, world, cases):
    case = cases["9a1"]
    url = reverse("case_detail", args=[case.pk])
    login(client, world.teacher)
    assert client.get(url).status_code == 404
    case.visits.first().staff_present.add(world.teacher)
    assert client.get(url).status_code == 200
    youth_mentor = world.youth
    login(client, youth_mentor)
    assert client.get(url).status_code == 404
    make_mentorship(youth_mentor, case.student)
    assert client.get(url).status_code == 200
    # Reading is not changing.
    assert client.get(reverse("case_status", args=[case.pk])).status_code == 403


def test_the_outsider_gets_404_everywhere_and_nothing_changes(client, world, cases):
    before = counts()
    cb = cases["b"]
    for role in ("principal", "vp", "gvcn", "teacher", "clerk", "office", "office_z_user"):
        login(client, getattr(world, role))
        for name in ("case_detail", "case_status", "case_event_add", "case_owner"):
            url = reverse(name, args=[cb.pk])
            assert client.get(url).status_code == 404, (role, name)
            post = client.post(
                url,
                {"status": "dropped_out", "version": cb.version, "date": "02/11/2026"},
            )
            assert post.status_code in (404, 405), (role, name)
    cb.refresh_from_db()
    assert cb.status == Status.OPEN and counts() == before


def test_case_page_buttons_follow_what_the_person_may_do(client, world, cases):
    case = cases["9a1"]
    login(client, world.gvcn)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'id="btn-status"' in page and 'id="btn-leadership"' not in page
    login(client, world.principal)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'id="btn-leadership"' in page
    case.visits.first().staff_present.add(world.teacher)
    login(client, world.teacher)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'id="btn-status"' not in page and 'id="btn-note"' not in page


def test_the_escalation_banner(client, world, cases):
    case = cases["9a1"]
    case.escalated_at = "2026-11-01T08:00:00+07:00"
    case.escalation_reason = "3 lần đến nhà không kết quả"
    case.save()
    login(client, world.gvcn)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'id="escalation-banner"' in page and "3 lần đến nhà không kết quả" in page


# --- status changes ------------------------------------------------------------------------------


def status_post(client, case, **data):
    payload = {"version": case.version, "date": "02/11/2026", "note": "", **data}
    return client.post(reverse("case_status", args=[case.pk]), payload)


def test_the_gvcn_moves_a_case_to_monitoring(client, world, cases):
    case = cases["9a1"]
    login(client, world.gvcn)
    assert client.get(reverse("case_status", args=[case.pk])).status_code == 200
    response = status_post(client, case, status="monitoring")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.MONITORING and case.version == 2


def test_a_stale_form_shows_a_message_and_changes_nothing(client, world, cases):
    case = cases["9a1"]
    login(client, world.gvcn)
    status_post(client, case, status="monitoring")  # version 1 → 2
    response = status_post(client, case, status="returned")  # still version 1
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors()
    assert form.data["version"] == "2"  # the next send is a decision on fresh facts
    case.refresh_from_db()
    assert case.status == Status.MONITORING and case.version == 2
    assert case.events.filter(kind=CaseEvent.Kind.STATUS).count() == 1


def test_the_gvcn_cannot_close_as_dropped_out_with_one_visit(client, world, cases):
    case = cases["9a1"]
    login(client, world.gvcn)
    response = status_post(client, case, status="dropped_out", causes=["1b"])
    assert response.status_code == 200
    assert "override_reason" not in response.context["form"].fields
    assert response.context["form"].errors["status"]
    case.refresh_from_db()
    assert case.status == Status.OPEN
    assert Enrollment.objects.get(student=case.student).end_date is None


def test_the_principal_closes_as_dropped_out_with_a_reason_and_the_class_shrinks(
    client, world, cases
):
    case = cases["9a1"]
    login(client, world.principal)
    response = status_post(client, case, status="dropped_out", causes=["1b"])
    assert response.context["form"].errors["override_reason"]
    response = status_post(
        client, case, status="dropped_out", causes=["1b"], override_reason="Gia đình chuyển đi xa"
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DROPPED_OUT and case.dropout_override_by == world.principal
    assert Enrollment.objects.get(student=case.student).end_kind == "dropped_out"
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'id="override-note"' in page


@pytest.mark.parametrize(
    "data",
    [
        {"status": "flying", "version": "1", "date": "02/11/2026"},
        {"status": "monitoring", "version": "abc", "date": "02/11/2026"},
        {"status": "monitoring", "version": "1", "date": "99/99/9999"},
        {"status": "monitoring", "version": "1", "date": "31/12/2099"},
        {"status": "monitoring", "version": "1", "date": "01/09/2026"},  # before it opened
        {"status": "dropped_out", "version": "1", "date": "02/11/2026", "causes": ["zz"]},
        {},
    ],
)
def test_garbage_status_posts_are_form_errors(client, world, cases, data):
    case = cases["9a1"]
    login(client, world.principal)
    response = client.post(reverse("case_status", args=[case.pk]), data)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == Status.OPEN and case.version == 1


def test_an_ended_case_status_page_says_so_and_refuses(client, world, cases):
    case = cases["9a1"]
    login(client, world.gvcn)
    status_post(client, case, status="closed")
    case.refresh_from_db()
    response = status_post(client, case, status="monitoring")
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == Status.CLOSED


# --- notes and actions ---------------------------------------------------------------------------


def test_the_gvcn_adds_a_note_but_not_a_leadership_action(client, world, cases):
    case = cases["9a1"]
    login(client, world.gvcn)
    url = reverse("case_event_add", args=[case.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "action" not in response.context["form"].fields
    response = client.post(
        url, {"kind": "leadership", "date": "02/11/2026", "text": "Tự ghi", "action": "other"}
    )
    assert response.status_code == 200
    response = client.post(url, {"kind": "note", "date": "02/11/2026", "text": "Gọi điện cho mẹ"})
    assert response.status_code == 302
    assert list(case.events.filter(kind="note").values_list("text", flat=True)) == [
        "Gọi điện cho mẹ"
    ]
    assert not case.events.filter(kind="leadership").exists()


def test_the_vp_records_a_leadership_action_and_a_partner_action(client, world, cases):
    case = cases["9a1"]
    partner = Partner.objects.create(school=world.school_a, kind="commune", name="UBND xã A")
    other = Partner.objects.create(school=world.school_b, kind="commune", name="UBND xã B")
    login(client, world.vp)
    url = reverse("case_event_add", args=[case.pk])
    assert client.get(url + "?kind=leadership").context["form"].initial["kind"] == "leadership"
    client.post(
        url,
        {
            "kind": "leadership",
            "date": "02/11/2026",
            "text": "Cùng trưởng thôn",
            "action": "own_visit",
        },
    )
    response = client.post(
        url, {"kind": "partner", "date": "02/11/2026", "text": "Xã hỗ trợ", "partner": other.pk}
    )
    assert response.status_code == 200  # another school's partner is not a choice
    client.post(
        url, {"kind": "partner", "date": "02/11/2026", "text": "Xã hỗ trợ", "partner": partner.pk}
    )
    assert sorted(case.events.exclude(kind="status").values_list("kind", flat=True)) == [
        "leadership",
        "partner",
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "note", "date": "31/12/2099", "text": "x"},
        {"kind": "note", "date": "02/11/2026", "text": ""},
        {"kind": "note", "date": "garbage", "text": "x"},
        {"kind": "escalated", "date": "02/11/2026", "text": "x"},
        {"kind": "partner", "date": "02/11/2026", "text": "x", "partner": "abc"},
        {},
    ],
)
def test_bad_notes_are_refused(client, world, cases, data):
    case = cases["9a1"]
    login(client, world.gvcn)
    response = client.post(reverse("case_event_add", args=[case.pk]), data)
    assert response.status_code == 200
    assert not case.events.exists()


def test_changing_the_person_in_charge(client, world, cases):
    case = cases["9a1"]
    login(client, world.principal)
    url = reverse("case_owner", args=[case.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"owner": world.principal_b.pk, "version": 1})
    assert response.status_code == 200  # not a choice: another school's staff
    response = client.post(url, {"owner": world.teacher.pk, "version": 1})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner == world.teacher
    response = client.post(url, {"owner": world.vp.pk, "version": 1})  # stale
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    case.refresh_from_db()
    assert case.owner == world.teacher


# --- escalated list ------------------------------------------------------------------------------


@pytest.fixture
def escalated(world, cases):
    case = cases["9a1"]
    make_visit(case, world.gvcn)
    make_visit(case, world.gvcn)
    from retention.services_cases import case_escalate_if_due

    assert case_escalate_if_due(case)
    return case


def test_the_principal_and_the_vp_of_grade_9_see_the_escalated_case(client, world, escalated):
    for role in ("principal", "vp"):
        login(client, getattr(world, role))
        response = client.get(reverse("escalated_list"))
        assert response.status_code == 200
        rows = response.context["data"].rows
        assert [r.case for r in rows] == [escalated]
        assert [v.number for v in rows[0].visits] == [1, 2, 3]
        assert rows[0].events == []  # nothing done since: the escalation itself is the banner


def test_the_escalated_list_shows_what_the_leadership_did_since(client, world, escalated):
    login(client, world.vp)
    client.post(
        reverse("case_event_add", args=[escalated.pk]),
        {
            "kind": "leadership",
            "date": "02/11/2026",
            "text": "Họp với xã",
            "action": "commune_meeting",
        },
    )
    row = client.get(reverse("escalated_list")).context["data"].rows[0]
    assert [(e.kind, e.action, e.text) for e in row.events] == [
        ("leadership", "commune_meeting", "Họp với xã")
    ]


def test_a_vp_of_grade_6_sees_it_only_with_all_grades(client, world, escalated):
    vp6 = f.UserFactory(username="vp6", full_name="Phan Văn Sáu", school=world.school_a)
    role_assign(user=vp6, role=Role.VICE_PRINCIPAL, school_year=world.year_a, grade_blocks="6")
    login(client, vp6)
    data = client.get(reverse("escalated_list")).context["data"]
    assert data.rows == [] and data.hidden == 1
    data = client.get(reverse("escalated_list"), {"all": "1"}).context["data"]
    assert [r.case for r in data.rows] == [escalated]


@pytest.mark.parametrize("role", ["gvcn", "teacher", "clerk", "office", "youth"])
def test_the_escalated_list_is_the_leaderships(client, world, escalated, role):
    login(client, getattr(world, role))
    assert client.get(reverse("escalated_list")).status_code == 403


def test_the_outsiders_principal_does_not_see_our_escalated_case(client, world, escalated):
    login(client, world.principal_b)
    assert client.get(reverse("escalated_list")).context["data"].rows == []


def test_the_leaders_home_panel_links_to_the_escalated_list(client, world, escalated):
    login(client, world.principal)
    page = client.get(reverse("home")).content.decode()
    assert 'id="cases-home"' in page and 'id="home-escalated"' in page


# --- partners ------------------------------------------------------------------------------------


def test_partners_are_listed_with_what_they_did(client, world, cases):
    partner = Partner.objects.create(school=world.school_a, kind="village_team", name="Tổ thôn 3")
    Partner.objects.create(school=world.school_b, kind="commune", name="UBND xã B")
    CaseEvent.objects.create(
        case=cases["9a1"],
        kind="partner",
        partner=partner,
        date=D(2026, 11, 2),
        text="Tổ đến nhà vận động",
        recorded_by=world.gvcn,
    )
    login(client, world.gvcn)
    response = client.get(reverse("partner_list"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r.partner.name, r.actions, r.last_text) for r in rows] == [
        ("Tổ thôn 3", 1, "Tổ đến nhà vận động")
    ]
    assert not response.context["can_manage"]


@pytest.mark.parametrize("role", ["teacher", "office", "youth"])
def test_people_without_cases_do_not_see_partners(client, world, role):
    login(client, getattr(world, role))
    assert client.get(reverse("partner_list")).status_code == 403


def test_the_principal_adds_and_edits_a_partner_the_gvcn_may_not(client, world):
    data = {
        "kind": "commune",
        "name": "UBND  xã  Tân Lập",
        "phone": "0912345678",
        "is_active": "on",
    }
    login(client, world.gvcn)
    assert client.post(reverse("partner_create"), data).status_code == 403
    login(client, world.principal)
    assert client.post(reverse("partner_create"), data).status_code == 302
    partner = Partner.objects.get()
    assert partner.name == "UBND xã Tân Lập" and partner.school == world.school_a
    response = client.post(reverse("partner_create"), data)
    assert response.status_code == 200 and response.context["form"].errors["name"]
    edit = reverse("partner_edit", args=[partner.pk])
    assert client.get(edit).context["form"].initial["name"] == "UBND xã Tân Lập"
    client.post(edit, {**data, "notes": "Chủ tịch xã rất quan tâm", "is_active": ""})
    partner.refresh_from_db()
    assert partner.notes == "Chủ tịch xã rất quan tâm" and not partner.is_active
    login(client, world.gvcn)
    assert client.get(edit).status_code == 403
    assert client.post(reverse("partner_create"), {"kind": "zz"}).status_code == 403


def test_another_schools_partner_is_404(client, world):
    partner = Partner.objects.create(school=world.school_b, kind="commune", name="UBND xã B")
    login(client, world.principal)
    url = reverse("partner_edit", args=[partner.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"kind": "commune", "name": "Đổi tên"}).status_code == 404
    partner.refresh_from_db()
    assert partner.name == "UBND xã B"


def test_garbage_partner_form_is_a_form_error(client, world):
    login(client, world.principal)
    response = client.post(reverse("partner_create"), {"kind": "zz", "name": ""})
    assert response.status_code == 200 and not Partner.objects.exists()


# --- panels --------------------------------------------------------------------------------------


def test_the_student_page_offers_to_open_a_case_to_the_gvcn(client, world):
    login(client, world.gvcn)
    page = client.get(reverse("student_detail", args=[world.s9a1[1].pk])).content.decode()
    assert 'id="cases-panel"' in page and 'id="open-case"' in page


def test_the_student_page_lists_the_case_without_a_second_open_button(client, world, cases):
    login(client, world.gvcn)
    page = client.get(reverse("student_detail", args=[world.s9a1[0].pk])).content.decode()
    assert 'id="cases-panel"' in page and 'id="open-case"' not in page
    assert f'data-case="{cases["9a1"].pk}"' in page


@pytest.mark.parametrize(("role", "student"), [("teacher", "s8a1"), ("clerk", "s9a1")])
def test_the_student_page_hides_cases_from_people_who_do_not_reach_them(
    client, world, cases, role, student
):
    login(client, getattr(world, role))
    response = client.get(reverse("student_detail", args=[getattr(world, student)[0].pk]))
    assert response.status_code == 200
    assert 'id="cases-panel"' not in response.content.decode()


def test_the_gvcn_home_panel_shows_due_visits(client, world, cases):
    make_visit(cases["9a1"], world.gvcn, next_date=D(2026, 11, 1))
    login(client, world.gvcn)
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert 'id="cases-home"' in page and 'id="home-cases"' in page
    panel = next(
        p for p in response.context["panels"] if p.template.endswith("cases/home_panel.html")
    )
    assert [c.pk for c in panel.context["data"].due] == [cases["9a1"].pk]


@pytest.mark.parametrize("role", ["teacher", "clerk", "office"])
def test_no_home_panel_for_people_without_cases(client, world, cases, role):
    login(client, getattr(world, role))
    assert 'id="cases-home"' not in client.get(reverse("home")).content.decode()
