"""Read side of the visit pages: the form's read-only block, the visit page, the minutes of a
period. Each builds plain data with a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from students.models import Enrollment, Guardian, Student

from .minutes import MinuteData, Situation, minute_data, student_situation
from .models_cases import HomeVisit, RiskCase
from .scoping_cases import can_amend_visit, can_correct_visit, mentor_candidates
from .services_visits import can_still_correct, correction_deadline

PAGE_SIZE = 50
# Over this many minutes, the bundle asks for a shorter period or one class: laying out a minute
# takes 0.2–0.4 s, and the bundle is made while the clerk waits.
BUNDLE_LIMIT = 100


def today() -> datetime.date:
    """The school's today (tests replace this)."""
    return timezone.localdate()


def case_url(user, case: RiskCase) -> str | None:
    """The case's page, for those who may read the case (not the clerk, who keeps the minutes
    only); None before the cases area names its page."""
    try:
        url = reverse("case_detail", kwargs={"pk": case.pk})
    except NoReverseMatch:
        return None
    return url if RiskCase.objects.for_user(user).filter(pk=case.pk).exists() else None


def main_guardian(student: Student) -> Guardian | None:
    return student.guardians.order_by("-is_primary", "pk").first()


def staff_choices(user) -> list[tuple[int, str]]:
    """The school's staff for "from the school", the user first (usually present)."""
    staff = list(mentor_candidates(user).values_list("pk", "full_name"))
    return sorted(staff, key=lambda row: row[0] != user.pk)


def visit_by_client_id(case: RiskCase, client_id) -> HomeVisit | None:
    """The visit this form already saved (a retry), if it is one of this case."""
    import uuid

    try:
        key = uuid.UUID(str(client_id))
    except (TypeError, ValueError, AttributeError):
        return None
    return HomeVisit.objects.filter(client_id=key, case=case).first()


def class_name_of(student: Student, day: datetime.date) -> str:
    span = (
        Enrollment.objects.active_on(day)
        .filter(student=student)
        .select_related("classroom")
        .first()
        or Enrollment.objects.filter(student=student)
        .select_related("classroom")
        .order_by("-start_date", "-pk")
        .first()
    )
    return span.classroom.name if span else ""


@dataclass
class VisitFormContext:
    situation: Situation
    class_name: str
    guardian: Guardian | None


def visit_form_context(
    case: RiskCase, *, visit: HomeVisit | None = None, on: datetime.date | None = None
) -> VisitFormContext:
    """The form's read-only top: the student's situation since the case was opened (up to the
    visit being corrected, or today for a new one), the class, the main guardian (to fill the
    first person met)."""
    if visit is not None:
        on = timezone.localtime(visit.started_at).date()
    on = on or today()
    situation = student_situation(case, until=on)
    if visit is not None:
        situation.visit_number = visit.number
    return VisitFormContext(
        situation=situation,
        class_name=class_name_of(case.student, on),
        guardian=main_guardian(case.student),
    )


@dataclass
class VisitPage:
    minute: MinuteData
    visit: HomeVisit
    can_correct: bool  # the author, within the window
    is_author: bool
    can_amend: bool
    correct_until: datetime.datetime
    case_url: str | None


def visit_page(user, visit: HomeVisit) -> VisitPage:
    is_author = can_correct_visit(user, visit)
    return VisitPage(
        minute=minute_data(visit),
        visit=visit,
        can_correct=is_author and can_still_correct(visit),
        is_author=is_author,
        can_amend=can_amend_visit(user, visit),
        correct_until=timezone.localtime(correction_deadline(visit)),
        case_url=case_url(user, visit.case),
    )


# --- the minutes of a period (leaders and the clerk) ---------------------------------------------


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def minutes_queryset(
    user,
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    classroom=None,
    outcome: str = "",
) -> QuerySet:
    """The visits of the period the user may read, oldest first (the order of the register)."""
    qs = HomeVisit.objects.for_user(user).filter(
        started_at__gte=_day_start(date_from),
        started_at__lt=_day_start(date_to + datetime.timedelta(days=1)),
    )
    if classroom is not None:
        qs = qs.filter(
            case__student_id__in=Enrollment.objects.filter(classroom=classroom).values("student_id")
        )
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("started_at", "pk")


@dataclass
class MinuteRow:
    visit: HomeVisit
    class_name: str


@dataclass
class MinutesList:
    rows: list[MinuteRow]
    page: object
    count: int
    date_from: datetime.date
    date_to: datetime.date
    too_many_for_pdf: bool


def minutes_list(user, *, filters: dict, page=1) -> MinutesList:
    """The list page. Queries: count, page rows (with student and author), the classes of the
    page's students: 3, whatever the number of minutes."""
    qs = minutes_queryset(user, **filters).select_related("case__student", "author")
    paginator = Paginator(qs, PAGE_SIZE)
    page_obj = paginator.get_page(page)
    visits = list(page_obj)
    spans: dict[int, list] = {}
    if visits:
        for student_id, name, start, end in (
            Enrollment.objects.filter(student_id__in={v.case.student_id for v in visits})
            .order_by("start_date", "pk")
            .values_list("student_id", "classroom__name", "start_date", "end_date")
        ):
            spans.setdefault(student_id, []).append((name, start, end))
    rows = []
    for v in visits:
        day = timezone.localtime(v.started_at).date()
        found = spans.get(v.case.student_id, [])
        name = next(
            (n for n, s, e in found if s <= day and (e is None or e > day)),
            found[-1][0] if found else "",
        )
        rows.append(MinuteRow(v, name))
    return MinutesList(
        rows=rows,
        page=page_obj,
        count=paginator.count,
        date_from=filters["date_from"],
        date_to=filters["date_to"],
        too_many_for_pdf=paginator.count > BUNDLE_LIMIT,
    )
