"""Writes to students and their enrollment history. Views call these; nothing else saves."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools.models import Classroom

from .models import DropoutCause, Enrollment, Guardian, Student


class Movement:
    """What a person records; each becomes the start and/or end of an enrollment span."""

    ENROLLED = "enrolled"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"
    MOVE_CLASS = "move_class"
    DROPPED_OUT = "dropped_out"
    RETURNED = "returned"
    OTHER_EXIT = "other_exit"

    CHOICES = [
        (ENROLLED, gettext_lazy("Enrolled at the start of the year")),
        (TRANSFER_IN, gettext_lazy("Transferred in")),
        (MOVE_CLASS, gettext_lazy("Moved to another class")),
        (TRANSFER_OUT, gettext_lazy("Transferred out")),
        (DROPPED_OUT, gettext_lazy("Dropped out")),
        (RETURNED, gettext_lazy("Returned to school")),
        (OTHER_EXIT, gettext_lazy("Left for another reason (vocational training, death …)")),
    ]
    ARRIVALS = {ENROLLED, TRANSFER_IN, RETURNED}
    DEPARTURES = {TRANSFER_OUT, DROPPED_OUT, OTHER_EXIT}


MSG_FUTURE = gettext_lazy("The date cannot be in the future.")
MSG_OUTSIDE_YEAR = gettext_lazy("The date %(date)s is outside the school year %(year)s.")
MSG_ALREADY_ENROLLED = gettext_lazy("The student is already in class %(classroom)s.")
MSG_NOT_ENROLLED = gettext_lazy("The student is not in any class now.")
MSG_BEFORE_START = gettext_lazy(
    "The date must be after %(date)s, when the student joined %(classroom)s."
)
MSG_NEEDS_CLASS = gettext_lazy("Choose the class.")
MSG_SAME_CLASS = gettext_lazy("The student is already in this class.")
MSG_OTHER_YEAR = gettext_lazy("The new class must be in the same school year.")
MSG_NEEDS_CAUSE = gettext_lazy("Choose at least one cause of dropping out.")
MSG_NOT_DROPPED = gettext_lazy("Only a student who dropped out can return.")
MSG_OTHER_SCHOOL = gettext_lazy("The class belongs to another school.")
MSG_CODE_TAKEN = gettext_lazy("Another student of the school already has the code %(code)s.")


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@transaction.atomic
def student_save(*, student: Student, guardians: list[dict] | None = None) -> Student:
    """Create or update a student (and, if given, replace their guardians)."""
    clash = Student.objects.filter(school_id=student.school_id, code=student.code)
    if student.pk:
        clash = clash.exclude(pk=student.pk)
    if clash.exists():
        raise ValidationError({"code": MSG_CODE_TAKEN % {"code": student.code}})
    student.full_clean(exclude=["school"])
    student.save()
    if guardians is not None:
        keep = []
        for data in guardians:
            guardian = (
                Guardian.objects.filter(student=student, pk=data.get("id")).first()
                if data.get("id")
                else None
            )
            guardian = guardian or Guardian(student=student)
            changed = guardian.pk is None
            for key in ("full_name", "relation", "phone", "occupation", "is_primary"):
                if key in data and getattr(guardian, key) != data[key]:
                    setattr(guardian, key, data[key])
                    changed = True
            if changed:  # an untouched guardian leaves no empty line in the audit trail
                guardian.full_clean()
                guardian.save()
            keep.append(guardian.pk)
        Guardian.objects.filter(student=student).exclude(pk__in=keep).delete()
    return student


def _check_date(day: datetime.date, classroom: Classroom) -> None:
    if day > timezone.localdate():
        raise ValidationError({"date": MSG_FUTURE})
    year = classroom.school_year
    if not year.contains(day):
        raise ValidationError({"date": MSG_OUTSIDE_YEAR % {"date": _fmt(day), "year": year.name}})


@transaction.atomic
def enrollment_record_movement(
    *,
    student: Student,
    kind: str,
    date: datetime.date,
    classroom: Classroom | None = None,
    note: str = "",
    causes: list[str] | None = None,
) -> Enrollment:
    """Record a movement (enrolled, transferred in/out, moved class, dropped out, returned, left).

    Refuses a date in the future or outside the class's school year, a second open enrollment,
    a departure for a student who is in no class, a dropout without a cause, a return for a
    student who did not drop out, and a class of another school or year.
    Returns the enrollment span that was opened or closed.

    A transfer out or a dropout closes the student's active risk case, a return reopens the
    case closed as dropped out (retention, issue 6), in the same transaction.
    """
    span = _record_movement(
        student=student, kind=kind, date=date, classroom=classroom, note=note, causes=causes
    )
    if kind in (Movement.TRANSFER_OUT, Movement.DROPPED_OUT, Movement.RETURNED):
        from retention.services_cases import sync_from_movement  # the later app, imported lazily

        sync_from_movement(student=student, kind=kind, date=date)
    return span


def _record_movement(
    *,
    student: Student,
    kind: str,
    date: datetime.date,
    classroom: Classroom | None,
    note: str,
    causes: list[str] | None,
) -> Enrollment:
    # Lock the student so two people recording a movement at once cannot both open a span.
    Student.objects.select_for_update().filter(pk=student.pk).first()
    current = (
        Enrollment.objects.select_related("classroom__school_year")
        .filter(student=student, end_date__isnull=True)
        .first()
    )
    causes = [c for c in (causes or []) if c in DropoutCause.values]

    if kind in Movement.ARRIVALS:
        if classroom is None:
            raise ValidationError({"classroom": MSG_NEEDS_CLASS})
        if classroom.school_year.school_id != student.school_id:
            raise ValidationError({"classroom": MSG_OTHER_SCHOOL})
        if current is not None:
            raise ValidationError(MSG_ALREADY_ENROLLED % {"classroom": current.classroom})
        _check_date(date, classroom)
        if kind == Movement.RETURNED:
            last = Enrollment.objects.filter(student=student).order_by("-end_date", "-pk").first()
            if last is None or last.end_kind != Enrollment.EndKind.DROPPED_OUT:
                raise ValidationError(MSG_NOT_DROPPED)
        start_kind = {
            Movement.ENROLLED: Enrollment.StartKind.START_OF_YEAR,
            Movement.TRANSFER_IN: Enrollment.StartKind.TRANSFER_IN,
            Movement.RETURNED: Enrollment.StartKind.RETURNED,
        }[kind]
        span = Enrollment(
            student=student,
            classroom=classroom,
            start_date=date,
            start_kind=start_kind,
            start_note=note,
        )
        span.full_clean()
        span.save()
        return span

    if current is None:
        raise ValidationError(MSG_NOT_ENROLLED)
    _check_date(date, current.classroom)
    if date < current.start_date:
        raise ValidationError(
            {
                "date": MSG_BEFORE_START
                % {"date": _fmt(current.start_date), "classroom": current.classroom}
            }
        )

    if kind == Movement.MOVE_CLASS:
        if classroom is None:
            raise ValidationError({"classroom": MSG_NEEDS_CLASS})
        if classroom.pk == current.classroom_id:
            raise ValidationError({"classroom": MSG_SAME_CLASS})
        if classroom.school_year_id != current.classroom.school_year_id:
            raise ValidationError({"classroom": MSG_OTHER_YEAR})
        _close(current, date, Enrollment.EndKind.CLASS_CHANGE, note, [])
        span = Enrollment(
            student=student,
            classroom=classroom,
            start_date=date,
            start_kind=Enrollment.StartKind.CLASS_CHANGE,
            start_note=note,
        )
        span.full_clean()
        span.save()
        return span

    end_kind = {
        Movement.TRANSFER_OUT: Enrollment.EndKind.TRANSFER_OUT,
        Movement.DROPPED_OUT: Enrollment.EndKind.DROPPED_OUT,
        Movement.OTHER_EXIT: Enrollment.EndKind.OTHER_EXIT,
    }.get(kind)
    if end_kind is None:
        raise ValidationError(_("Unknown movement."))
    if kind == Movement.DROPPED_OUT and not causes:
        raise ValidationError({"causes": MSG_NEEDS_CAUSE})
    return _close(current, date, end_kind, note, causes)


def _close(span: Enrollment, day, kind, note, causes) -> Enrollment:
    span.end_date = day
    span.end_kind = kind
    span.end_note = note
    span.dropout_causes = ",".join(causes)
    span.full_clean()
    span.save(update_fields=["end_date", "end_kind", "end_note", "dropout_causes", "updated_at"])
    return span


@dataclass
class ClassSize:
    """Class size figures for one class, derived from enrollment spans."""

    start_of_year: int = 0
    now: int = 0
    transferred_in: int = 0
    transferred_out: int = 0
    dropped_out: int = 0
    female_now: int = 0


def class_sizes(classrooms, *, on: datetime.date | None = None) -> dict[int, ClassSize]:
    """Sizes of many classes in one grouped query (never one per class or per student)."""
    classrooms = list(classrooms)
    if not classrooms:
        return {}
    on = on or timezone.localdate()
    ids = [c.pk for c in classrooms]
    result = {c.pk: ClassSize() for c in classrooms}
    snap = F("classroom__school_year__enrollment_snapshot_date")
    covers_on = Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gt=on))
    covers_snap = Q(start_date__lte=snap) & (Q(end_date__isnull=True) | Q(end_date__gt=snap))
    ended = Q(end_date__lte=on)
    rows = (
        Enrollment.objects.filter(classroom_id__in=ids)
        .values("classroom_id")
        .annotate(
            now=Count("pk", filter=covers_on),
            female_now=Count("pk", filter=covers_on & Q(student__gender=Student.Gender.FEMALE)),
            start_of_year=Count("pk", filter=covers_snap),
            transferred_in=Count(
                "pk", filter=Q(start_kind=Enrollment.StartKind.TRANSFER_IN, start_date__lte=on)
            ),
            transferred_out=Count("pk", filter=ended & Q(end_kind=Enrollment.EndKind.TRANSFER_OUT)),
            dropped_out=Count("pk", filter=ended & Q(end_kind=Enrollment.EndKind.DROPPED_OUT)),
        )
        .order_by()
    )
    for row in rows:
        classroom_id = row.pop("classroom_id")
        result[classroom_id] = ClassSize(**row)
    return result
