"""Tutoring plans, the read side: the list grouped by level, one plan with its goals, groups and
history, the current weak rates offered as a goal's baseline, and the data object the PDF prints.

Every function makes a fixed number of queries, whatever the number of plans, goals or groups.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.formatting import format_date, format_number, round_half_up
from reports.class_size import nd30_place_date
from reports.pdf import OfficialDocument
from schools.models import Role, RoleAssignment, SchoolYear, Subject, SubjectGroup
from schools.scoping import scope_for
from students.models import Enrollment

from . import scoping
from .models import PlanGoal, ScheduleSlot, TutoringGroup, TutoringPlan, WeakRecord

Level = TutoringPlan.Level
Status = TutoringPlan.Status

# The text the PDF prints for each level (an official document: fixed Vietnamese wording).
FREE_OF_CHARGE = (
    "Việc phụ đạo học sinh được tổ chức trong nhà trường, không thu tiền của học sinh "
    "(Thông tư số 29/2024/TT-BGDĐT ngày 30/12/2024 của Bộ Giáo dục và Đào tạo)."
)


def today() -> datetime.date:
    return timezone.localdate()


# --- the list ---------------------------------------------------------------------------------


@dataclass
class PlanRow:
    plan: TutoringPlan
    subjects: list[str]
    can_edit: bool


@dataclass
class PlanSection:
    level: str
    label: str
    rows: list[PlanRow]


@dataclass
class PlanList:
    year: SchoolYear | None
    sections: list[PlanSection]
    can_create_school: bool = False
    can_create_teacher: bool = False
    group_choices: list[SubjectGroup] = field(default_factory=list)
    waiting: int = 0  # plans waiting for the principal's decision (shown to the principal)
    can_approve: bool = False


def plan_list(user) -> PlanList:
    """The plans of the current year the user may read, grouped school → subject groups →
    teachers. Queries: the plans (with owner, group, decider), their subjects, the subject
    groups the user may write for, plus the scope's own (cached) look-ups."""
    scope = scope_for(user)
    year = scope.year
    if year is None or not scoping.in_school(scope):
        return PlanList(year=year, sections=[])
    plans = list(
        TutoringPlan.objects.for_user(user)
        .filter(school_year=year)
        .select_related("owner", "subject_group", "decided_by", "parent", "school", "school_year")
        .prefetch_related(Prefetch("subjects", queryset=Subject.objects.order_by("order")))
        .order_by("level", "start_date", "title", "pk")
    )
    sections = {
        level: PlanSection(level=level, label=str(label), rows=[]) for level, label in Level.choices
    }
    for plan in plans:
        sections[plan.level].rows.append(
            PlanRow(
                plan=plan,
                subjects=[s.short_name for s in plan.subjects.all()],
                can_edit=scoping.can_edit_plan(user, plan) and plan.status != Status.SUBMITTED,
            )
        )
    sections[Level.GROUP].rows.sort(key=lambda r: (r.plan.subject_group.name, r.plan.start_date))
    sections[Level.TEACHER].rows.sort(key=lambda r: (r.plan.owner.sort_key, r.plan.start_date))
    can_approve = scope.is_principal
    return PlanList(
        year=year,
        sections=list(sections.values()),
        can_create_school=scoping.can_create_plan(user, Level.SCHOOL),
        can_create_teacher=scoping.can_create_plan(user, Level.TEACHER),
        group_choices=list(scoping.plan_subject_groups(user)),
        waiting=sum(1 for p in plans if p.status == Status.SUBMITTED) if can_approve else 0,
        can_approve=can_approve,
    )


# --- weak rates offered as baselines -------------------------------------------------------------


def weak_rates(
    school_year: SchoolYear, subjects: list[Subject], on: datetime.date
) -> dict[tuple[int, int], Decimal]:
    """{(subject id, grade): weak rate in %} now: students with an active, unresolved weak
    record in the subject ÷ students enrolled in the grade on ``on``. One query (a grouped
    count per grade, one conditional count per subject)."""
    if not subjects:
        return {}
    active = (
        Q(student__weak_records__school_year=school_year)
        & Q(student__weak_records__resolved_term__isnull=True)
        & ~Q(student__weak_records__status=WeakRecord.Status.DISMISSED)
    )
    counts = {
        f"w{s.pk}": Count(
            "student_id", distinct=True, filter=active & Q(student__weak_records__subject_id=s.pk)
        )
        for s in subjects
    }
    rows = (
        Enrollment.objects.active_on(on)
        .filter(classroom__school_year=school_year)
        .values("classroom__grade")
        .annotate(total=Count("student_id", distinct=True), **counts)
        .order_by("classroom__grade")
    )
    rates: dict[tuple[int, int], Decimal] = {}
    for row in rows:
        total = row["total"]
        if not total:
            continue
        for s in subjects:
            rates[(s.pk, row["classroom__grade"])] = round_half_up(
                Decimal(row[f"w{s.pk}"]) * 100 / total, 1
            )
    return rates


