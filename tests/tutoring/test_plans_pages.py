"""The plan pages: the list by level with status badges, one plan with its groups, the weak
rates offered as baselines, the PDF (text, diacritics, decimal comma, embedded fonts, a picture),
and the query counts that do not grow with rows."""

import datetime
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from tutoring import selectors_plans as sel
from tutoring.models import ScheduleSlot, TutoringGroup

from ..conftest import login
from .test_plans_helpers import (  # noqa: F401 - the fixture today
    add_goal,
    d,
    make_plan,
    pdf_fonts,
    pdf_text,
    subject,
    today_fixture,
    weak,
)

pytestmark = pytest.mark.django_db


def linked_group(world, plan, name="Nhóm Toán 9 – 1", tutors=()):
    group = TutoringGroup.objects.create(
        school=world.school_a,
        school_year=world.year_a,
        subject=subject("TOAN"),
        grade=9,
        name=name,
        plan=plan,
        room="P.12",
        start_date=d(1, 12),
        end_date=d(15, 5, 2027),
    )
    group.tutors.add(*(tutors or [world.gvcn]))
    ScheduleSlot.objects.create(group=group, weekday=1, first_period=1, periods=2, room="P.12")
    ScheduleSlot.objects.create(group=group, weekday=3, session="morning", first_period=5)
    return group


def test_the_list_groups_plans_by_level_with_their_status(client, world, today):
    school = make_plan(world, status="approved")
    group = make_plan(world, level="group", group=world.group, owner=world.group_head)
    group.status = "returned"
    group.return_reason = "Bổ sung chỉ tiêu môn Tin"
    group.save()
    teacher = make_plan(world, level="teacher", owner=world.gvcn, status="submitted")
    login(client, world.principal)
    response = client.get(reverse("plan_list"))
    data = response.context["data"]
    assert [[r.plan for r in s.rows] for s in data.sections] == [[school], [group], [teacher]]
    assert data.waiting == 1
    page = response.content.decode()
    assert 'data-status="approved"' in page and 'data-status="returned"' in page
    assert "Bổ sung chỉ tiêu môn Tin" in page
    assert 'id="plans-waiting"' in page
    # The menu offers what the principal may write.
    assert f"?level=group&amp;group={world.group.pk}" in page and "?level=school" in page


def test_the_list_offers_each_role_only_what_it_may_write(client, world, today):
    login(client, world.group_head)
    data = client.get(reverse("plan_list")).context["data"]
    assert (data.can_create_school, data.group_choices, data.can_create_teacher) == (
        False,
        [world.group],
        True,
    )
    login(client, world.clerk)
    data = client.get(reverse("plan_list")).context["data"]
    assert (data.can_create_school, data.group_choices, data.can_create_teacher) == (
        False,
        [],
        False,
    )


def _many_plans(world, n):
    for i in range(n):
        plan = make_plan(world, level="teacher", owner=world.gvcn, title=f"KH {i}")
        plan.subjects.add(subject("TOAN"), subject("NV"))
        add_goal(plan)
        make_plan(world, level="group", group=world.group, owner=world.group_head)


@pytest.mark.parametrize("role", ["principal", "gvcn", "group_head"])
def test_the_list_costs_the_same_with_many_plans(
    client, world, today, django_assert_max_num_queries, role
):
    # session, user, scope (year, assignments), the tổ memberships (non-leaders), plans,
    # their subjects, the subject groups one may write for: 10 at most.
    _many_plans(world, 1)
    login(client, getattr(world, role))
    url = reverse("plan_list")
    with django_assert_max_num_queries(10) as few:
        assert client.get(url).status_code == 200
    _many_plans(world, 15)
    with django_assert_max_num_queries(10) as many:
        response = client.get(url)
    assert sum(len(s.rows) for s in response.context["data"].sections) > 15
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_plan_page_shows_goals_groups_and_children(client, world, today):
    plan = make_plan(world)
    add_goal(plan, baseline="12.5", target="8")
    linked_group(world, plan)
    child = make_plan(world, level="group", group=world.group, owner=world.group_head, parent=plan)
    login(client, world.principal)
    response = client.get(reverse("plan_detail", args=[plan.pk]))
    page = response.content.decode()
    assert "12,5 %" in page and "8,0 %" in page
    assert "Nhóm Toán 9 – 1" in page and "P.12" in page and "Phạm Thị Chủ" in page
    assert [g.slots for g in response.context["d"].groups] == [
        [sel.slot_text(s) for s in ScheduleSlot.objects.order_by("weekday")]
    ]
    assert response.context["d"].children == [child]


