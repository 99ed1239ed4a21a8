"""Query counts of the case pages: the case list, the case timeline, the escalated list and the
partners page cost the same with 2 cases (or a short timeline) as with many."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from retention.models import CaseEvent, FamilyContact, HomeVisit, Partner, Support
from retention.selectors_cases import case_detail, case_list, escalated_list
from schools.models import Role
from schools.services import role_assign

from .. import factories as f
from ..conftest import login
from .risk_helpers import make_case, make_mentorship, make_visit
from .test_alerts_helpers import roll

pytestmark = pytest.mark.django_db
D = datetime.date


def add_students(world, n, classroom=None):
    classroom = classroom or world.c9a2
    out = []
    for i in range(n):
        s = f.StudentFactory(school=world.school_a, family_name="Nguyễn Văn", given_name=f"Em{i}")
        f.enroll(s, classroom)
        out.append(s)
    return out


def full_case(world, student, *, visits=3, escalate=False):
    """A case with visits (people present), a mentor, events and support: everything the list
    and the timeline show."""
    case = make_case(student, world.gvcn, opened_on=D(2026, 10, 1))
    for _ in range(visits):
        v = make_visit(case, world.gvcn, next_date=D(2026, 11, 20))
        v.staff_present.add(world.teacher)
    if escalate:
        case.escalated_at = "2026-11-01T08:00:00+07:00"
        case.save()
    CaseEvent.objects.create(
        case=case, kind="note", date=D(2026, 10, 5), text="Ghi chú", recorded_by=world.gvcn
    )
    return case


def count_queries(fn) -> int:
    """Queries of ``fn`` alone (the person's scope, built once per request, is built first)."""
    fn()
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_case_list_costs_the_same_for_2_or_25_cases(
    client, world, django_assert_max_num_queries
):
    # Queries (selector): counts per status + escalated (one aggregate), page count, page rows
    # with every figure annotated. The page adds session, user, scope, the class filter choices.
    for s in world.s9a1[:2]:
        full_case(world, s)
    few = count_queries(lambda: case_list(world.principal))
    login(client, world.principal)
    few_page = page_queries(client, reverse("case_list"))
    extra = add_students(world, 23)
    for s in extra:
        full_case(world, s, escalate=True)
    for mentor, mentee in zip([world.teacher, world.teacher, world.youth], extra, strict=False):
        make_mentorship(mentor, mentee)
    many = count_queries(lambda: case_list(world.principal))
    assert few == many == 3
    with django_assert_max_num_queries(few_page):
        response = client.get(reverse("case_list"))
    assert len(response.context["data"].rows) == 25


def test_the_case_list_of_a_vp_and_a_gvcn_is_bounded_too(client, world):
    for s in world.s9a1:
        full_case(world, s)
    login(client, world.gvcn)
    few = page_queries(client, reverse("case_list"))
    login(client, world.vp)
    few_vp = page_queries(client, reverse("case_list"))
    extra = add_students(world, 10, classroom=world.c9a1)
    for s in extra:
        full_case(world, s)
    login(client, world.gvcn)
    assert page_queries(client, reverse("case_list")) == few
    login(client, world.vp)
    assert page_queries(client, reverse("case_list")) == few_vp


def _fill_timeline(world, case, n):
    """n absences, family contacts, visits, supports, events and a mentorship."""
    student = case.student
    for i in range(n):
        day = D(2026, 10, 5) + datetime.timedelta(days=i)
        roll(world.c9a1, day, absent=[(student, "K")])
        FamilyContact.objects.create(
            student=student,
            date=day,
            method="phone",
            contact_person="Mẹ",
            content="Đã gọi",
            recorded_by=world.gvcn,
        )
        make_visit(case, world.gvcn)
        Support.objects.create(
            school_year=world.year_a,
            student=student,
            case=case,
            kind="books",
            value=150000,
            date=day,
            recorded_by=world.principal,
        )
        partner = Partner.objects.create(
            school=world.school_a, kind="other", name=f"Đối tác {case.pk}-{i}"
        )
        CaseEvent.objects.create(
            case=case,
            kind="partner",
            partner=partner,
            date=day,
            text="Đến nhà",
            recorded_by=world.gvcn,
        )


def test_the_case_timeline_costs_the_same_for_a_short_or_long_history(
    client, world, django_assert_max_num_queries
):
    # Queries (selector): settings, class now, GVCN, main guardian, mentorships, absences,
    # family contacts, visits, support, case events, enrollment spans: 11.
    case = make_case(world.s9a1[0], world.gvcn, opened_on=D(2026, 10, 1))
    _fill_timeline(world, case, 1)
    few = count_queries(lambda: case_detail(case))
    login(client, world.gvcn)
    few_page = page_queries(client, reverse("case_detail", args=[case.pk]))
    case2 = make_case(world.s9a1[1], world.gvcn, opened_on=D(2026, 10, 1))
    _fill_timeline(world, case2, 12)  # the same kinds of lines, many more of them
    make_mentorship(world.teacher, world.s9a1[1])
    many = count_queries(lambda: case_detail(case2))
    assert few == many <= 11
    detail = case_detail(case2)
    kinds = {item.kind for item in detail.timeline}
    assert kinds >= {"absence", "contact", "visit", "support", "event", "mentor"}
    assert [i.date for i in detail.timeline] == sorted(
        (i.date for i in detail.timeline), reverse=True
    )
    with django_assert_max_num_queries(few_page):
        response = client.get(reverse("case_detail", args=[case2.pk]))
    assert response.context["detail"].visits_count == 12


def test_the_escalated_list_costs_the_same_for_1_or_12_cases(client, world):
    # Queries (selector): the hidden count (VP only), the cases, their visits, their events.
    vp6 = f.UserFactory(username="vp6", full_name="Phan Văn Sáu", school=world.school_a)
    role_assign(user=vp6, role=Role.VICE_PRINCIPAL, school_year=world.year_a, grade_blocks="6")
    full_case(world, world.s9a1[0], escalate=True)
    few = count_queries(lambda: escalated_list(world.principal))
    few_vp = count_queries(lambda: escalated_list(vp6))
    login(client, world.principal)
    few_page = page_queries(client, reverse("escalated_list"))
    for s in add_students(world, 11):
        full_case(world, s, visits=4, escalate=True)
    assert count_queries(lambda: escalated_list(world.principal)) == few == 3
    # A VP of grade 6 by default: the hidden count and the (empty) cases, nothing more.
    assert count_queries(lambda: escalated_list(vp6)) == few_vp == 2
    assert count_queries(lambda: escalated_list(vp6, all_grades=True)) == 3
    assert page_queries(client, reverse("escalated_list")) == few_page


def test_the_partner_list_costs_the_same_for_1_or_10_partners(client, world):
    case = full_case(world, world.s9a1[0])
    login(client, world.principal)
    p = Partner.objects.create(school=world.school_a, kind="commune", name="UBND xã")
    CaseEvent.objects.create(
        case=case, kind="partner", partner=p, date=D(2026, 11, 1), recorded_by=world.vp
    )
    few = page_queries(client, reverse("partner_list"))
    for i in range(10):
        p = Partner.objects.create(school=world.school_a, kind="village_team", name=f"Tổ {i}")
        CaseEvent.objects.create(
            case=case, kind="partner", partner=p, date=D(2026, 11, 2), recorded_by=world.vp
        )
    assert page_queries(client, reverse("partner_list")) == few


def test_visits_outcome_failed_tuple_is_what_the_list_counts(world):
    case = full_case(world, world.s9a1[0], visits=0)
    for outcome in (*HomeVisit.FAILED, HomeVisit.Outcome.WILL_RETURN):
        make_visit(case, world.gvcn, outcome=outcome)
    row = case_list(world.principal).rows[0]
    assert (row.case.visits_count, row.case.failed_count) == (4, 3)
