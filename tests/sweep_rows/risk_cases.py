"""Sweep rows for risk cases and partners: School B's case, alert and partner."""

import datetime


def _school_b_case(w):
    """An open case of School B's student, in charge of School B's principal."""
    from retention.models import RiskCase

    return RiskCase.objects.create(
        school_year=w.year_b,
        student=w.s9b1[0],
        owner=w.principal_b,
        opened_on=w.year_b.start_date,
        opened_by=w.principal_b,
        source=RiskCase.Source.STUDENT,
        risk_factors="absences",
    )


def _school_b_alert(w):
    from retention.models import AbsenceAlert

    day = w.year_b.start_date + datetime.timedelta(days=3)
    return AbsenceAlert.objects.create(
        student=w.s9b1[0],
        school_year=w.year_b,
        classroom=w.c9b1,
        kind=AbsenceAlert.Kind.CONSECUTIVE,
        reason="Nghỉ 4 ngày liên tiếp",
        first_day=w.year_b.start_date,
        last_day=day,
        opened_on=day,
    )


def _school_b_partner(w):
    from retention.models import Partner

    return Partner.objects.create(school=w.school_b, kind=Partner.Kind.COMMUNE, name="UBND xã B")


OUTSIDE_KWARGS = {
    "case_detail": lambda w: {"pk": _school_b_case(w).pk},
    "case_status": lambda w: {"pk": _school_b_case(w).pk},
    "case_event_add": lambda w: {"pk": _school_b_case(w).pk},
    "case_owner": lambda w: {"pk": _school_b_case(w).pk},
    "risk_case_open_from_alert": lambda w: {"pk": _school_b_alert(w).pk},
    "partner_edit": lambda w: {"pk": _school_b_partner(w).pk},
}
