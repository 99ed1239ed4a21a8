"""Helpers for the organisation pages' tests (the named world lives in tests/conftest.py)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schools.models import Holiday, Role
from schools.services import role_assign

from .. import factories as f


@pytest.fixture
def count_queries(client):
    """GET a URL and return (response, number of queries it took)."""

    def run(url):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response, len(ctx.captured_queries)

    return run


def grow_school(world, *, classes: int = 6, students_per_class: int = 3, staff: int = 5):
    """Add classes with students and homeroom teachers, and staff, to School A: the 'many rows'
    half of every '1 row and many rows cost the same' test."""
    for n in range(classes):
        grade = 6 + n % 4
        classroom = f.ClassroomFactory(school_year=world.year_a, name=f"{grade}X{n}", grade=grade)
        for _ in range(students_per_class):
            f.enroll(f.StudentFactory(school=world.school_a), classroom)
        teacher = f.UserFactory(school=world.school_a)
        role_assign(user=teacher, role=Role.HOMEROOM, school_year=world.year_a, classroom=classroom)
    for _ in range(staff):
        f.UserFactory(school=world.school_a)


def grow_office(world, *, schools: int = 5):
    """Add schools under Phòng A, each with a current year, a class, a student and a principal."""
    for _ in range(schools):
        school = f.SchoolFactory(office=world.office_a)
        year = f.SchoolYearFactory(school=school)
        classroom = f.ClassroomFactory(school_year=year, name="6A1", grade=6)
        f.enroll(f.StudentFactory(school=school), classroom)
        principal = f.UserFactory(school=school)
        role_assign(user=principal, role=Role.PRINCIPAL, school_year=year)


def add_holiday(year, name="Tết Nguyên đán", start=(2027, 2, 15), end=(2027, 2, 21)):
    return Holiday.objects.create(
        school_year=year,
        name=name,
        start_date=datetime.date(*start),
        end_date=datetime.date(*end),
    )
