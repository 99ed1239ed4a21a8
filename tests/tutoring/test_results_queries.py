"""Query counts of the results pages: 3 and 30 students (or 3 and 12 classes) cost the same.

Each page's count is pinned (see the parameters). The grid save adds, once each: subjects, the
lock on the students, the current cells, the bulk update and its history rows, the recompute's
reads and writes and the weak-register sync.
"""

import pytest
from django.urls import reverse

from schools.models import SchoolSettings
from tests import factories as f
from tests.conftest import login
from tutoring.models import SubjectResult, Term
from tutoring.services_results import StudentValues, record_results

from .conftest import full_results
from .test_results_services import _values

LIMIT = 35  # the grid save, weak-register sync included (30 today)


def _grow_to(world, subjects, classroom, size: int):
    """``size`` students in the class, every one with a whole semester I of results."""
    have = list(classroom.enrollments.values_list("student_id", flat=True))
    for i in range(size - len(have)):
        student = f.StudentFactory(
            school=world.school_a, family_name="Trần Thị", given_name=f"Hoa{len(have) + i}"
        )
        f.enroll(student, classroom)
        have.append(student.pk)
    values = _values(subjects, full_results(scores={"TOAN": "4,0"}, comments={"GDTC": "CD"}))
    record_results(
        classroom=classroom,
        term=Term.HK1,
        rows=[StudentValues(pk, values) for pk in have],
        user=world.principal,
        source="import",
    )


def _count(client, url, django_assert_max_num_queries, *, data=None, limit=LIMIT) -> int:
    with django_assert_max_num_queries(limit) as ctx:
        response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code in (200, 302)
    return len(ctx.captured_queries)


@pytest.fixture
def settings_row(world):
    return SchoolSettings.for_school(world.school_a)


@pytest.mark.parametrize(
    ("query", "limit"),
    # 11 = session, user, school, year, roles, the class, settings, spans with students,
    # subjects, results, learning results; without a term, +1 for the latest term with results.
    [("", 12), ("?term=1", 11), ("?term=1&edit=1", 11), ("?term=3", 11)],
)
def test_class_grid_costs_the_same_for_3_and_30_students(
    client, world, subjects, settings_row, django_assert_max_num_queries, query, limit
):
    login(client, world.gvcn)
    url = reverse("results_class", args=[world.c9a1.pk]) + query
    _grow_to(world, subjects, world.c9a1, 3)
    few = _count(client, url, django_assert_max_num_queries, limit=limit)
    _grow_to(world, subjects, world.c9a1, 30)
    assert _count(client, url, django_assert_max_num_queries, limit=limit) == few


def _save_all(client, world, subjects, url, django_assert_max_num_queries) -> int:
    """Change every student's Toán from 4,0 to 4,5 through the grid (still weak: the weak
    register updates its rows in bulk; removing proposals is that area's own cost)."""
    page = client.get(url + "&edit=1")
    data = {"loaded": page.context["loaded"]}
    for row in page.context["grid"].rows:
        for cell in row.cells:
            data[cell.name] = "4,5" if cell.subject.code == "TOAN" else cell.text
    count = _count(client, url, django_assert_max_num_queries, data=data)
    assert not SubjectResult.objects.filter(term=1, subject__code="TOAN", score=4).exists()
    return count


def test_saving_the_grid_costs_the_same_for_3_and_30_students(
    client, world, subjects, settings_row, django_assert_max_num_queries
):
    login(client, world.gvcn)
    url = reverse("results_class", args=[world.c9a1.pk]) + "?term=1"
    _grow_to(world, subjects, world.c9a1, 3)
    few = _save_all(client, world, subjects, url, django_assert_max_num_queries)
    _grow_to(world, subjects, world.c9a1, 30)
    assert _save_all(client, world, subjects, url, django_assert_max_num_queries) == few


def _more_classes(world, subjects, total: int):
    existing = world.year_a.classrooms.count()
    for i in range(total - existing):
        classroom = f.ClassroomFactory(school_year=world.year_a, name=f"9X{i}", grade=9)
        _grow_to(world, subjects, classroom, 2)


@pytest.mark.parametrize(
    ("name", "limit"),
    # home: session, user, school, year, roles, classes, sizes, counts;
    # by subject: the same up to the classes, then subjects, settings, the subject's results.
    [("results_home", 8), ("results_subject", 9)],
)
def test_overview_and_subject_pages_cost_the_same_for_3_and_12_classes(
    client, world, subjects, settings_row, django_assert_max_num_queries, name, limit
):
    login(client, world.principal)
    url = reverse(name)
    if name == "results_subject":
        url += f"?grade=9&subject={subjects['TOAN'].pk}&term=1"
    _grow_to(world, subjects, world.c9a1, 3)
    few = _count(client, url, django_assert_max_num_queries, limit=limit)
    _more_classes(world, subjects, 12)
    assert _count(client, url, django_assert_max_num_queries, limit=limit) == few
