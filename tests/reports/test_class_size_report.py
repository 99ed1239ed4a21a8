"""The monthly class-size report's data: confirmed figures first, live ones marked, blocks and
the school added up, the dropout list, the identity check — compared with counts made by hand —
and a fixed number of queries."""

import datetime

import pytest

from reports.class_size import UNCONFIRMED_NOTE, class_size_report
from retention import services_classsize
from retention.models import ClassSizeConfirmation
from retention.services_classsize import class_size_confirm
from schools.models import SchoolSettings

from .. import factories as f
from .scenario import OCTOBER, class_moves_by_hand, count_by_hand, worked_example

D = datetime.date
MONTH = D(2026, 10, 1)
# Printed columns (3)…(22) and the by-hand names of those that are counts.
PRINTED = {
    4: "start_total",
    5: "start_female",
    6: "start_minority",
    7: "opening",
    8: "arrived",
    9: "returned",
    10: "left",
    11: "dropped",
    12: "other_exit",
    13: "end_total",
    14: "end_female",
    15: "end_minority",
    16: "cum_arrived",
    17: "cum_left",
    18: "cum_dropped",
    19: "cum_dropped_female",
    20: "cum_dropped_minority",
}


@pytest.fixture
def today(monkeypatch):
    day = D(2026, 11, 23)
    monkeypatch.setattr(services_classsize, "today", lambda: day)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    return day


LATE_CONFIRMATION_DAY = D(2026, 11, 2)


def _confirm_all(world, month=MONTH, on=LATE_CONFIRMATION_DAY):
    for classroom in (world.c9a1, world.c9a2, world.c8a1):
        class_size_confirm(
            classroom=classroom, month=month, user=world.gvcn, explanation="Có biến động", on=on
        )


def _printed(row) -> dict:
    return {column: row.values[column - 3] for column in PRINTED}


def test_report_rows_equal_counts_made_by_hand(world, today):
    worked_example(world)
    _confirm_all(world)
    report = class_size_report(world.school_a, MONTH, today=today, include_names=True)
    classes = [world.c9a1, world.c9a2, world.c8a1]
    by_hand = {c.name: count_by_hand(c, *OCTOBER) for c in classes}
    for row in report.class_rows:
        assert _printed(row) == {col: by_hand[row.label][name] for col, name in PRINTED.items()}
        assert row.confirmed and not row.changed_since

    moves = class_moves_by_hand(classes, *OCTOBER)
    assert len(moves) == 2  # 9A1 → 9A2 and 8A1 → 9A1
    for block in report.block_rows:
        members = [c for c in classes if c.grade == block.grade]
        inside = sum(1 for a, b in moves if a.grade == b.grade == block.grade)
        expected = {
            col: sum(by_hand[c.name][name] for c in members) for col, name in PRINTED.items()
        }
        for col in (8, 10, 16, 17):
            expected[col] -= inside
        assert _printed(block) == expected, block.label
    expected = {col: sum(h[name] for h in by_hand.values()) for col, name in PRINTED.items()}
    for col in (8, 10, 16, 17):
        expected[col] -= len(moves)
    assert _printed(report.total) == expected
    assert report.total.values[0] == 3  # (3) classes
    assert str(report.total.figures.dropout_rate) == "22.22"  # 2 dropouts / 9
    assert report.can_issue and report.problems == []


def test_unconfirmed_classes_show_live_figures_marked_as_such(world, today):
    worked_example(world)
    class_size_confirm(
        classroom=world.c9a1, month=MONTH, user=world.gvcn, explanation="x", on=D(2026, 10, 20)
    )
    report = class_size_report(world.school_a, MONTH, today=today, include_names=True)
    rows = {r.label: r for r in report.class_rows}
    assert rows["9A1"].confirmed and rows["9A1"].as_of == D(2026, 10, 20)
    # Confirmed on 20/10: Dương's move on 22/10 is not in 9A1's confirmed figures …
    assert rows["9A1"].figures.class_in == 0
    assert rows["9A1"].changed_since  # … so the data has moved on since
    for name in ("9A2", "8A1"):
        assert not rows[name].confirmed
        assert UNCONFIRMED_NOTE in rows[name].note
        assert (
            rows[name].figures.end_total
            == count_by_hand(getattr(world, "c" + name.lower()), *OCTOBER)["end_total"]
        )
    assert [r.label for r in report.unconfirmed] == ["8A1", "9A2"]
    assert any("chưa xác nhận" in note for note in report.table_notes)
    assert report.confirmed_count == 1


