"""Sweep rows for sponsors and support: School B's sponsor and a support given to its student."""

import datetime

from retention.models import Sponsor, Support


def _school_b_sponsor(w):
    return Sponsor.objects.create(school=w.school_b, name="Doanh nghiệp B")


def _school_b_support(w):
    return Support.objects.create(
        school_year=w.year_b,
        student=w.s9b1[0],
        sponsor=_school_b_sponsor(w),
        kind=Support.Kind.MONEY,
        value=500000,
        date=datetime.date(2026, 10, 1),
        recorded_by=w.principal_b,
    )


OUTSIDE_KWARGS = {
    "sponsor_detail": lambda w: {"pk": _school_b_sponsor(w).pk},
    "sponsor_edit": lambda w: {"pk": _school_b_sponsor(w).pk},
    "support_edit": lambda w: {"pk": _school_b_support(w).pk},
    "support_delete": lambda w: {"pk": _school_b_support(w).pk},
}
