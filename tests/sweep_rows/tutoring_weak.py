"""Sweep rows for the weak-student register: School B's record and class."""

from tutoring.models import WeakRecord


def _school_b_record(w):
    """A proposed record of School B's student (weak in Toán in semester I)."""
    from schools.models import Subject

    return WeakRecord.objects.create(
        school=w.school_b,
        school_year=w.year_b,
        student=w.s9b1[0],
        subject=Subject.objects.get(code="TOAN"),
        origin=WeakRecord.Origin.RESULTS,
        term=1,
        score="4.0",
        gap="1.0",
        identified_on=w.year_b.start_date,
    )


OUTSIDE_KWARGS = {
    "weak_detail": lambda w: {"pk": _school_b_record(w).pk},
    "weak_class": lambda w: {"pk": w.c9b1.pk},
}
