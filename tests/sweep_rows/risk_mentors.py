"""Sweep rows for the mentors: School B's mentorship (its principal mentors its student)."""

from retention.models import Mentorship


def _school_b_mentorship(w):
    return Mentorship.objects.create(
        school_year=w.year_b,
        teacher=w.principal_b,
        student=w.s9b1[0],
        slot=1,
        reason=Mentorship.Reason.AT_RISK,
        start_date=w.year_b.start_date,
        created_by=w.principal_b,
    )


OUTSIDE_KWARGS = {
    "mentorship_detail": lambda w: {"pk": _school_b_mentorship(w).pk},
    "mentorship_end": lambda w: {"pk": _school_b_mentorship(w).pk},
}
