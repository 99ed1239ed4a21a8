"""Sweep rows for home visits and their minutes: School B's case, visit and signature image."""

from retention.models import HomeVisit, RiskCase, VisitAttachment


def _school_b_case(w):
    found = RiskCase.objects.filter(student=w.s9b1[0]).first()
    if found is not None:
        return found
    return RiskCase.objects.create(
        school_year=w.year_b,
        student=w.s9b1[0],
        owner=w.principal_b,
        opened_on=w.year_b.start_date,
        opened_by=w.principal_b,
        source=RiskCase.Source.STUDENT,
        risk_factors="absences",
    )


def _school_b_visit(w):
    from django.utils import timezone

    case = _school_b_case(w)
    found = case.visits.first()
    if found is not None:
        return found
    return HomeVisit.objects.create(
        case=case,
        number=1,
        author=w.principal_b,
        started_at=timezone.now(),
        content="Thăm gia đình em Páo.",
        outcome=HomeVisit.Outcome.WILL_THINK,
        signature_kind=HomeVisit.Signature.DRAWN,
        signer_name="Lò Thị Mẹ",
    )


def _school_b_image(w):
    visit = _school_b_visit(w)
    return VisitAttachment.objects.create(
        visit=visit,
        kind=VisitAttachment.Kind.PHOTO,
        content=b"\x89PNG\r\n\x1a\n",
        content_type="image/png",
        size=8,
    )


OUTSIDE_KWARGS = {
    "visit_create": lambda w: {"pk": _school_b_case(w).pk},
    "visit_detail": lambda w: {"pk": _school_b_visit(w).pk},
    "visit_edit": lambda w: {"pk": _school_b_visit(w).pk},
    "visit_amend": lambda w: {"pk": _school_b_visit(w).pk},
    "visit_minute_pdf": lambda w: {"pk": _school_b_visit(w).pk},
    "visit_image": lambda w: {"pk": _school_b_image(w).pk},
}
