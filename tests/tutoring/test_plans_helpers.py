"""Helpers for the plans, peer pairs, counselling and family tests (no tests here): a fixed
"today" (Mon 23/11/2026, in the world's year 2026-2027), plans, weak records, pairs, PDF text."""

import datetime
import subprocess
from pathlib import Path

import pytest

from schools.models import Role, Subject
from schools.services import role_assign
from tests import factories as f
from tutoring.models import PeerPair, PlanGoal, TutoringPlan, WeakRecord

TODAY = datetime.date(2026, 11, 23)


def d(day: int, month: int = 11, year: int = 2026) -> datetime.date:
    return datetime.date(year, month, day)


@pytest.fixture(name="today")
def today_fixture(monkeypatch):
    """Every ``timezone.localdate()`` answers 23/11/2026 (pages, services, selectors)."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    return TODAY


def subject(code: str) -> Subject:
    return Subject.objects.get(code=code)


def make_plan(world, *, level="school", owner=None, group=None, status="draft", **fields):
    plan = TutoringPlan.objects.create(
        school=world.school_a,
        school_year=world.year_a,
        level=level,
        owner=owner or world.principal,
        subject_group=group,
        title=fields.pop("title", f"Kế hoạch {level}"),
        start_date=fields.pop("start_date", d(1, 10)),
        end_date=fields.pop("end_date", d(15, 1, 2027)),
        measures=fields.pop("measures", "Phụ đạo hai buổi mỗi tuần"),
        status=status,
        **fields,
    )
    return plan


def add_goal(plan, code="TOAN", grade=9, baseline="12.5", target="8"):
    from decimal import Decimal

    return PlanGoal.objects.create(
        plan=plan,
        subject=subject(code),
        grade=grade,
        description=f"Giảm tỷ lệ yếu kém {code}",
        baseline_percent=Decimal(baseline),
        target_percent=Decimal(target),
    )


def weak(world, student, code="TOAN", **fields):
    return WeakRecord.objects.create(
        school=world.school_a,
        school_year=world.year_a,
        student=student,
        subject=subject(code),
        origin=fields.pop("origin", "results"),
        identified_on=fields.pop("identified_on", d(20, 11)),
        **fields,
    )


def pair(world, helper, helped, code="TOAN", classroom=None, **fields):
    return PeerPair.objects.create(
        school_year=world.year_a,
        classroom=classroom or world.c9a1,
        subject=subject(code),
        helper=helper,
        helped=helped,
        start_date=fields.pop("start_date", d(2, 11)),
        created_by=fields.pop("created_by", world.gvcn),
        **fields,
    )


def math_teacher(world, classroom=None, username="toan2", name="Ngô Thị Số"):
    """A second teacher of Toán (in 9A2 by default), member of tổ Toán – Tin."""
    world.group.subjects.add(subject("TOAN"), subject("TIN"))
    user = f.UserFactory(username=username, full_name=name, school=world.school_a)
    role_assign(
        user=user,
        role=Role.SUBJECT_TEACHER,
        school_year=world.year_a,
        classroom=classroom or world.c9a2,
        subject=subject("TOAN"),
    )
    return user


def students_in(classroom, n, school, prefix="Học"):
    out = []
    for i in range(n):
        s = f.StudentFactory(school=school, family_name="Trần Văn", given_name=f"{prefix}{i:02d}")
        f.enroll(s, classroom)
        out.append(s)
    return out


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_fonts(path: Path) -> list[list[str]]:
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [line.split() for line in lines]