@dataclass
class RateTable:
    """The baselines offered on the plan form: one row per subject with any weak student (and
    the three subjects every report names), one column per grade."""

    grades: list[int]
    rows: list[tuple[Subject, list[Decimal | None]]]
    data_attr: str  # "subject:grade=12,5;…" for the form's script


KEY_SUBJECTS = ("TOAN", "NV", "NN1")


def rate_table(school_year: SchoolYear, subjects: list[Subject], on: datetime.date) -> RateTable:
    rates = weak_rates(school_year, subjects, on)
    grades = sorted({grade for _subject, grade in rates})
    rows = []
    for s in subjects:
        values = [rates.get((s.pk, g)) for g in grades]
        if s.code in KEY_SUBJECTS or any(v for v in values):
            rows.append((s, values))
    data = ";".join(
        f"{sid}:{grade}={format_number(value, 1)}" for (sid, grade), value in sorted(rates.items())
    )
    return RateTable(grades=grades, rows=rows, data_attr=data)


# --- one plan -------------------------------------------------------------------------------------


@dataclass
class GroupLine:
    group: TutoringGroup
    tutors: list[str]
    slots: list[str]
    slots_vi: list[str] = field(default_factory=list)  # for the PDF, an official document


@dataclass
class HistoryEntry:
    when: datetime.datetime
    who: str
    what: str
    changes: list[tuple[str, str, str]]


@dataclass
class PlanDetail:
    plan: TutoringPlan
    goals: list[PlanGoal]
    subjects: list[Subject]
    groups: list[GroupLine]
    children: list[TutoringPlan]
    history: list[HistoryEntry]
    parent: TutoringPlan | None
    can_edit: bool
    can_submit: bool
    can_decide: bool

    @property
    def grades(self) -> list[str]:
        return grade_list(self.plan.grades)


def grade_list(text: str) -> list[str]:
    return [g.strip() for g in (text or "").split(",") if g.strip()]


def slot_text(slot: ScheduleSlot) -> str:
    last = slot.first_period + slot.periods - 1
    periods = (
        _("period %(first)s") % {"first": slot.first_period}
        if slot.periods == 1
        else _("periods %(first)s–%(last)s") % {"first": slot.first_period, "last": last}
    )
    text = f"{slot.get_weekday_display()}, {periods} ({slot.get_session_display().lower()})"
    if slot.room:
        text += ", " + _("room %(room)s") % {"room": slot.room}
    return text


WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
SESSIONS_VI = {"morning": "sáng", "afternoon": "chiều"}


def slot_text_vi(slot: ScheduleSlot) -> str:
    """ "Thứ Ba, tiết 1–2 (chiều), phòng P.12": the PDF's fixed Vietnamese wording."""
    last = slot.first_period + slot.periods - 1
    periods = f"tiết {slot.first_period}" + (f"–{last}" if slot.periods > 1 else "")
    text = f"{WEEKDAYS_VI[slot.weekday]}, {periods} ({SESSIONS_VI.get(slot.session, slot.session)})"
    return text + (f", phòng {slot.room}" if slot.room else "")


def _groups(plan: TutoringPlan) -> list[GroupLine]:
    """The tutoring groups linked to the plan, with tutors and weekly slots (3 queries)."""
    from schools.models import User

    groups = (
        TutoringGroup.objects.filter(plan=plan)
        .select_related("subject")
        .prefetch_related(
            Prefetch("tutors", queryset=User.objects.order_by("sort_key")),
            Prefetch("slots", queryset=ScheduleSlot.objects.order_by("weekday", "first_period")),
        )
        .order_by("grade", "subject__order", "name")
    )
    return [
        GroupLine(
            group=g,
            tutors=[t.full_name for t in g.tutors.all()],
            slots=[slot_text(s) for s in g.slots.all()],
            slots_vi=[slot_text_vi(s) for s in g.slots.all()],
        )
        for g in groups
    ]