def test_the_plan_page_costs_the_same_with_many_goals_groups_and_changes(
    client, world, today, django_assert_max_num_queries
):
    # session, user, scope (school, year, assignments), the plan, goals, subjects, children,
    # groups, tutors, slots, history, parent: 14 at most.
    parent = make_plan(world, title="KH trường")
    plan = make_plan(world, level="group", group=world.group, owner=world.group_head)
    plan.parent = parent
    plan.save()
    add_goal(plan)
    linked_group(world, plan)
    login(client, world.principal)
    url = reverse("plan_detail", args=[plan.pk])
    with django_assert_max_num_queries(14) as few:
        assert client.get(url).status_code == 200
    for i in range(8):
        add_goal(plan, grade=6 + i % 4)
        linked_group(world, plan, name=f"Nhóm {i}", tutors=[world.gvcn, world.teacher])
        plan.title = f"Lần {i}"
        plan.save()
    with django_assert_max_num_queries(14) as many:
        response = client.get(url)
    assert len(response.context["d"].goals) == 9 and len(response.context["d"].groups) == 9
    assert len(response.context["d"].history) > 8
    assert len(few.captured_queries) == len(many.captured_queries)


# --- the weak rates offered as a goal's baseline -------------------------------------------------


def test_weak_rates_are_active_unresolved_records_over_the_grade_in_one_query(
    world, today, django_assert_num_queries
):
    # Grade 9: 4 students (3 in 9A1, 1 in 9A2). Grade 8: 1.
    weak(world, world.s9a1[0], "TOAN", status="confirmed")
    weak(world, world.s9a2[0], "TOAN", status="dismissed")  # dismissed: not counted
    weak(world, world.s9a1[1], "TOAN", resolved_term=1)  # no longer weak: not counted
    weak(world, world.s9a1[1], "NV")
    weak(world, world.s8a1[0], "NV")
    subjects = [subject("TOAN"), subject("NV"), subject("NN1")]
    with django_assert_num_queries(1):
        rates = sel.weak_rates(world.year_a, subjects, today)
    assert rates[(subject("TOAN").pk, 9)] == Decimal("25.0")
    assert rates[(subject("NV").pk, 9)] == Decimal("25.0")
    assert rates[(subject("NV").pk, 8)] == Decimal("100.0")
    assert rates[(subject("NN1").pk, 9)] == Decimal("0.0")
    table = sel.rate_table(world.year_a, subjects, today)
    assert f"{subject('TOAN').pk}:9=25,0" in table.data_attr


def test_the_plan_form_offers_the_weak_rate_now(client, world, today):
    weak(world, world.s9a1[0], "TOAN")
    login(client, world.principal)
    page = client.get(reverse("plan_create") + "?level=school").content.decode()
    assert f'data-weak-rates="{subject("TOAN").pk}:9=25,0' in page or (
        f"{subject('TOAN').pk}:9=25,0" in page
    )
    assert "25,0 %" in page


# --- the PDF --------------------------------------------------------------------------------------


