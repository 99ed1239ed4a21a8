"""Tutoring plans: who writes which level, the draft → submitted → approved / returned workflow,
refused stale edits, the history, and bad input that keeps what was typed."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from schools.models import Role, SubjectGroup
from schools.services import role_assign
from tutoring import services_plans as services
from tutoring.models import PlanGoal, TutoringPlan

from ..conftest import login
from .test_plans_helpers import add_goal, d, make_plan, math_teacher, subject, today_fixture  # noqa: F401 - the fixture today

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    """A valid plan form with one goal row filled and two empty ones."""
    data = {
        "title": "Kế hoạch phụ đạo học sinh yếu kém năm học 2026-2027",
        "start_date": "01/12/2026",
        "end_date": "15/05/2027",
        "grades": ["8", "9"],
        "targets": "Học sinh yếu kém môn Toán khối 8, 9",
        "measures": "Phụ đạo 2 tiết/tuần\nĐôi bạn cùng tiến",
        "people": "Tổ Toán – Tin: dạy phụ đạo",
        "version": "",
        "goals-TOTAL_FORMS": "3",
        "goals-INITIAL_FORMS": "0",
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "30",
        "goals-0-subject": str(subject("TOAN").pk),
        "goals-0-grade": "9",
        "goals-0-description": "",
        "goals-0-baseline_percent": "12,5",
        "goals-0-target_percent": "8",
    }
    data.update(overrides)
    return data


def plan_input(**overrides):
    values = {
        "title": "Kế hoạch",
        "start_date": d(1, 12),
        "end_date": d(15, 5, 2027),
        "measures": "Phụ đạo",
        "goals": [
            services.GoalInput(
                subject=subject("TOAN"),
                grade=9,
                description="Giảm yếu kém Toán 9",
                baseline_percent=Decimal("12.5"),
                target_percent=Decimal("8"),
            )
        ],
    }
    values.update(overrides)
    return services.PlanInput(**values)


def edit_data(plan, **overrides):
    goals = list(plan.goals.order_by("pk"))
    data = form_data(version=str(plan.version), **{"goals-INITIAL_FORMS": str(len(goals))})
    data["goals-TOTAL_FORMS"] = str(len(goals) + 3)
    for i in range(len(goals) + 3):
        for name in ("id", "subject", "grade", "description", "baseline_percent", "target_percent"):
            data.pop(f"goals-{i}-{name}", None)
    for i, g in enumerate(goals):
        data.update(
            {
                f"goals-{i}-id": str(g.pk),
                f"goals-{i}-subject": str(g.subject_id or ""),
                f"goals-{i}-grade": str(g.grade or ""),
                f"goals-{i}-description": g.description,
                f"goals-{i}-baseline_percent": str(g.baseline_percent or "").replace(".", ","),
                f"goals-{i}-target_percent": str(g.target_percent or "").replace(".", ","),
            }
        )
    data.update(overrides)
    return data


# --- writing plans at each level ----------------------------------------------------------------


def test_principal_writes_the_school_plan_with_goals_in_decimal_comma(client, world, today):
    login(client, world.principal)
    url = reverse("plan_create") + "?level=school"
    assert client.get(url).status_code == 200
    response = client.post(url, form_data())
    plan = TutoringPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("plan_detail", args=[plan.pk])
    assert (plan.level, plan.status, plan.owner, plan.grades) == (
        "school",
        "draft",
        world.principal,
        "8,9",
    )
    goal = plan.goals.get()
    assert goal.baseline_percent == Decimal("12.5")
    assert goal.target_percent == Decimal("8")
    # An empty description is written from the subject, grade and rates, with decimal commas.
    expected = _("Weak rate in %(subject)s, grade %(grade)s") % {"subject": "Toán", "grade": 9}
    assert goal.description.startswith(expected)
    assert goal.description.endswith(
        _("from %(from)s %% to %(to)s %%") % {"from": "12,5", "to": "8,0"}
    )
    assert list(plan.subjects.values_list("code", flat=True)) == ["TOAN"]  # the goal's subject
    page = client.get(reverse("plan_detail", args=[plan.pk])).content.decode()
    assert "12,5 %" in page and "8,0 %" in page


def test_group_head_writes_their_groups_plan_but_not_the_schools(client, world, today):
    login(client, world.group_head)
    assert client.get(reverse("plan_create") + "?level=school").status_code == 403
    url = reverse("plan_create") + f"?level=group&group={world.group.pk}"
    response = client.post(url, form_data(title="Kế hoạch của Tổ Toán – Tin"))
    plan = TutoringPlan.objects.get()
    assert response.status_code == 302
    assert (plan.level, plan.subject_group, plan.owner) == ("group", world.group, world.group_head)


def test_a_group_plan_only_for_ones_own_group(client, world, today):
    other = SubjectGroup.objects.create(school=world.school_a, name="Tổ Ngữ văn")
    outside = SubjectGroup.objects.create(school=world.school_b, name="Tổ B")
    login(client, world.group_head)
    assert client.get(reverse("plan_create") + f"?level=group&group={other.pk}").status_code == 403
    assert (
        client.get(reverse("plan_create") + f"?level=group&group={outside.pk}").status_code == 404
    )
    assert client.get(reverse("plan_create") + "?level=group&group=x").status_code == 404
    login(client, world.vp)  # a leader writes any group's plan of the school
    assert client.get(reverse("plan_create") + f"?level=group&group={other.pk}").status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [("gvcn", 302), ("teacher", 302), ("group_head", 302), ("clerk", 403), ("youth", 403)],
)
def test_teachers_write_their_own_plan_and_office_staff_do_not(client, world, today, role, status):
    login(client, getattr(world, role))
    response = client.post(reverse("plan_create") + "?level=teacher", form_data())
    assert response.status_code == status
    assert TutoringPlan.objects.filter(level="teacher").count() == (1 if status == 302 else 0)


def test_bad_input_keeps_what_was_typed_and_saves_nothing(client, world, today):
    login(client, world.principal)
    url = reverse("plan_create") + "?level=school"
    data = form_data(
        title="Kế hoạch thử",
        start_date="15/05/2027",
        end_date="01/12/2026",
        **{"goals-0-target_percent": "150", "goals-1-description": "", "goals-1-grade": "8"},
    )
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kế hoạch thử" in page  # kept
    assert _("The plan cannot end before it starts.") in page
    assert _("Choose a subject or write the goal.") in page  # a row with a grade but no goal
    assert TutoringPlan.objects.count() == 0
    response = client.post(url, form_data(start_date="32/13/2026"))
    assert response.status_code == 200
    assert TutoringPlan.objects.count() == 0


def test_a_plan_stays_within_the_school_year(world):
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            user=world.principal,
            school_year=world.year_a,
            level="school",
            data=plan_input(end_date=d(30, 6, 2027)),
        )
    assert "2026-2027 (05/09/2026 – 29/05/2027)" in error.value.message_dict["start_date"][0]


def test_a_plan_is_part_of_the_same_years_school_plan_only(world):
    group_plan = make_plan(world, level="group", group=world.group, owner=world.group_head)
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            user=world.group_head,
            school_year=world.year_a,
            level="teacher",
            data=plan_input(parent=group_plan),
        )
    assert "parent" in error.value.message_dict
    school_plan = make_plan(world)
    plan = services.plan_create(
        user=world.teacher,
        school_year=world.year_a,
        level="teacher",
        data=plan_input(parent=school_plan),
    )
    assert plan.parent == school_plan
    with pytest.raises(ValidationError):
        services.plan_create(
            user=world.principal,
            school_year=world.year_a,
            level="school",
            data=plan_input(parent=school_plan),
        )
    with pytest.raises(ValidationError):  # a group plan needs its group
        services.plan_create(
            user=world.principal, school_year=world.year_a, level="group", data=plan_input()
        )


# --- the workflow -------------------------------------------------------------------------------


def test_draft_submitted_approved_then_read_only(client, world, today):
    plan = make_plan(world, level="group", group=world.group, owner=world.group_head)
    add_goal(plan)
    login(client, world.group_head)
    response = client.post(reverse("plan_submit", args=[plan.pk]), {"version": plan.version})
    plan.refresh_from_db()
    assert response.status_code == 302
    assert plan.status == "submitted"
    # Waiting for approval: the author cannot change it now.
    response = client.get(reverse("plan_edit", args=[plan.pk]))
    assert response.status_code == 302
    login(client, world.principal)
    response = client.post(
        reverse("plan_decide", args=[plan.pk]), {"decision": "approve", "version": plan.version}
    )
    plan.refresh_from_db()
    assert response.status_code == 302
    assert (plan.status, plan.decided_by) == ("approved", world.principal)
    assert plan.decided_at is not None
    # An approved plan is read-only, for its author and for the principal.
    for user in (world.group_head, world.principal):
        login(client, user)
        response = client.post(reverse("plan_edit", args=[plan.pk]), edit_data(plan))
        assert response.status_code == 403
    with pytest.raises(ValidationError):
        services.plan_update(
            plan=plan, user=world.principal, version=plan.version, data=plan_input()
        )
    assert TutoringPlan.objects.get(pk=plan.pk).title == plan.title


def test_a_plan_needs_goals_and_measures_before_approval(client, world, today):
    plan = make_plan(world, owner=world.vp, measures="")
    login(client, world.vp)
    response = client.post(reverse("plan_submit", args=[plan.pk]), follow=True)
    assert str(services.MSG_SUBMIT_INCOMPLETE) in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_returning_needs_a_reason_then_the_author_edits_and_resubmits(client, world, today):
    plan = make_plan(world, level="teacher", owner=world.gvcn, status="submitted")
    add_goal(plan)
    login(client, world.principal)
    url = reverse("plan_decide", args=[plan.pk])
    response = client.post(url, {"decision": "return", "reason": "  ", "version": plan.version})
    assert response.status_code == 200
    assert str(services.MSG_RETURN_REASON) in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "submitted"
    client.post(url, {"decision": "return", "reason": "Thiếu lịch học", "version": plan.version})
    plan.refresh_from_db()
    assert (plan.status, plan.return_reason) == ("returned", "Thiếu lịch học")
    login(client, world.gvcn)
    assert "Thiếu lịch học" in client.get(reverse("plan_detail", args=[plan.pk])).content.decode()
    response = client.post(
        reverse("plan_edit", args=[plan.pk]), edit_data(plan, measures="Thứ Ba, tiết 1–2")
    )
    assert response.status_code == 302
    client.post(reverse("plan_submit", args=[plan.pk]))
    plan.refresh_from_db()
    assert (plan.status, plan.measures, plan.return_reason) == ("submitted", "Thứ Ba, tiết 1–2", "")


@pytest.mark.parametrize("role", ["vp", "gvcn", "group_head", "teacher", "clerk"])
def test_only_the_principal_approves(client, world, today, role):
    plan = make_plan(world, owner=world.vp, status="submitted")
    add_goal(plan)
    login(client, getattr(world, role))
    response = client.post(reverse("plan_decide", args=[plan.pk]), {"decision": "approve"})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == "submitted"


def test_group_head_cannot_edit_or_submit_the_school_plan(client, world, today):
    plan = make_plan(world)
    add_goal(plan)
    login(client, world.group_head)
    assert client.get(reverse("plan_detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("plan_edit", args=[plan.pk])).status_code == 403
    assert client.post(reverse("plan_submit", args=[plan.pk])).status_code == 403
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_who_sees_which_plan(client, world, today):
    colleague = math_teacher(world)  # teaches Toán: a member of tổ Toán – Tin
    school = make_plan(world)
    group = make_plan(world, level="group", group=world.group, owner=world.group_head)
    mine = make_plan(world, level="teacher", owner=world.gvcn, title="Kế hoạch của cô Chủ")
    in_group = make_plan(
        world, level="teacher", owner=colleague, group=world.group, title="Kế hoạch Toán 9A2"
    )
    visible = {
        "gvcn": {school, group, mine} - {group},  # gvcn teaches no subject of the tổ
        "teacher": {school},
        "group_head": {school, group, in_group},
        "principal": {school, group, mine, in_group},
        "vp": {school, group, mine, in_group},
        "clerk": {school},
    }
    for role, plans in visible.items():
        login(client, getattr(world, role))
        for plan in (school, group, mine, in_group):
            status = client.get(reverse("plan_detail", args=[plan.pk])).status_code
            assert status == (200 if plan in plans else 404), (role, plan.title)
    login(client, colleague)
    assert client.get(reverse("plan_detail", args=[group.pk])).status_code == 200
    assert client.get(reverse("plan_detail", args=[mine.pk])).status_code == 404
    login(client, world.office)
    assert client.get(reverse("plan_detail", args=[school.pk])).status_code == 404
    assert client.get(reverse("plan_list")).status_code == 403


def test_another_schools_plan_is_404_and_unchanged(client, world, today):
    role_assign(
        user=world.principal_b, role=Role.HOMEROOM, school_year=world.year_b, classroom=world.c9b1
    )
    plan = TutoringPlan.objects.create(
        school=world.school_b,
        school_year=world.year_b,
        level="school",
        owner=world.principal_b,
        title="B",
        start_date=d(1, 10),
        end_date=d(1, 12),
        status="submitted",
    )
    login(client, world.principal)
    for name in ("plan_detail", "plan_edit", "plan_pdf"):
        assert client.get(reverse(name, args=[plan.pk])).status_code == 404
    for name in ("plan_submit", "plan_decide", "plan_edit"):
        assert (
            client.post(reverse(name, args=[plan.pk]), {"decision": "approve"}).status_code == 404
        )
    plan.refresh_from_db()
    assert (plan.status, plan.version, plan.title) == ("submitted", 1, "B")


# --- concurrent edits and history --------------------------------------------------------------


def test_a_stale_edit_is_refused_and_the_current_values_are_shown(client, world, today):
    plan = make_plan(world, owner=world.vp)
    add_goal(plan)
    stale = edit_data(plan, title="Bản của cô Phó")
    login(client, world.principal)
    response = client.post(
        reverse("plan_edit", args=[plan.pk]), edit_data(plan, title="Bản của thầy Hiệu")
    )
    assert response.status_code == 302
    login(client, world.vp)
    response = client.post(reverse("plan_edit", args=[plan.pk]), stale)
    assert response.status_code == 200
    page = response.content.decode()
    assert str(services.MSG_STALE % {"who": "Trần Văn Hiệu"}) in page  # who changed it
    assert 'id="plan-conflict"' in page and "Bản của thầy Hiệu" in page  # the current values
    assert 'value="Bản của cô Phó"' in page  # what was typed is kept
    plan.refresh_from_db()
    assert (plan.title, plan.version) == ("Bản của thầy Hiệu", 2)
    # Saving again, having seen the current values, goes through.
    again = dict(stale, version=str(plan.version))
    assert client.post(reverse("plan_edit", args=[plan.pk]), again).status_code == 302
    plan.refresh_from_db()
    assert (plan.title, plan.version) == ("Bản của cô Phó", 3)


def test_the_history_tells_who_changed_what_and_when(client, world, today):
    login(client, world.principal)
    client.post(reverse("plan_create") + "?level=school", form_data(title="Bản đầu"))
    plan = TutoringPlan.objects.get()
    data = edit_data(plan, title="Bản hai")
    data["goals-0-DELETE"] = "on"
    data["goals-1-subject"] = str(subject("NV").pk)
    data["goals-1-grade"] = "8"
    client.post(reverse("plan_edit", args=[plan.pk]), data)
    client.post(reverse("plan_submit", args=[plan.pk]))
    plan.refresh_from_db()
    assert list(plan.goals.values_list("subject__code", flat=True)) == ["NV"]
    response = client.get(reverse("plan_detail", args=[plan.pk]))
    history = response.context["d"].history
    changed, created = _("changed the plan"), _("created the plan")
    assert [e.what for e in history] == [changed, changed, created]
    assert all(e.who == "Trần Văn Hiệu" for e in history)
    status = str(TutoringPlan._meta.get_field("status").verbose_name)
    draft, submitted = (
        str(TutoringPlan.Status.DRAFT.label),
        str(TutoringPlan.Status.SUBMITTED.label),
    )
    assert (status, draft, submitted) in history[0].changes
    title = str(TutoringPlan._meta.get_field("title").verbose_name)
    assert (title, "Bản đầu", "Bản hai") in history[1].changes
    added, removed = _("%(n)s added") % {"n": 1}, _("%(n)s removed") % {"n": 1}
    assert (_("Goals"), "", f"{added}, {removed}") in history[1].changes
    assert history[2].changes == [(_("Goals"), "", added)]
    assert "Bản đầu" in response.content.decode()


def test_goals_are_updated_in_place_and_removed(world):
    plan = make_plan(world)
    kept, dropped = add_goal(plan, "TOAN"), add_goal(plan, "NV")
    services.plan_update(
        plan=plan,
        user=world.principal,
        version=plan.version,
        data=plan_input(
            goals=[
                services.GoalInput(
                    id=kept.pk,
                    subject=subject("TOAN"),
                    grade=9,
                    description="Toán 9 mới",
                    target_percent=Decimal("5"),
                )
            ]
        ),
    )
    assert list(PlanGoal.objects.values_list("pk", "description")) == [(kept.pk, "Toán 9 mới")]
    assert not PlanGoal.objects.filter(pk=dropped.pk).exists()


def test_a_teachers_plan_belongs_to_their_own_subject_group_only(client, world, today):
    colleague = math_teacher(world)  # teaches Toán: a member of tổ Toán – Tin only
    other = SubjectGroup.objects.create(school=world.school_a, name="Tổ Ngữ văn")
    login(client, colleague)
    url = reverse("plan_create") + f"?level=teacher&group={other.pk}"
    assert client.post(url, form_data(title="Của cô Số")).status_code == 302
    plan = TutoringPlan.objects.get(title="Của cô Số")
    assert plan.subject_group == world.group  # not the group asked for: she is not part of it
    login(client, world.group_head)
    assert client.get(reverse("plan_detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("plan_edit", args=[plan.pk])).status_code == 403
