"""The small named world every test can use.

Office "Phòng A" supervises School A and School B. Office "Phòng Z" is another office.
School A (current year 2026-2027): classes 9A1, 9A2 (grade 9) and 8A1 (grade 8).
  principal   – the whole school, manages staff
  vp          – vice-principal for grades 8 and 9
  gvcn        – homeroom teacher of 9A1 (sees 9A1 and its students only)
  teacher     – subject teacher of Toán in 8A1 (sees 8A1's students, read only)
  group_head  – head of tổ Toán–Tin
  clerk       – manages students and rosters, not staff
  youth       – youth union: reads students school-wide
School B: principal_b, class 9B1 with one student: the outsider for every scope test.
office      – office staff of Phòng A (schools A and B, no student records)
office_z    – office staff of Phòng Z (sees neither school)
"""

import importlib
import os
from dataclasses import dataclass

import pytest

from schools.models import Office, Role, SubjectGroup
from schools.services import role_assign

from . import factories as f

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright sync API + live_server


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per user; tests only need passwords to round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _seeded_subjects(request):
    """Subjects are data seeded by a migration. Tests on a transactional database (browser
    journeys, row-lock tests) end with a flush that empties every table, so the next test on
    that worker would find no subjects: put them back whenever they are missing."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        DB_FIXTURES & set(request.fixturenames)
    )
    if not uses_db:
        return
    request.getfixturevalue("_django_db_helper")
    ensure_subjects()


def ensure_subjects() -> None:
    """Put back the migration-seeded subjects if a flush removed them."""
    from django.apps import apps as global_apps

    from schools.models import Subject

    if not Subject.objects.exists():
        seed = importlib.import_module("schools.migrations.0002_seed_subjects")
        seed.forward(global_apps, None)


@dataclass
class World:
    office_a: object
    office_z: object
    school_a: object
    school_b: object
    year_a: object
    year_b: object
    c9a1: object
    c9a2: object
    c8a1: object
    c9b1: object
    group: object
    principal: object
    vp: object
    gvcn: object
    teacher: object
    group_head: object
    clerk: object
    youth: object
    principal_b: object
    office: object
    office_z_user: object
    s9a1: list
    s9a2: list
    s8a1: list
    s9b1: list


@pytest.fixture
def world(db) -> World:
    so = f.OfficeFactory(code="SO", name="Sở GD&ĐT Demo", kind=Office.Kind.DEPARTMENT)
    office_a = f.OfficeFactory(code="PA", name="Phòng A", parent=so)
    office_z = f.OfficeFactory(code="PZ", name="Phòng Z", parent=so)
    school_a = f.SchoolFactory(office=office_a, code="A", name="Trường THCS A")
    school_b = f.SchoolFactory(office=office_a, code="B", name="Trường THCS B")
    year_a = f.SchoolYearFactory(school=school_a)
    year_b = f.SchoolYearFactory(school=school_b)
    c9a1 = f.ClassroomFactory(school_year=year_a, name="9A1", grade=9)
    c9a2 = f.ClassroomFactory(school_year=year_a, name="9A2", grade=9)
    c8a1 = f.ClassroomFactory(school_year=year_a, name="8A1", grade=8)
    c9b1 = f.ClassroomFactory(school_year=year_b, name="9B1", grade=9)
    group = SubjectGroup.objects.create(school=school_a, name="Tổ Toán – Tin")

    def staff(username, full_name, school=school_a, office=None):
        return f.UserFactory(username=username, full_name=full_name, school=school, office=office)

    principal = staff("principal", "Trần Văn Hiệu")
    vp = staff("vp", "Lê Thị Phó")
    gvcn = staff("gvcn", "Phạm Thị Chủ")
    teacher = staff("teacher", "Đỗ Văn Toán")
    group_head = staff("group_head", "Vũ Thị Tổ")
    clerk = staff("clerk", "Hoàng Thị Thư")
    youth = staff("youth", "Bùi Văn Đoàn")
    principal_b = staff("principal_b", "Ngô Văn Bê", school=school_b)
    office = staff("office", "Mai Văn Phòng", school=None, office=office_a)
    office_z_user = staff("office_z", "Đinh Văn Zet", school=None, office=office_z)

    role_assign(user=principal, role=Role.PRINCIPAL, school_year=year_a)
    role_assign(user=vp, role=Role.VICE_PRINCIPAL, school_year=year_a, grade_blocks="8,9")
    role_assign(user=gvcn, role=Role.HOMEROOM, school_year=year_a, classroom=c9a1)
    role_assign(user=gvcn, role=Role.SUBJECT_TEACHER, school_year=year_a, classroom=c9a1)
    role_assign(user=teacher, role=Role.SUBJECT_TEACHER, school_year=year_a, classroom=c8a1)
    role_assign(user=group_head, role=Role.GROUP_HEAD, school_year=year_a, subject_group=group)
    role_assign(user=clerk, role=Role.CLERK, school_year=year_a)
    role_assign(user=youth, role=Role.YOUTH_UNION, school_year=year_a)
    role_assign(user=principal_b, role=Role.PRINCIPAL, school_year=year_b)
    role_assign(user=office, role=Role.OFFICE, office=office_a)
    role_assign(user=office_z_user, role=Role.OFFICE, office=office_z)

    def students(classroom, school, names):
        out = []
        for family, given in names:
            s = f.StudentFactory(school=school, family_name=family, given_name=given)
            f.GuardianFactory(student=s)
            f.enroll(s, classroom)
            out.append(s)
        return out

    s9a1 = students(c9a1, school_a, [("Nguyễn Thị", "Ánh"), ("Lê Văn", "Anh"), ("Đặng Thị", "Ân")])
    s9a2 = students(c9a2, school_a, [("Trần Văn", "Bình")])
    s8a1 = students(c8a1, school_a, [("Hà Thị", "Dương")])
    s9b1 = students(c9b1, school_b, [("Lò Văn", "Páo")])
    return World(
        office_a,
        office_z,
        school_a,
        school_b,
        year_a,
        year_b,
        c9a1,
        c9a2,
        c8a1,
        c9b1,
        group,
        principal,
        vp,
        gvcn,
        teacher,
        group_head,
        clerk,
        youth,
        principal_b,
        office,
        office_z_user,
        s9a1,
        s9a2,
        s8a1,
        s9b1,
    )


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium (playwright install cannot download here), quietly and offline."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
