"""Sweep rows for plans, peer pairs, counselling and families: School B's plan, pair, grade-9
class and student."""

from tests import factories as f
from tutoring.models import PeerPair, TutoringPlan


def _school_b_plan(w):
    return TutoringPlan.objects.create(
        school=w.school_b,
        school_year=w.year_b,
        level="school",
        owner=w.principal_b,
        title="Kế hoạch phụ đạo của Trường THCS B",
        start_date=w.year_b.start_date,
        end_date=w.year_b.end_date,
        measures="Phụ đạo môn Toán",
        status="submitted",
    )


def _school_b_pair(w):
    helper = f.StudentFactory(school=w.school_b, family_name="Lò Thị", given_name="Mai")
    f.enroll(helper, w.c9b1)
    from schools.models import Subject

    return PeerPair.objects.create(
        school_year=w.year_b,
        classroom=w.c9b1,
        subject=Subject.objects.get(code="TOAN"),
        helper=helper,
        helped=w.s9b1[0],
        start_date=w.year_b.start_date,
        created_by=w.principal_b,
        note="Em Páo cần giúp môn Toán",
    )


OUTSIDE_KWARGS = {
    "plan_detail": lambda w: {"pk": _school_b_plan(w).pk},
    "plan_edit": lambda w: {"pk": _school_b_plan(w).pk},
    "plan_submit": lambda w: {"pk": _school_b_plan(w).pk},
    "plan_decide": lambda w: {"pk": _school_b_plan(w).pk},
    "plan_pdf": lambda w: {"pk": _school_b_plan(w).pk},
    "peer_pair_update": lambda w: {"pk": _school_b_pair(w).pk},
    "counselling_class": lambda w: {"pk": w.c9b1.pk},
    "counselling_create": lambda w: {"pk": w.s9b1[0].pk},
    "learning_contact_create": lambda w: {"pk": w.s9b1[0].pk},
    "progress_letter": lambda w: {"pk": w.s9b1[0].pk},
}