HISTORY_FIELDS = [
    "title",
    "start_date",
    "end_date",
    "grades",
    "targets",
    "measures",
    "people",
    "status",
    "parent",
    "subject_group",
    "return_reason",
]
LONG_TEXT = {"targets", "measures", "people", "return_reason"}


def _value(record, name: str) -> str:
    value = getattr(record, f"{name}_id" if name in ("parent", "subject_group") else name)
    if value is None or value == "":
        return ""
    if name == "status":
        return str(Status(value).label) if value in Status.values else str(value)
    if isinstance(value, datetime.date):
        return format_date(value)
    if name in LONG_TEXT:
        text = str(value).replace("\n", " ")
        return text if len(text) <= 80 else text[:79] + "…"
    return str(value)


def _goal_reason(reason: str | None) -> str:
    """The change reason a save stored ("goals:+1~2-0") in words."""
    if not reason or not reason.startswith("goals:"):
        return ""
    try:
        added, rest = reason.removeprefix("goals:+").split("~")
        changed, removed = rest.split("-")
        added_n, changed_n, removed_n = int(added), int(changed), int(removed)
    except ValueError:
        return ""
    parts = []
    if added_n:
        parts.append(_("%(n)s added") % {"n": added_n})
    if changed_n:
        parts.append(_("%(n)s changed") % {"n": changed_n})
    if removed_n:
        parts.append(_("%(n)s removed") % {"n": removed_n})
    return ", ".join(parts)


def plan_history(plan: TutoringPlan, limit: int = 50) -> list[HistoryEntry]:
    """Who changed what on the plan, newest first (one query; differences between consecutive
    records computed here). Goal changes are told by the change reason the save stored."""
    labels = {name: str(TutoringPlan._meta.get_field(name).verbose_name) for name in HISTORY_FIELDS}
    records = list(
        plan.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit]
    )
    entries = []
    previous = None
    for record in reversed(records):
        changes = []
        if previous is not None:
            for name in HISTORY_FIELDS:
                old, new = _value(previous, name), _value(record, name)
                if old != new:
                    changes.append((labels[name], old, new))
        previous = record
        goals = _goal_reason(record.history_change_reason)
        if record.history_type == "+":
            what = _("created the plan")
        elif changes or goals:
            what = _("changed the plan")
        else:
            continue  # a save without a visible difference
        if goals:
            changes.append((_("Goals"), "", goals))
        who = record.history_user.full_name if record.history_user else _("system")
        entries.append(HistoryEntry(when=record.history_date, who=who, what=what, changes=changes))
    entries.reverse()
    return entries


def plan_detail(user, plan: TutoringPlan) -> PlanDetail:
    """One plan: goals, subjects, linked groups (with tutors and slots), the plans that are part
    of it, its history, the plan it is part of. Queries: goals, subjects, groups (3), children,
    history, parent: 8 at most."""
    goals = list(plan.goals.select_related("subject").order_by("pk"))
    subjects = list(plan.subjects.order_by("order"))
    children = list(
        TutoringPlan.objects.for_user(user)
        .filter(parent=plan)
        .select_related("owner", "subject_group")
        .order_by("level", "title")
    )
    editable = scoping.can_edit_plan(user, plan)
    return PlanDetail(
        plan=plan,
        goals=goals,
        subjects=subjects,
        groups=_groups(plan),
        children=children,
        history=plan_history(plan),
        parent=TutoringPlan.objects.filter(pk=plan.parent_id).first() if plan.parent_id else None,
        can_edit=editable and plan.status in (Status.DRAFT, Status.RETURNED),
        can_submit=editable and plan.status in (Status.DRAFT, Status.RETURNED),
        can_decide=scoping.can_approve_plan(user, plan) and plan.status == Status.SUBMITTED,
    )


# --- the PDF ---------------------------------------------------------------------------------


@dataclass
class GoalLine:
    number: int
    subject: str
    grade: str
    description: str
    baseline: str
    target: str


