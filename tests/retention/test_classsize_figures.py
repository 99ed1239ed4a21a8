"""Class-size figures: a worked example with every movement kind, and the two rules every row
must keep — the month's identity and the year's balance — checked against counts made by hand."""

import datetime

import pytest

from retention.selectors_classsize import (
    ClassSizeFigures,
    class_size_figures,
    figures_by_block,
    sum_figures,
)
from students.models import Enrollment

from .. import factories as f
from ..reports.scenario import OCTOBER, count_by_hand, worked_example

D = datetime.date
COLUMNS = [
    "start_total",
    "start_female",
    "start_minority",
    "opening",
    "arrived",
    "returned",
    "left",
    "dropped",
    "other_exit",
    "end_total",
    "end_female",
    "end_minority",
    "cum_arrived",
    "cum_left",
    "cum_dropped",
    "cum_dropped_female",
    "cum_dropped_minority",
    "cum_returned",
    "cum_other_exit",
]


@pytest.fixture
def today(monkeypatch):
    day = D(2026, 11, 23)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    return day


def _figures(world, start, end):
    classes = [world.c9a1, world.c9a2, world.c8a1]
    return class_size_figures(classes, start=start, end=end)


def test_worked_example_october(world, today):
    worked_example(world)
    figures = _figures(world, *OCTOBER)
    a1 = figures[world.c9a1.pk]
    # 9A1: the world's 3 girls + An, Bình, Chi, Dũng on the headcount day.
    assert (a1.start_total, a1.start_female, a1.start_minority) == (7, 5, 2)
    assert a1.opening == 8  # + Em, transferred in on 20/09
    assert (a1.transfer_in, a1.class_in, a1.late_enrolled, a1.returned) == (1, 1, 0, 1)
    assert (a1.transfer_out, a1.class_out, a1.dropped, a1.other_exit) == (1, 1, 1, 1)
    assert (a1.arrived, a1.left) == (2, 2)
    # 3 girls of the world, Em, Phúc, Bình (back), Dương (from 8A1).
    assert (a1.end_total, a1.end_female, a1.end_minority) == (7, 5, 2)
    assert (a1.cum_arrived, a1.cum_left, a1.cum_dropped) == (3, 2, 1)
    assert (a1.cum_dropped_female, a1.cum_dropped_minority, a1.cum_returned) == (0, 1, 1)
    assert str(a1.dropout_rate) == "14.29"  # 1 / 7

    a2 = figures[world.c9a2.pk]
    # Chi arrives from 9A1; Giang arrives and drops out in the same month.
    assert (a2.opening, a2.class_in, a2.transfer_in, a2.dropped, a2.end_total) == (1, 1, 1, 1, 2)
    assert (a2.moves_within_grade, a2.moves_within_school) == (1, 1)
    assert (a2.cum_dropped, a2.cum_dropped_female, a2.cum_dropped_minority) == (1, 1, 1)

    c8 = figures[world.c8a1.pk]
    assert (c8.opening, c8.class_out, c8.end_total) == (1, 1, 0)
    assert figures[world.c9a1.pk].moves_within_grade == 0  # Dương came from grade 8
    assert figures[world.c9a1.pk].moves_within_school == 1


def test_every_class_matches_a_count_by_hand(world, today):
    worked_example(world)
    for start, end in [OCTOBER, (D(2026, 9, 1), D(2026, 9, 30)), (D(2026, 11, 1), today)]:
        figures = _figures(world, start, end)
        for classroom in (world.c9a1, world.c9a2, world.c8a1):
            by_hand = count_by_hand(classroom, start, end)
            got = {name: getattr(figures[classroom.pk], name) for name in COLUMNS}
            assert got == by_hand, (classroom.name, start)


def test_identity_and_balance_hold_on_every_row_by_hand(world, today):
    """(13) = (7) + (8) + (9) − (10) − (11) − (12), and (4) + Σ in − Σ out = (13), counted with
    plain loops and with the service, for classes, blocks and the school."""
    worked_example(world)
    for start, end in [OCTOBER, (D(2026, 9, 1), D(2026, 9, 30)), (D(2026, 11, 1), today)]:
        for classroom in (world.c9a1, world.c9a2, world.c8a1):
            h = count_by_hand(classroom, start, end)
            month = h["opening"] + h["arrived"] + h["returned"] - h["left"]
            assert h["end_total"] == month - h["dropped"] - h["other_exit"]
            year = h["start_total"] + h["cum_arrived"] + h["cum_returned"] - h["cum_left"]
            assert h["end_total"] == year - h["cum_dropped"] - h["cum_other_exit"]
        figures = _figures(world, start, end)
        blocks, school = figures_by_block([world.c9a1, world.c9a2, world.c8a1], figures)
        for row in [*figures.values(), *(b.total for b in blocks), school]:
            assert row.identity_holds and row.balance_holds


