import datetime

import pytest
from django.core.exceptions import ValidationError

from students.models import Enrollment
from students.services import Movement, class_sizes, enrollment_record_movement

from .. import factories as f

D = datetime.date


@pytest.fixture
def today(monkeypatch):
    day = D(2026, 11, 23)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    return day


def test_class_size_is_derived_from_movements(world, today):
    moved, dropped, transferred = world.s9a1
    enrollment_record_movement(
        student=moved, kind=Movement.MOVE_CLASS, date=D(2026, 10, 1), classroom=world.c9a2
    )
    enrollment_record_movement(
        student=dropped, kind=Movement.DROPPED_OUT, date=D(2026, 10, 5), causes=["1b"]
    )
    enrollment_record_movement(student=transferred, kind=Movement.TRANSFER_OUT, date=D(2026, 11, 2))
    newcomer = f.StudentFactory(school=world.school_a)
    enrollment_record_movement(
        student=newcomer, kind=Movement.TRANSFER_IN, date=D(2026, 11, 3), classroom=world.c9a1
    )

    sizes = class_sizes([world.c9a1, world.c9a2], on=today)
    a1, a2 = sizes[world.c9a1.pk], sizes[world.c9a2.pk]
    assert (a1.start_of_year, a1.now, a1.transferred_in, a1.transferred_out, a1.dropped_out) == (
        3,
        1,
        1,
        1,
        1,
    )
    assert (a2.start_of_year, a2.now) == (1, 2)
    # On a date in the past the figures are as they were then.
    before = class_sizes([world.c9a1], on=D(2026, 10, 4))[world.c9a1.pk]
    assert before.now == 2 and before.dropped_out == 0


def test_move_class_on_a_date_counts_the_student_in_the_new_class_that_day(world, today):
    student = world.s9a1[0]
    enrollment_record_movement(
        student=student, kind=Movement.MOVE_CLASS, date=D(2026, 10, 1), classroom=world.c9a2
    )
    on_day = class_sizes([world.c9a1, world.c9a2], on=D(2026, 10, 1))
    assert on_day[world.c9a1.pk].now == 2
    assert on_day[world.c9a2.pk].now == 2


def test_dropout_needs_a_cause(world, today):
    with pytest.raises(ValidationError) as error:
        enrollment_record_movement(
            student=world.s9a1[0], kind=Movement.DROPPED_OUT, date=D(2026, 10, 5)
        )
    assert "causes" in error.value.message_dict
    assert Enrollment.objects.get(student=world.s9a1[0]).end_date is None


def test_future_dates_are_refused(world, today):
    with pytest.raises(ValidationError) as error:
        enrollment_record_movement(
            student=world.s9a1[0], kind=Movement.TRANSFER_OUT, date=D(2026, 11, 24)
        )
    assert "date" in error.value.message_dict


def test_dates_outside_the_year_are_refused(world, today):
    newcomer = f.StudentFactory(school=world.school_a)
    with pytest.raises(ValidationError):
        enrollment_record_movement(
            student=newcomer, kind=Movement.TRANSFER_IN, date=D(2026, 8, 1), classroom=world.c9a1
        )
    assert not Enrollment.objects.filter(student=newcomer).exists()


def test_a_student_cannot_be_in_two_classes(world, today):
    with pytest.raises(ValidationError):
        enrollment_record_movement(
            student=world.s9a1[0],
            kind=Movement.TRANSFER_IN,
            date=D(2026, 10, 1),
            classroom=world.c9a2,
        )
    assert Enrollment.objects.filter(student=world.s9a1[0]).count() == 1


def test_only_a_dropout_can_return(world, today):
    student = world.s9a1[0]
    enrollment_record_movement(student=student, kind=Movement.TRANSFER_OUT, date=D(2026, 10, 1))
    with pytest.raises(ValidationError):
        enrollment_record_movement(
            student=student, kind=Movement.RETURNED, date=D(2026, 10, 10), classroom=world.c9a1
        )
    other = world.s9a1[1]
    enrollment_record_movement(
        student=other, kind=Movement.DROPPED_OUT, date=D(2026, 10, 1), causes=["2c"]
    )
    enrollment_record_movement(
        student=other, kind=Movement.RETURNED, date=D(2026, 10, 10), classroom=world.c9a1
    )
    size = class_sizes([world.c9a1], on=today)[world.c9a1.pk]
    assert size.now == 2 and size.dropped_out == 1


def test_class_of_another_school_is_refused(world, today):
    newcomer = f.StudentFactory(school=world.school_a)
    with pytest.raises(ValidationError):
        enrollment_record_movement(
            student=newcomer, kind=Movement.TRANSFER_IN, date=D(2026, 10, 1), classroom=world.c9b1
        )


def test_class_sizes_cost_one_query_whatever_the_number_of_classes(
    world, today, django_assert_num_queries
):
    classes = [world.c9a1, world.c9a2, world.c8a1]
    with django_assert_num_queries(1):
        class_sizes(classes, on=today)
