"""Reading dropout-risk cases: the case list, a case's timeline and essentials, the leadership's
list of escalated cases, partners with what they did, and the panels' summaries. Each builder
costs a fixed number of queries, whatever the number of cases, visits or events.

Who reads what is ``scoping_cases`` (cases: the leadership, the owner, the GVCN, people present
at a visit, the mentor; office staff never).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Classroom, Role, RoleAssignment, SchoolSettings
from schools.scoping import scope_for
from students.models import Enrollment, Guardian, Student

from .models import Absence, FamilyContact
from .models_cases import CaseEvent, HomeVisit, Mentorship, Partner, RiskCase, Support
from .scoping_cases import can_open_case, filter_partners, in_school

Status = RiskCase.Status
PAGE_SIZE = 50


def today() -> datetime.date:
    """The school's today (tests replace this)."""
    return timezone.localdate()


def optional_url(name: str, *args, query: str = "") -> str | None:
    """A URL another area of this issue names (visits, support, mentors), or None while that
    area is not there: pages show the button only when it leads somewhere."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


# --- annotations shared by the lists -------------------------------------------------------------


def _count(qs: QuerySet, group: str) -> Coalesce:
    """A correlated COUNT(*) (no join fan-out on the outer query)."""
    return Coalesce(
        Subquery(
            qs.order_by().values(group).annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def annotate_cases(qs: QuerySet) -> QuerySet:
    """Visits, failed visits, the last visit, the next step's date, the active mentor's name,
    the student's class (name, grade) in the case's year: all in the one query."""
    visits = HomeVisit.objects.filter(case=OuterRef("pk"))
    latest = visits.order_by("-started_at", "-number")
    span = Enrollment.objects.filter(
        student=OuterRef("student_id"), classroom__school_year=OuterRef("school_year_id")
    ).order_by("-start_date", "-pk")
    return qs.annotate(
        visits_count=_count(visits, "case"),
        failed_count=_count(visits.filter(outcome__in=HomeVisit.FAILED), "case"),
        last_visit_at=Subquery(latest.values("started_at")[:1]),
        next_date=Subquery(latest.values("next_date")[:1]),
        next_step=Subquery(latest.values("next_step")[:1]),
        mentor_name=Subquery(
            Mentorship.objects.filter(student=OuterRef("student_id"), end_date__isnull=True)
            .order_by("pk")
            .values("teacher__full_name")[:1]
        ),
        class_name=Subquery(span.values("classroom__name")[:1]),
        grade=Subquery(span.values("classroom__grade")[:1]),
    ).select_related("student", "owner")


def _mine_first(qs: QuerySet, grades: list[int]) -> QuerySet:
    if not grades:
        return qs.annotate(_mine=Value(1, output_field=IntegerField()))
    return qs.annotate(
        _mine=Case(
            When(grade__in=grades, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    )


def _in_classroom(classroom: Classroom) -> Q:
    return Q(student_id__in=Enrollment.objects.filter(classroom=classroom).values("student_id"))


# --- the case list -------------------------------------------------------------------------------


class Show:
    """The status filter: the active cases (open and monitoring), one status, or all."""

    ACTIVE = "active"
    ALL = "all"


@dataclass
class CaseRow:
    case: RiskCase
    mine: bool  # a VP's grade blocks

    @property
    def next_due(self) -> bool:
        nd = self.case.next_date
        return self.case.is_active and nd is not None and nd <= today()


@dataclass
class CaseList:
    rows: list
    page: object
    counts: dict  # status -> number of cases (with the class/mine/escalated filters)
    active_count: int
    escalated_count: int
    total: int
    vp_grades: list
    show: str

    @property
    def status_counts(self) -> list:
        return [(value, label, self.counts.get(value, 0)) for value, label in Status.choices]


def case_list(
    user,
    *,
    show: str = Show.ACTIVE,
    classroom: Classroom | None = None,
    escalated: bool = False,
    mine: bool = False,
    page: int | str | None = 1,
) -> CaseList:
    """The cases the user may read. Queries: the counts per status and escalated (one
    aggregate), the page count, the page's rows with every figure annotated: 3, whatever the
    number of cases."""
    scope = scope_for(user)
    base = RiskCase.objects.for_user(user)
    if classroom is not None:
        base = base.filter(_in_classroom(classroom))
    if escalated:
        base = base.filter(escalated_at__isnull=False)
    if mine:
        base = base.filter(owner=user)
    figures = base.aggregate(
        escalated=Count("pk", filter=Q(status__in=RiskCase.ACTIVE, escalated_at__isnull=False)),
        **{f"s_{value}": Count("pk", filter=Q(status=value)) for value in Status.values},
    )
    counts = {value: figures[f"s_{value}"] for value in Status.values}
    qs = base
    if show == Show.ACTIVE:
        qs = qs.active()
    elif show in Status.values:
        qs = qs.filter(status=show)
    grades = [] if scope.is_principal else scope.vp_grades
    qs = _mine_first(annotate_cases(qs), grades).order_by(
        "_mine",
        Case(When(escalated_at__isnull=False, then=Value(0)), default=Value(1)),
        "grade",
        "class_name",
        "student__sort_key",
        "-opened_on",
        "pk",
    )
    page_obj = Paginator(qs, PAGE_SIZE).get_page(page)
    rows = [CaseRow(case=c, mine=c._mine == 0 and bool(grades)) for c in page_obj]
    return CaseList(
        rows=rows,
        page=page_obj,
        counts=counts,
        active_count=sum(counts.get(s, 0) for s in RiskCase.ACTIVE),
        escalated_count=figures["escalated"],
        total=sum(counts.values()),
        vp_grades=sorted(set(grades)),
        show=show,
    )


# --- one case: essentials and timeline -----------------------------------------------------------


@dataclass
class TimelineItem:
    date: datetime.date
    kind: str  # absence, contact, visit, support, event, mentor, movement, opened
    icon: str
    title: str
    text: str = ""
    who: str = ""
    url: str | None = None
    tone: str = "secondary"
    order: tuple = ()  # tie-break within a day (later first)


@dataclass
class VisitSummary:
    visit: HomeVisit
    url: str | None

    @property
    def failed(self) -> bool:
        return self.visit.outcome in HomeVisit.FAILED


@dataclass
class CaseDetail:
    case: RiskCase
    classroom: Classroom | None
    gvcn: object | None
    guardian: Guardian | None
    mentor: object | None
    visits: list  # VisitSummary, oldest first
    failed_count: int
    needed_visits: int
    timeline: list  # TimelineItem, newest first
    since: datetime.date  # the timeline starts here

    @property
    def visits_count(self) -> int:
        return len(self.visits)

    @property
    def next_visit(self) -> HomeVisit | None:
        return self.visits[-1].visit if self.visits else None


def _span_label(span: Enrollment, start: bool) -> str:
    if start:
        if span.start_kind == Enrollment.StartKind.CLASS_CHANGE:
            return _("Moved to class %(c)s") % {"c": span.classroom.name}
        return f"{span.get_start_kind_display()} · {span.classroom.name}"
    return f"{span.get_end_kind_display()} · {span.classroom.name}"


def case_detail(case: RiskCase) -> CaseDetail:
    """The case page: the student's essentials and everything that happened, newest first.
    Queries: settings, class now, GVCN, main guardian, mentorships, absences, family contacts,
    visits, support, case events, enrollment spans: 11, whatever the number of lines."""
    student = case.student
    school_settings = SchoolSettings.for_school(student.school_id)
    since = case.opened_on - datetime.timedelta(days=school_settings.warning_window_days)
    span_now = (
        Enrollment.objects.filter(student=student, end_date__isnull=True)
        .select_related("classroom")
        .first()
    )
    classroom = span_now.classroom if span_now else None
    gvcn = None
    if classroom is not None:
        assignment = (
            RoleAssignment.objects.filter(role=Role.HOMEROOM, classroom=classroom)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        gvcn = assignment.user if assignment else None
    guardian = student.guardians.order_by("-is_primary", "pk").first()
    mentorships = list(
        Mentorship.objects.filter(student=student).select_related("teacher").order_by("start_date")
    )
    mentor = next((m.teacher for m in mentorships if m.end_date is None), None)

    items: list[TimelineItem] = []
    # Absences: one line per day (its sessions and P/K).
    by_day: dict[datetime.date, list[Absence]] = defaultdict(list)
    for absence in Absence.objects.filter(student=student, date__gte=since).order_by(
        "date", "session"
    ):
        by_day[absence.date].append(absence)
    for day, absences in by_day.items():
        unexcused = any(a.status == Absence.Status.UNEXCUSED for a in absences)
        marks = ", ".join(f"{a.get_session_display()} ({a.status})" for a in absences)
        reasons = "; ".join(dict.fromkeys(a.reason for a in absences if a.reason))
        items.append(
            TimelineItem(
                date=day,
                kind="absence",
                icon="bi-calendar-x",
                title=_("Absent: %(marks)s") % {"marks": marks},
                text=reasons,
                tone="danger" if unexcused else "warning",
                order=(0,),
            )
        )
    for contact in FamilyContact.objects.filter(student=student, date__gte=since).select_related(
        "recorded_by"
    ):
        items.append(
            TimelineItem(
                date=contact.date,
                kind="contact",
                icon="bi-telephone",
                title=_("Family contact (%(how)s): %(who)s")
                % {"how": contact.get_method_display(), "who": contact.contact_person},
                text=contact.content,
                who=contact.recorded_by.full_name,
                tone="info",
                order=(1, contact.pk),
            )
        )
    visits = list(
        HomeVisit.objects.filter(case=case).select_related("author").order_by("number", "pk")
    )
    visit_summaries = []
    for visit in visits:
        url = optional_url("visit_detail", visit.pk)
        visit_summaries.append(VisitSummary(visit=visit, url=url))
        title = _("Home visit no. %(n)s: %(outcome)s") % {
            "n": visit.number,
            "outcome": visit.get_outcome_display(),
        }
        text = visit.content
        if visit.next_step or visit.next_date:
            nxt = visit.next_step
            if visit.next_date:
                nxt = f"{nxt} ({visit.next_date:%d/%m/%Y})".strip()
            text = f"{text}\n{_('Next step')}: {nxt}"
        items.append(
            TimelineItem(
                date=timezone.localdate(visit.started_at),
                kind="visit",
                icon="bi-house-door",
                title=title,
                text=text,
                who=visit.author.full_name,
                url=url,
                tone="danger" if visit.outcome in HomeVisit.FAILED else "success",
                order=(3, visit.number),
            )
        )
    for support in (
        Support.objects.filter(student=student)
        .filter(Q(case=case) | Q(date__gte=since))
        .select_related("sponsor")
    ):
        giver = support.sponsor.name if support.sponsor else _("the school")
        title = _("Support: %(kind)s from %(giver)s") % {
            "kind": support.get_kind_display(),
            "giver": giver,
        }
        if support.value is not None:
            from lib.formatting import format_number

            title = f"{title} · {format_number(support.value, 0)} đ"
        items.append(
            TimelineItem(
                date=support.date,
                kind="support",
                icon="bi-gift",
                title=title,
                text=support.description,
                tone="success",
                order=(2, support.pk),
            )
        )
    action_labels = dict(CaseEvent.Action.choices)
    status_labels = dict(Status.choices)
    for event in CaseEvent.objects.filter(case=case).select_related("recorded_by", "partner"):
        tone, icon = "secondary", "bi-journal-text"
        if event.kind == CaseEvent.Kind.STATUS:
            icon, tone = "bi-flag", "primary"
            new = status_labels.get(event.new_status, event.new_status)
            if event.old_status:
                old = status_labels.get(event.old_status, event.old_status)
                title = _("Status: %(old)s → %(new)s") % {"old": old, "new": new}
            else:
                title = _("Case opened")
        elif event.kind == CaseEvent.Kind.ESCALATED:
            icon, tone = "bi-exclamation-triangle", "danger"
            title = event.get_kind_display()
        elif event.kind == CaseEvent.Kind.LEADERSHIP:
            icon, tone = "bi-person-badge", "dark"
            title = f"{event.get_kind_display()}: {action_labels.get(event.action, '')}"
        elif event.kind == CaseEvent.Kind.PARTNER:
            icon, tone = "bi-people", "info"
            title = f"{event.get_kind_display()}: {event.partner.name if event.partner else ''}"
        else:
            title = event.get_kind_display()
            if event.kind == CaseEvent.Kind.OWNER:
                icon = "bi-person-check"
        items.append(
            TimelineItem(
                date=event.date,
                kind="event",
                icon=icon,
                title=title,
                text=event.text,
                who=event.recorded_by.full_name,
                tone=tone,
                order=(4, event.pk),
            )
        )
    for m in mentorships:
        if m.start_date >= since:
            items.append(
                TimelineItem(
                    date=m.start_date,
                    kind="mentor",
                    icon="bi-person-heart",
                    title=_("%(name)s became the student's mentor") % {"name": m.teacher.full_name},
                    text=m.goals,
                    tone="success",
                    order=(1, m.pk),
                )
            )
        if m.end_date and m.end_date >= since:
            items.append(
                TimelineItem(
                    date=m.end_date,
                    kind="mentor",
                    icon="bi-person-dash",
                    title=_("Mentoring by %(name)s ended") % {"name": m.teacher.full_name},
                    text=m.end_reason,
                    order=(1, m.pk),
                )
            )
    for span in Enrollment.objects.filter(student=student).select_related("classroom"):
        if span.start_date >= since and span.start_kind != Enrollment.StartKind.START_OF_YEAR:
            items.append(
                TimelineItem(
                    date=span.start_date,
                    kind="movement",
                    icon="bi-box-arrow-in-right",
                    title=_span_label(span, True),
                    text=span.start_note,
                    tone="success",
                    order=(5, span.pk),
                )
            )
        if (
            span.end_date
            and span.end_date >= since
            and span.end_kind not in (Enrollment.EndKind.CLASS_CHANGE, Enrollment.EndKind.YEAR_END)
        ):
            causes = "; ".join(span.get_cause_labels())
            items.append(
                TimelineItem(
                    date=span.end_date,
                    kind="movement",
                    icon="bi-box-arrow-right",
                    title=_span_label(span, False),
                    text="\n".join(t for t in (span.end_note, causes) if t),
                    tone="danger",
                    order=(5, span.pk),
                )
            )
    items.sort(key=lambda i: (i.date, i.order), reverse=True)
    return CaseDetail(
        case=case,
        classroom=classroom,
        gvcn=gvcn,
        guardian=guardian,
        mentor=mentor,
        visits=visit_summaries,
        failed_count=sum(1 for v in visits if v.outcome in HomeVisit.FAILED),
        needed_visits=school_settings.visits_before_escalation,
        timeline=items,
        since=since,
    )


# --- escalated cases -----------------------------------------------------------------------------


@dataclass
class EscalatedCase:
    case: RiskCase
    visits: list  # HomeVisit, in order
    events: list  # the latest CaseEvents since (leadership, partners, notes, new owner)
    mine: bool


@dataclass
class EscalatedList:
    rows: list
    hidden: int  # escalated cases of other grade blocks not shown (a VP's default)
    all_grades: bool
    vp_grades: list
    can_toggle: bool


LAST_EVENTS = 4


def escalated_list(user, *, all_grades: bool = False) -> EscalatedList:
    """Active escalated cases: the principal every one; a vice-principal those of their grade
    blocks, or every one with ``all_grades``. Each with its visits (outcomes) and latest events.
    Queries: hidden count, cases, visits, events: 4, whatever the number of cases."""
    scope = scope_for(user)
    grades = [] if scope.is_principal else sorted(set(scope.vp_grades))
    base = annotate_cases(
        RiskCase.objects.for_user(user).active().filter(escalated_at__isnull=False)
    )
    hidden = 0
    qs = base
    if grades and not all_grades:
        qs = base.filter(grade__in=grades)
        hidden = base.exclude(grade__in=grades).count()
    cases = list(
        _mine_first(qs, grades).order_by("_mine", "escalated_at", "grade", "class_name", "pk")
    )
    ids = [c.pk for c in cases]
    visits: dict[int, list] = defaultdict(list)
    events: dict[int, list] = defaultdict(list)
    if ids:
        for v in HomeVisit.objects.filter(case_id__in=ids).order_by("number", "pk"):
            visits[v.case_id].append(v)
        for e in (
            CaseEvent.objects.filter(case_id__in=ids)
            .exclude(kind__in=[CaseEvent.Kind.STATUS, CaseEvent.Kind.ESCALATED])
            .select_related("partner", "recorded_by")
            .order_by("-date", "-pk")
        ):
            if len(events[e.case_id]) < LAST_EVENTS:
                events[e.case_id].append(e)
    rows = [
        EscalatedCase(
            case=c, visits=visits[c.pk], events=events[c.pk], mine=bool(grades) and c._mine == 0
        )
        for c in cases
    ]
    return EscalatedList(
        rows=rows,
        hidden=hidden,
        all_grades=all_grades,
        vp_grades=grades,
        can_toggle=bool(grades),
    )


# --- partners ------------------------------------------------------------------------------------


@dataclass
class PartnerRow:
    partner: Partner
    actions: int
    last_date: datetime.date | None
    last_text: str


def partner_list(user) -> list[PartnerRow]:
    """The school's partners, each with how many actions it took on cases and the latest one.
    Queries: partners (annotated), the latest actions: 2."""
    partners = list(
        filter_partners(Partner.objects.all(), user)
        .annotate(
            actions=Count("events", filter=Q(events__kind=CaseEvent.Kind.PARTNER)),
            last_date=Max("events__date", filter=Q(events__kind=CaseEvent.Kind.PARTNER)),
        )
        .order_by("-is_active", "kind", "name")
    )
    latest: dict[int, CaseEvent] = {}
    ids = [p.pk for p in partners if p.actions]
    if ids:
        for e in CaseEvent.objects.filter(partner_id__in=ids, kind=CaseEvent.Kind.PARTNER).order_by(
            "partner_id", "-date", "-pk"
        ):
            latest.setdefault(e.partner_id, e)
    return [
        PartnerRow(
            partner=p,
            actions=p.actions,
            last_date=p.last_date,
            last_text=latest[p.pk].text if p.pk in latest else "",
        )
        for p in partners
    ]


# --- panels --------------------------------------------------------------------------------------


@dataclass
class StudentCases:
    student: Student
    cases: list
    can_open: bool
    open_url: str


def student_cases(user, student: Student) -> StudentCases | None:
    """The student page's panel: the cases of the student the user may read, with their
    visits; "open a case" for those who may when none is active. None: nothing to show.
    Queries: the cases (annotated), and for a GVCN whether the student is theirs: 1 or 2."""
    scope = scope_for(user)
    if not in_school(scope) or student.school_id != scope.school.pk:
        return None
    cases = list(
        annotate_cases(RiskCase.objects.for_user(user).filter(student=student)).order_by(
            "-opened_on", "-pk"
        )
    )
    can_open = not any(c.is_active for c in cases) and can_open_case(user, student)
    if not cases and not can_open:
        return None
    return StudentCases(
        student=student,
        cases=cases,
        can_open=can_open,
        open_url=f"{reverse('case_open')}?student={student.pk}",
    )


@dataclass
class HomeCases:
    leader: bool
    active: int
    escalated: int
    my_active: int | None  # a VP's grade blocks
    my_escalated: int | None
    cases: list  # the GVCN's / owner's active cases (annotated)
    due: list  # those whose next visit is due
    escalated_cases: list


HOME_LIMIT = 10


def home_cases(user) -> HomeCases | None:
    """The home page's panel. Leaders: the school's active and escalated cases (a VP also their
    grade blocks'). A GVCN or an owner: their active cases, those whose next step is due, the
    escalated ones. None for people with no case to follow (office staff, the others).
    Queries: leaders 1; others 1 (cases of their class or in their charge)."""
    scope = scope_for(user)
    if not in_school(scope):
        return None
    if scope.is_leader:
        grades = [] if scope.is_principal else sorted(set(scope.vp_grades))
        qs = RiskCase.objects.for_user(user).active()
        if grades:
            span = Enrollment.objects.filter(
                student=OuterRef("student_id"), classroom__school_year=OuterRef("school_year_id")
            ).order_by("-start_date", "-pk")
            qs = qs.annotate(grade=Subquery(span.values("classroom__grade")[:1]))
        mine = Q(grade__in=grades) if grades else Q(pk__in=[])
        esc = Q(escalated_at__isnull=False)
        counts = qs.aggregate(
            active=Count("pk"),
            escalated=Count("pk", filter=esc),
            my_active=Count("pk", filter=mine),
            my_escalated=Count("pk", filter=mine & esc),
        )
        return HomeCases(
            leader=True,
            active=counts["active"],
            escalated=counts["escalated"],
            my_active=counts["my_active"] if grades else None,
            my_escalated=counts["my_escalated"] if grades else None,
            cases=[],
            due=[],
            escalated_cases=[],
        )
    from .scoping_cases import homeroom_student_ids_q

    qs = (
        RiskCase.objects.for_user(user)
        .active()
        .filter(Q(owner=user) | homeroom_student_ids_q(scope, "student__"))
    )
    cases = list(
        annotate_cases(qs).order_by("grade", "class_name", "student__sort_key", "pk")[:200]
    )
    if not cases and not scope.homeroom_class_ids:
        return None
    day = today()
    due = [c for c in cases if c.next_date is not None and c.next_date <= day]
    escalated = [c for c in cases if c.escalated_at is not None]
    return HomeCases(
        leader=False,
        active=len(cases),
        escalated=len(escalated),
        my_active=None,
        my_escalated=None,
        cases=cases[:HOME_LIMIT],
        due=due,
        escalated_cases=escalated,
    )
