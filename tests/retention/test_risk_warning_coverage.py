"""Coverage ("no student forgotten"): who needs someone, who has someone, the shares by class and
for the school computed by hand, the uncovered list with its links; and the office's counts per
school, which never show a name."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from retention import selectors_coverage
from retention.models import RecordAccess, RiskCase
from retention.selectors_coverage import coverage, office_summary
from schools.models import Office
from students.models import Student

from .. import factories as f
from ..conftest import login
from .risk_helpers import make_case, make_mentorship, make_visit
from .test_risk_warning_helpers import (  # noqa: F401 - the fixture today_is
    TODAY,
    absent_days,
    days_before,
    family,
    group_member,
    subject,
    today_is_fixture,
    weak,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def needs(world):
    """School A, by hand:

    9A1  Ánh  on the early-warning list (5 days absent), nobody          → uncovered
         Anh  weak in Toán, in a Toán tutoring group                     → covered (group)
         Ân   an open case owned by the GVCN                             → covered (case)
    9A2  Bình weak in Toán and Ngữ văn (listed too), mentored by teacher → covered (mentor)
    8A1  Dương weak in Toán only (not listed), nobody                    → uncovered
    9A1: 3 need, 2 covered = 66,7 %; 9A2: 1 of 1 = 100,0 %; 8A1: 0 of 1 = 0,0 %;
    the school: 3 of 5 = 60,0 %.
    """
    w = world
    ann, anh, an = w.s9a1
    absent_days(ann, w.c9a1, [days_before(n) for n in (1, 2, 3, 4, 5)])
    weak(anh, w.year_a, "TOAN")
    group_member(w, anh, "TOAN")
    make_case(an, w.gvcn)
    weak(w.s9a2[0], w.year_a, "TOAN", "NV")
    make_mentorship(w.teacher, w.s9a2[0])
    weak(w.s8a1[0], w.year_a, "TOAN")
    weak(w.s9b1[0], w.year_b, overall=True)  # School B: never counted for School A
    return w


def shares(data) -> dict:
    return {s.classroom.name: (s.needing, s.covered, s.percent) for s in data.classes}


def test_shares_by_class_and_for_the_school(needs):
    from decimal import Decimal

    data = coverage(needs.year_a, today=TODAY)
    assert shares(data) == {
        "8A1": (1, 0, Decimal("0.0")),
        "9A1": (3, 2, Decimal("66.7")),
        "9A2": (1, 1, Decimal("100.0")),
    }
    assert [s.classroom.name for s in data.classes] == ["8A1", "9A1", "9A2"]
    t = data.total
    assert (t.students, t.at_risk, t.weak, t.needing, t.covered) == (5, 3, 3, 5, 3)
    assert t.percent == Decimal("60.0")
    assert (data.by_mentor, data.by_case, data.by_group) == (1, 1, 1)  # each counted once
    assert (data.listed, data.listed_without_case) == (2, 2)


def test_the_uncovered_list_says_what_each_student_needs(needs):
    data = coverage(needs.year_a, today=TODAY)
    assert [g.student for g in data.uncovered] == [needs.s8a1[0], needs.s9a1[0]]
    duong, ann = data.uncovered
    assert (duong.at_risk, duong.weak, duong.weak_overall, duong.weak_subject_names) == (
        False,
        True,
        False,
        ["Toán"],
    )
    assert (ann.at_risk, ann.weak) == (True, False)
    assert [s.code for s in ann.signals] == ["absences"]


def test_links_to_act_on_an_uncovered_student(needs, monkeypatch):
    w = needs
    monkeypatch.setattr(selectors_coverage, "CASE_OPEN_URL", "warning_list")
    monkeypatch.setattr(selectors_coverage, "MENTOR_ASSIGN_URL", "coverage")
    monkeypatch.setattr(selectors_coverage, "GROUP_CREATE_URL", "warning_home_panel")
    weak(w.s9a1[0], w.year_a, "NN1")
    data = coverage(w.year_a, today=TODAY)
    duong, ann = data.uncovered
    base = reverse("warning_list")
    assert ann.open_case_url == f"{base}?student={ann.student.pk}&source=warning"
    assert duong.open_case_url is None  # weak only: a case is not what they need first
    assert ann.mentor_url == f"{reverse('coverage')}?student={ann.student.pk}"
    nn1 = subject("NN1")
    assert [(g.subject, g.url) for g in ann.group_links] == [
        ("Ngoại ngữ 1", f"{reverse('warning_home_panel')}?subject={nn1.pk}&grade=9")
    ]
    toan = subject("TOAN")
    assert [g.url for g in duong.group_links] == [
        f"{reverse('warning_home_panel')}?subject={toan.pk}&grade=8"
    ]


def test_a_case_whose_owner_left_covers_nobody(needs):
    w = needs
    w.gvcn.is_active = False
    w.gvcn.save()
    data = coverage(w.year_a, today=TODAY)
    assert [g.student for g in data.uncovered] == [w.s8a1[0], w.s9a1[0], w.s9a1[2]]
    assert data.uncovered[2].case.status == RiskCase.Status.OPEN
    assert data.uncovered[2].open_case_url is None


def test_ended_help_does_not_cover(needs):
    w = needs
    w.s9a2[0].mentorships.update(end_date=datetime.date(2026, 11, 1))
    w.s9a1[1].memberships.update(left_on=datetime.date(2026, 11, 1))
    RiskCase.objects.filter(student=w.s9a1[2]).update(
        status=RiskCase.Status.RETURNED, ended_on=datetime.date(2026, 11, 1)
    )
    data = coverage(w.year_a, today=TODAY)
    # Ân's case ended: no longer at risk, not weak: needs no one.
    assert {g.student for g in data.uncovered} == {w.s8a1[0], w.s9a1[0], w.s9a1[1], w.s9a2[0]}
    assert data.total.needing == 4 and data.total.covered == 0


def test_a_class_of_its_own(needs):
    data = coverage(needs.year_a, classroom_ids={needs.c9a1.pk}, today=TODAY)
    assert shares(data) == {"9A1": (3, 2, data.classes[0].percent)}
    assert str(data.total.percent) == "66.7"
    assert [g.student for g in data.uncovered] == [needs.s9a1[0]]


# --- the page ----------------------------------------------------------------------------------


def test_the_principal_reads_the_shares_and_the_uncovered_list(client, needs, today_is):
    login(client, needs.principal)
    response = client.get(reverse("coverage"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "66,7 %" in page and "60,0 %" in page and "100,0 %" in page
    assert f'data-student="{needs.s9a1[0].pk}"' in page
    assert f'data-student="{needs.s8a1[0].pk}"' in page
    assert f'data-student="{needs.s9a1[1].pk}"' not in page  # covered
    assert "Páo" not in page
    assert RecordAccess.objects.filter(kind=RecordAccess.Kind.WARNING).count() == 1


def test_the_gvcn_reads_their_class_only(client, needs, today_is):
    login(client, needs.gvcn)
    response = client.get(reverse("coverage"))
    data = response.context["data"]
    assert [s.classroom for s in data.classes] == [needs.c9a1]
    assert [g.student for g in data.uncovered] == [needs.s9a1[0]]
    assert needs.s8a1[0].given_name not in response.content.decode()


def test_group_links_only_for_who_may_set_up_a_group(client, needs, today_is, monkeypatch):
    w = needs
    monkeypatch.setattr(selectors_coverage, "GROUP_CREATE_URL", "warning_home_panel")
    monkeypatch.setattr(selectors_coverage, "MENTOR_ASSIGN_URL", "coverage")
    weak(w.s9a1[0], w.year_a, "NN1")
    login(client, w.principal)
    duong, ann = client.get(reverse("coverage")).context["data"].uncovered
    assert [g.subject for g in duong.group_links] == ["Toán"]
    assert [g.subject for g in ann.group_links] == ["Ngoại ngữ 1"]
    assert ann.mentor_url and duong.mentor_url
    login(client, w.gvcn)  # a GVCN heads no subject group
    (gap,) = client.get(reverse("coverage")).context["data"].uncovered
    assert gap.group_links == [] and gap.mentor_url  # takes on a student of their class


@pytest.mark.parametrize("role", ["teacher", "group_head", "clerk", "youth", "office"])
def test_other_roles_may_not_read_the_coverage_page(client, needs, role):
    login(client, getattr(needs, role))
    assert client.get(reverse("coverage")).status_code == 403


def _grow(world, n):
    """n more students needing someone in each of two new classes, half of them covered."""
    for grade in (6, 7):
        c = f.ClassroomFactory(school_year=world.year_a, name=f"{grade}A9", grade=grade)
        for i in range(n):
            s = f.StudentFactory(school=world.school_a)
            f.enroll(s, c)
            weak(s, world.year_a, "TOAN", "NV", overall=True)
            family(s, ethnicity="Tày", household=Student.Household.POOR)
            if i % 3 == 0:
                make_case(s, world.principal)
            elif i % 3 == 1:
                group_member(world, s, "TOAN", grade=grade)


def test_the_coverage_page_costs_the_same_for_few_and_many(
    client, needs, today_is, django_assert_max_num_queries
):
    # session, user, scope (school, year, assignments), the scan (settings, enrollments, common
    # circumstances, absences, conduct, weak lines, results), active cases, mentors,
    # covered_pairs (groups, pairs, and mentors as issue 6 extends it), the classes, the
    # uncovered students, the access log: 20 at most, whatever the number of students.
    login(client, needs.principal)
    url = reverse("coverage")
    with django_assert_max_num_queries(20) as few:
        assert client.get(url).status_code == 200
    _grow(needs, 12)
    with django_assert_max_num_queries(20) as many:
        response = client.get(url)
    assert len(response.context["data"].classes) == 5
    assert len(response.context["data"].uncovered) > 8
    assert len(few.captured_queries) == len(many.captured_queries)


# --- the office ---------------------------------------------------------------------------------


def test_the_office_reads_counts_of_each_school_and_never_a_name(client, needs, today_is):
    w = needs
    family(w.s9b1[0], ethnicity="Mông", household=Student.Household.POOR)
    case = RiskCase.objects.get(student=w.s9a1[2])
    case.escalated_at = timezone.now()
    case.save()
    for n in range(3):
        make_visit(case, w.gvcn, when=timezone.make_aware(datetime.datetime(2026, 10, 5 + n, 9)))
    make_visit(
        case, w.gvcn, when=timezone.make_aware(datetime.datetime(2026, 6, 1, 9))
    )  # last year
    login(client, w.office)
    response = client.get(reverse("risk_office_summary"))
    assert response.status_code == 200
    rows = {r.school.code: r for r in response.context["data"].rows}
    a, b = rows["A"], rows["B"]
    assert (a.students, a.listed, a.active_cases, a.escalated, a.visits) == (5, 2, 1, 1, 3)
    assert (a.needing, a.covered, str(a.percent)) == (5, 3, "60.0")
    assert (b.students, b.listed, b.active_cases, b.needing, b.covered) == (1, 1, 0, 1, 0)
    total = response.context["data"].total
    assert (total.students, total.needing, total.covered, str(total.percent)) == (6, 6, 3, "50.0")
    page = response.content.decode()
    assert "60,0 %" in page and "50,0 %" in page
    for s in [*w.s9a1, *w.s9a2, *w.s8a1, *w.s9b1]:
        assert s.given_name not in page and s.family_name not in page
    assert 'data-student="' not in page
    assert RecordAccess.objects.count() == 0


def test_the_office_counts_match_the_schools_own_pages(needs):
    data = office_summary({needs.school_a.pk}, today=TODAY)
    (row,) = data.rows
    mine = coverage(needs.year_a, today=TODAY)
    assert (row.needing, row.covered, row.listed) == (
        mine.total.needing,
        mine.total.covered,
        mine.listed,
    )


def test_another_office_sees_neither_school(client, needs):
    login(client, needs.office_z_user)
    response = client.get(reverse("risk_office_summary"))
    assert response.status_code == 200
    assert response.context["data"].rows == []
    page = response.content.decode()
    assert needs.school_a.name not in page and needs.school_b.name not in page


@pytest.mark.parametrize(
    "role", ["principal", "vp", "gvcn", "teacher", "group_head", "clerk", "youth", "principal_b"]
)
def test_school_staff_may_not_read_the_office_summary(client, needs, role):
    login(client, getattr(needs, role))
    assert client.get(reverse("risk_office_summary")).status_code == 403


def test_a_school_without_a_current_year_shows_a_dash(client, needs):
    w = needs
    w.year_b.is_current = False
    w.year_b.save()
    login(client, w.office)
    rows = {
        r.school.code: r for r in client.get(reverse("risk_office_summary")).context["data"].rows
    }
    assert rows["B"].has_year is False and rows["A"].has_year is True


def _grow_office(world, schools):
    """More schools under the office, each with a class, students at risk, a case and a visit,
    and one with its own (wider) window."""
    office = Office.objects.get(pk=world.office_a.pk)
    for i in range(schools):
        school = f.SchoolFactory(office=office, name=f"Trường THCS Thêm {i}")
        year = f.SchoolYearFactory(school=school)
        c = f.ClassroomFactory(school_year=year, name="9X", grade=9)
        principal = f.UserFactory(school=school)
        for j in range(4):
            s = f.StudentFactory(school=school)
            f.enroll(s, c)
            weak(s, year, "TOAN", "NV")
            absent_days(s, c, [days_before(1), days_before(2), days_before(3), days_before(4)])
            if j == 0:
                make_visit(make_case(s, principal), principal)
        if i == 0:
            from .test_risk_warning_helpers import settings_of

            settings_of(school, warning_window_days=60)


def test_the_office_summary_costs_the_same_for_2_and_8_schools(
    client, needs, today_is, django_assert_max_num_queries
):
    # session, user, scope (assignments, offices, sub-offices, schools), schools, current years,
    # the scan (7), active cases, visits, mentors, groups, pairs: 20 at most.
    login(client, needs.office)
    url = reverse("risk_office_summary")
    with django_assert_max_num_queries(20) as few:
        assert client.get(url).status_code == 200
    _grow_office(needs, 6)
    with django_assert_max_num_queries(20) as many:
        response = client.get(url)
    assert len(response.context["data"].rows) == 8
    assert response.context["data"].total.active_cases == 7
    assert len(few.captured_queries) == len(many.captured_queries)