def test_the_dropout_list_names_the_months_dropouts_for_the_school_only(world, today):
    cast = worked_example(world)
    _confirm_all(world)
    report = class_size_report(world.school_a, MONTH, today=today, include_names=True)
    lines = {d.full_name: d for d in report.dropouts}
    assert set(lines) == {cast.b.full_name, cast.g.full_name}
    binh, giang = lines[cast.b.full_name], lines[cast.g.full_name]
    assert (binh.classroom, binh.date, binh.cause_groups, binh.returned) == (
        "9A1",
        D(2026, 10, 10),
        [1, 2],
        True,
    )
    assert (giang.female, giang.ethnicity, giang.cause_groups, giang.returned) == (
        True,
        "H'Mông",
        [5],
        False,
    )
    assert sum(r.figures.dropped for r in report.class_rows) == len(report.dropouts)
    office = class_size_report(world.school_a, MONTH, today=today, include_names=False)
    assert office.dropouts is None


def test_a_report_whose_figures_do_not_add_up_cannot_be_issued(world, today):
    _confirm_all(world)
    confirmation = ClassSizeConfirmation.objects.get(classroom=world.c9a2)
    confirmation.figures["counts"]["end_total"] += 1  # e.g. edited by hand in the admin
    confirmation.save()
    report = class_size_report(world.school_a, MONTH, today=today, include_names=True)
    assert not report.can_issue
    assert any("9A2" in p for p in report.problems)
    assert any("Khối 9" in p for p in report.problems)
    assert any("Tổng cộng" in p for p in report.problems)


def test_the_report_header_and_text(world, today):
    world.school_a.governing_body = "UBND xã Long Phú"
    world.school_a.commune = "Xã Long Phú"
    world.school_a.save()
    report = class_size_report(world.school_a, MONTH, today=D(2026, 2, 3), include_names=True)
    assert report.place_date == "Long Phú, ngày 03 tháng 02 năm 2026"
    assert report.document_number.startswith("Số:") and report.document_number.endswith("/BC-THCS")
    assert report.recipients == ["UBND xã Long Phú (để báo cáo);", "Lưu: VT."]
    assert report.signer_name == world.principal.full_name
    assert report.title == "BÁO CÁO SĨ SỐ HỌC SINH THÁNG 10/2026"


def _grow(world, classes, per_class):
    for i in range(classes):
        room = f.ClassroomFactory(school_year=world.year_a, name=f"6G{i}", grade=6)
        for _ in range(per_class):
            student = f.StudentFactory(school=world.school_a)
            f.enroll(student, room)
        class_size_confirm(classroom=room, month=MONTH, user=world.gvcn, on=D(2026, 11, 2))


def test_the_report_is_built_in_a_fixed_number_of_queries(world, today, django_assert_num_queries):
    worked_example(world)
    _confirm_all(world)
    SchoolSettings.for_school(world.school_a)
    # 1 year, 2 classes, 3 confirmations, 4–5 figures (spans, alerts), 6 settings, 7 text,
    # 8 principal, 9 dropouts.
    with django_assert_num_queries(9):
        class_size_report(world.school_a, MONTH, today=today, include_names=True)
    _grow(world, classes=6, per_class=5)
    with django_assert_num_queries(9):
        report = class_size_report(world.school_a, MONTH, today=today, include_names=True)
    assert len(report.class_rows) == 9
    with django_assert_num_queries(8):  # office staff: no dropout list
        class_size_report(world.school_a, MONTH, today=today, include_names=False)