@pytest.fixture
def approved_group_plan(world, today):
    world.school_a.governing_body = "UBND xã Long Phú"
    world.school_a.commune = "Xã Long Phú"
    world.school_a.save()
    plan = make_plan(
        world,
        level="group",
        group=world.group,
        owner=world.group_head,
        title="Kế hoạch phụ đạo Toán",
        targets="Học sinh chưa đạt môn Toán khối 9",
        measures="Phụ đạo 2 tiết mỗi tuần\nKiểm tra trước và sau phụ đạo",
        people="Cô Vũ Thị Tổ: phụ trách chung",
        grades="9",
    )
    plan.subjects.add(subject("TOAN"))
    add_goal(plan, baseline="12.5", target="8")
    linked_group(world, plan)
    plan.status = "approved"
    plan.decided_by = world.principal
    plan.decided_at = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)
    plan.save()
    return plan


def test_the_plan_pdf_is_an_official_document_with_every_font_embedded(
    client, world, approved_group_plan, tmp_path
):
    login(client, world.teacher)  # any colleague who may read it: the group's plan …
    assert client.get(reverse("plan_pdf", args=[approved_group_plan.pk])).status_code == 404
    login(client, world.group_head)
    response = client.get(reverse("plan_pdf", args=[approved_group_plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "plan.pdf"
    path.write_bytes(response.content)
    text = pdf_text(path)
    for expected in (
        "TRƯỜNG THCS A",
        "TỔ TOÁN – TIN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Long Phú, ngày 20 tháng 11 năm 2026",
        "Số:",
        "/KH-TCM",
        "KẾ HOẠCH",
        "Phụ đạo học sinh yếu kém năm học 2026-2027",
        "của Tổ Toán – Tin",
        "I. MỤC ĐÍCH – YÊU CẦU, ĐỐI TƯỢNG",
        "Học sinh chưa đạt môn Toán khối 9",
        "II. CHỈ TIÊU",
        "12,5",
        "8,0",
        "III. BIỆN PHÁP",
        "Kiểm tra trước và sau phụ đạo",
        "IV. TỔ CHỨC THỰC HIỆN",
        "Nhóm Toán 9 – 1",
        "Phạm Thị Chủ",
        "không thu tiền của học sinh",
        "Nơi nhận:",
        "TỔ TRƯỞNG",
        "Vũ Thị Tổ",
        "DUYỆT CỦA HIỆU TRƯỞNG",
        "Đã phê duyệt ngày 20/11/2026",
        "Trần Văn Hiệu",
    ):
        assert expected in text, expected
    assert "Dự thảo" not in text
    fonts = pdf_fonts(path)
    assert fonts
    for columns in fonts:
        assert columns[-5] == "yes", columns  # emb
        assert columns[-3] == "yes", columns  # uni
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )
    assert list(tmp_path.glob("p-*.png"))


def test_a_draft_school_plan_prints_as_a_draft_for_the_principal_to_sign(
    client, world, today, tmp_path
):
    plan = make_plan(world, title="Kế hoạch trường")
    add_goal(plan)
    login(client, world.vp)
    response = client.get(reverse("plan_pdf", args=[plan.pk]))
    path = tmp_path / "draft.pdf"
    path.write_bytes(response.content)
    text = pdf_text(path)
    assert "Dự thảo – chưa được Hiệu trưởng phê duyệt" in text
    assert "HIỆU TRƯỞNG" in text and "Trần Văn Hiệu" in text  # the principal signs it
    assert "DUYỆT CỦA HIỆU TRƯỞNG" not in text
    assert "Long Phú" not in text and "Ngày 23 tháng 11 năm 2026" in text


def test_the_pdf_data_makes_no_query_once_built(world, today, django_assert_num_queries):
    from reports.pdf import render_pdf

    plan = make_plan(world, status="approved", decided_by=world.principal)
    add_goal(plan)
    document = sel.plan_document(sel.plan_detail(world.principal, plan))
    with django_assert_num_queries(0):
        render_pdf("tutoring/plans/plan_pdf.html", {"d": document, "doc": document.doc})
