"""A worked class-size example and an independent way of counting it.

``worked_example(world)`` records, through the movement service, one of each movement kind in
October 2026 for School A (start of year 05/09/2026, headcount the same day), plus a class move
inside grade 9, a class move from grade 8 to grade 9, a student who arrives and leaves in the same
month, and movements in September and November around it.

``count_by_hand`` recomputes the S3 figures with plain loops over the enrollment spans — a code
path independent of the grouped SQL in ``retention.selectors_classsize``.
"""

import datetime
from dataclasses import dataclass

from students.models import Enrollment, Student
from students.services import Movement, enrollment_record_movement

from .. import factories as f

D = datetime.date
OCTOBER = (D(2026, 10, 1), D(2026, 10, 31))


@dataclass
class Cast:
    a: Student  # 9A1, girl, Kinh: leaves for vocational training 18/10
    b: Student  # 9A1, boy, Tày: drops out 10/10, returns 20/10
    c: Student  # 9A1, girl, Tày: moves to 9A2 12/10
    d: Student  # 9A1, boy, Kinh: transfers out 15/10
    e: Student  # transfers into 9A1 20/09
    f: Student  # transfers into 9A1 16/10
    g: Student  # girl, H'Mông: transfers into 9A2 25/10, drops out 28/10
    h: Student  # 8A1 (world): moves to 9A1 22/10
    late: Student  # 9A2: drops out 02/11 (after October)


def _student(world, given, gender, ethnicity="Kinh"):
    return f.StudentFactory(
        school=world.school_a,
        family_name="Phạm Văn" if gender == "M" else "Phạm Thị",
        given_name=given,
        gender=gender,
        ethnicity=ethnicity,
    )


def move(student, kind, day, classroom=None, causes=None):
    return enrollment_record_movement(
        student=student, kind=kind, date=day, classroom=classroom, causes=causes or []
    )


def worked_example(world) -> Cast:
    cast = Cast(
        a=_student(world, "An", "F"),
        b=_student(world, "Bình", "M", "Tày"),
        c=_student(world, "Chi", "F", "Tày"),
        d=_student(world, "Dũng", "M"),
        e=_student(world, "Em", "F"),
        f=_student(world, "Phúc", "M", "Nùng"),
        g=_student(world, "Giang", "F", "H'Mông"),
        h=world.s8a1[0],
        late=world.s9a2[0],
    )
    for s in (cast.a, cast.b, cast.c, cast.d):
        f.enroll(s, world.c9a1)
    move(cast.e, Movement.TRANSFER_IN, D(2026, 9, 20), world.c9a1)
    move(cast.b, Movement.DROPPED_OUT, D(2026, 10, 10), causes=["1a", "2c"])
    move(cast.c, Movement.MOVE_CLASS, D(2026, 10, 12), world.c9a2)
    move(cast.d, Movement.TRANSFER_OUT, D(2026, 10, 15))
    move(cast.f, Movement.TRANSFER_IN, D(2026, 10, 16), world.c9a1)
    move(cast.a, Movement.OTHER_EXIT, D(2026, 10, 18))
    move(cast.b, Movement.RETURNED, D(2026, 10, 20), world.c9a1)
    move(cast.h, Movement.MOVE_CLASS, D(2026, 10, 22), world.c9a1)
    move(cast.g, Movement.TRANSFER_IN, D(2026, 10, 25), world.c9a2)
    move(cast.g, Movement.DROPPED_OUT, D(2026, 10, 28), causes=["5a"])
    move(cast.late, Movement.DROPPED_OUT, D(2026, 11, 2), causes=["3a"])
    return cast


# --- counting by hand -------------------------------------------------------------------------


def _there_at_end_of(span, day) -> bool:
    if span.start_date > day:
        return False
    if span.end_date is None or span.end_kind == Enrollment.EndKind.YEAR_END:
        return True
    return span.end_date > day


def count_by_hand(classroom, start, end) -> dict:
    """The S3 columns of one class for the period, with plain loops over its spans."""
    snapshot = classroom.school_year.enrollment_snapshot_date
    opening_day = min(max(start - datetime.timedelta(days=1), snapshot), end)
    cum_from = min(snapshot, end)
    spans = list(Enrollment.objects.filter(classroom=classroom).select_related("student"))
    out = dict.fromkeys(
        [
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
        ],
        0,
    )
    for span in spans:
        girl = span.student.gender == Student.Gender.FEMALE
        minority = span.student.is_ethnic_minority
        if _there_at_end_of(span, snapshot):
            out["start_total"] += 1
            out["start_female"] += girl
            out["start_minority"] += minority
        if _there_at_end_of(span, opening_day):
            out["opening"] += 1
        if _there_at_end_of(span, end):
            out["end_total"] += 1
            out["end_female"] += girl
            out["end_minority"] += minority
        for lo, prefix in ((opening_day, ""), (cum_from, "cum_")):
            if lo < span.start_date <= end:
                if span.start_kind == Enrollment.StartKind.RETURNED:
                    out[prefix + "returned"] += 1
                else:  # transfers, class moves, late start-of-year entries
                    out[prefix + "arrived"] += 1
            ended = span.end_date is not None and span.end_kind != Enrollment.EndKind.YEAR_END
            if ended and lo < span.end_date <= end:
                if span.end_kind == Enrollment.EndKind.DROPPED_OUT:
                    out[prefix + "dropped"] += 1
                    if prefix:
                        out["cum_dropped_female"] += girl
                        out["cum_dropped_minority"] += minority
                elif span.end_kind == Enrollment.EndKind.OTHER_EXIT:
                    out[prefix + "other_exit"] += 1
                else:
                    out[prefix + "left"] += 1
    return out


def class_moves_by_hand(classrooms, start, end) -> list[tuple]:
    """(from class, to class) of every class move counted in the period's window."""
    snapshot = classrooms[0].school_year.enrollment_snapshot_date
    opening_day = min(max(start - datetime.timedelta(days=1), snapshot), end)
    ids = {c.pk: c for c in classrooms}
    spans = list(Enrollment.objects.filter(classroom_id__in=ids))
    moves = []
    for span in spans:
        if span.start_kind != Enrollment.StartKind.CLASS_CHANGE:
            continue
        if not (opening_day < span.start_date <= end):
            continue
        for earlier in spans:
            if (
                earlier.student_id == span.student_id
                and earlier.end_kind == Enrollment.EndKind.CLASS_CHANGE
                and earlier.end_date == span.start_date
                and earlier.classroom_id != span.classroom_id
            ):
                moves.append((ids[earlier.classroom_id], ids[span.classroom_id]))
    return moves