def test_class_moves_cancel_out_inside_a_block_and_the_school(world, today):
    worked_example(world)
    figures = _figures(world, *OCTOBER)
    blocks, school = figures_by_block([world.c9a1, world.c9a2, world.c8a1], figures)
    grade9 = next(b for b in blocks if b.grade == 9).total
    grade8 = next(b for b in blocks if b.grade == 8).total
    # Chi's move 9A1 → 9A2 disappears from grade 9; Dương's 8A1 → 9A1 stays between blocks.
    assert (grade9.class_in, grade9.class_out) == (1, 0)
    assert (grade8.class_in, grade8.class_out) == (0, 1)
    assert (school.class_in, school.class_out) == (0, 0)
    # Only real transfers reach the school's (8) and (10).
    assert (school.arrived, school.left) == (2, 1)  # Phúc and Giang in; Dũng out
    assert (school.dropped, school.returned, school.other_exit) == (2, 1, 1)
    assert school.end_total == sum(
        count_by_hand(c, *OCTOBER)["end_total"] for c in (world.c9a1, world.c9a2, world.c8a1)
    )
    # The balance of the school, from the headcount: 7 + 1 + 1 (9A1, 9A2, 8A1).
    assert school.start_total == 9


def test_a_later_month_starts_where_the_earlier_one_ended(world, today):
    worked_example(world)
    october = _figures(world, *OCTOBER)
    november = _figures(world, D(2026, 11, 1), today)
    for classroom in (world.c9a1, world.c9a2, world.c8a1):
        assert november[classroom.pk].opening == october[classroom.pk].end_total


def test_the_first_month_opens_with_the_start_of_year_headcount(world, today):
    figures = _figures(world, D(2026, 9, 1), D(2026, 9, 30))
    a1 = figures[world.c9a1.pk]
    assert a1.opening == a1.start_total == 3
    assert not a1.has_movements


def test_year_end_is_no_departure(world, today):
    span = Enrollment.objects.get(student=world.s9a2[0])
    span.end_date = world.year_a.end_date
    span.end_kind = Enrollment.EndKind.YEAR_END
    span.save()
    may = class_size_figures([world.c9a2], start=D(2027, 5, 1), end=D(2027, 5, 31))
    assert (may[world.c9a2.pk].end_total, may[world.c9a2.pk].left) == (1, 0)


def test_a_start_of_year_entry_after_the_headcount_is_an_arrival_named_in_the_notes(world, today):
    late = f.StudentFactory(school=world.school_a)
    f.enroll(late, world.c9a2, start=D(2026, 10, 3))
    a2 = _figures(world, *OCTOBER)[world.c9a2.pk]
    assert (a2.start_total, a2.late_enrolled, a2.arrived, a2.end_total) == (1, 1, 1, 2)
    assert a2.identity_holds and a2.balance_holds


def test_figures_cost_two_queries_whatever_the_classes_and_students(
    world, today, django_assert_num_queries
):
    worked_example(world)
    classes = [world.c9a1, world.c9a2, world.c8a1]
    # 1: grouped counts over the enrollment spans; 2: at-risk students from absence alerts.
    with django_assert_num_queries(2):
        class_size_figures(classes, start=OCTOBER[0], end=OCTOBER[1])
    for i in range(12):
        extra = f.ClassroomFactory(school_year=world.year_a, name=f"7B{i}", grade=7)
        for _ in range(3):
            f.enroll(f.StudentFactory(school=world.school_a), extra)
        classes.append(extra)
    with django_assert_num_queries(2):
        class_size_figures(classes, start=OCTOBER[0], end=OCTOBER[1])


def test_frozen_figures_round_trip_and_ignore_unknown_keys():
    figures = ClassSizeFigures(start_total=40, cum_dropped=1, class_in=2)
    again = ClassSizeFigures.from_json({**figures.as_json(), "surprise": 5, "opening": "x"})
    assert again.start_total == 40 and again.class_in == 2 and again.opening == 0
    assert str(again.dropout_rate) == "2.50"


def test_summing_rows_keeps_the_identity_when_moves_cancel():
    one = ClassSizeFigures(opening=10, class_out=1, end_total=9, start_total=10, cum_class_out=1)
    two = ClassSizeFigures(
        opening=10,
        class_in=1,
        end_total=11,
        start_total=10,
        cum_class_in=1,
        moves_within_grade=1,
        moves_within_school=1,
        cum_moves_within_grade=1,
        cum_moves_within_school=1,
    )
    block = sum_figures([one, two], within="grade")
    assert (block.class_in, block.class_out, block.cum_class_in, block.classes) == (0, 0, 0, 2)
    assert block.identity_holds and block.balance_holds