@dataclass
class PlanDocument:
    """Everything the plan's PDF prints, as plain text (the template makes no query)."""

    doc: OfficialDocument
    level: str
    level_line: str  # "của Tổ Toán – Tin", "của giáo viên Đỗ Văn Toán", or ""
    title: str
    school_year: str
    period: str
    subjects: str
    grades: str
    parent_title: str
    targets: list[str]
    goals: list[GoalLine]
    measures: list[str]
    people: list[str]
    groups: list[GroupLine]
    free_line: str
    approved: bool
    approver_name: str
    approved_on: str
    author_title: str
    author_name: str


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def place_of(school) -> str:
    """The locality in the date line: the commune's name without "xã/phường/thị trấn"."""
    place = (school.commune or school.province or "").strip()
    for prefix in ("thị trấn ", "phường ", "xã ", "đặc khu "):
        if place.lower().startswith(prefix):
            return place[len(prefix) :].strip()
    return place


def _principal_name(year: SchoolYear) -> str:
    found = (
        RoleAssignment.objects.filter(role=Role.PRINCIPAL, school_year=year)
        .select_related("user")
        .first()
    )
    return found.user.full_name if found else ""


def plan_document(detail: PlanDetail) -> PlanDocument:
    """The data the PDF prints (one query: the principal's name when the plan is not decided)."""
    plan = detail.plan
    school = plan.school
    approved = plan.status == Status.APPROVED
    issued_on = (
        timezone.localtime(plan.decided_at).date() if approved and plan.decided_at else today()
    )
    group_name = plan.subject_group.name if plan.subject_group_id else ""
    if plan.level == Level.SCHOOL:
        governing, issuer = school.governing_body, school.name
        level_line, author_title = "", "HIỆU TRƯỞNG"
        symbol = "KH-THCS"
    elif plan.level == Level.GROUP:
        governing, issuer = school.name, group_name
        level_line, author_title = f"của {group_name}", "TỔ TRƯỞNG"
        symbol = "KH-TCM"
    else:
        governing, issuer = school.name, group_name or school.name
        level_line, author_title = f"của giáo viên {plan.owner.full_name}", "NGƯỜI LẬP KẾ HOẠCH"
        symbol = "KH-GV"
    approver = plan.decided_by.full_name if approved and plan.decided_by_id else ""
    if plan.level == Level.SCHOOL:
        # The principal signs the school's plan: the approver once approved.
        author_name = approver or _principal_name(plan.school_year)
    else:
        author_name = plan.owner.full_name
    recipients = ["Ban Giám hiệu;"] if plan.level != Level.SCHOOL else []
    if plan.level == Level.SCHOOL and school.governing_body:
        recipients.append(f"{school.governing_body.strip()} (để báo cáo);")
    if plan.level == Level.SCHOOL:
        recipients += ["Các tổ chuyên môn;", "Giáo viên chủ nhiệm, giáo viên bộ môn;"]
    elif plan.level == Level.GROUP:
        recipients.append(f"Giáo viên {group_name} (để thực hiện);")
    recipients.append("Lưu: VT.")
    doc = OfficialDocument(
        governing_body=governing,
        issuer=issuer,
        number_line=f"Số:       /{symbol}",
        place_date=nd30_place_date(place_of(school), issued_on),
        kind="KẾ HOẠCH",
        subject=f"Phụ đạo học sinh yếu kém năm học {plan.school_year.name}",
        recipients=recipients,
        signer_title=author_title,
        signer_name=author_name,
    )
    goals = [
        GoalLine(
            number=i,
            subject=g.subject.name if g.subject_id else "",
            grade=str(g.grade or ""),
            description=g.description,
            baseline="" if g.baseline_percent is None else format_number(g.baseline_percent, 1),
            target="" if g.target_percent is None else format_number(g.target_percent, 1),
        )
        for i, g in enumerate(detail.goals, start=1)
    ]
    return PlanDocument(
        doc=doc,
        level=plan.level,
        level_line=level_line,
        title=plan.title,
        school_year=plan.school_year.name,
        period=f"từ ngày {format_date(plan.start_date)} đến ngày {format_date(plan.end_date)}",
        subjects=", ".join(s.name for s in detail.subjects),
        grades=", ".join(detail.grades),
        parent_title=detail.parent.title if detail.parent else "",
        targets=_paragraphs(plan.targets),
        goals=goals,
        measures=_paragraphs(plan.measures),
        people=_paragraphs(plan.people),
        groups=detail.groups,
        free_line=FREE_OF_CHARGE,
        approved=approved,
        approver_name=approver,
        approved_on=format_date(issued_on) if approved else "",
        author_title=author_title,
        author_name=author_name,
    )
