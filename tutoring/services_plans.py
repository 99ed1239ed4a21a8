"""Tutoring plans, the writes: create, edit (refusing stale edits), submit, approve or return.

Workflow: draft → submitted (by the author) → approved or returned with a reason (by the
principal). An approved plan is read-only; a returned one can be edited and submitted again.
Every save bumps ``version``: a form that loaded an older version is refused, never silently
overwritten. Goals are replaced from the form; their changes are told in the plan's history (a
change reason "goals:+added~changed-removed" on the plan's history record).

Who may call which function is decided by ``tutoring.scoping`` in the views
(``can_create_plan``, ``get_plan_for_user(write=…/approve=…)``); these functions enforce the
rules of the data and the workflow.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import SchoolYear, Subject, SubjectGroup, User

from .models import PlanGoal, TutoringPlan

Level = TutoringPlan.Level
Status = TutoringPlan.Status

MSG_TITLE = _("Write the plan's title.")
MSG_DATES_ORDER = _("The plan cannot end before it starts.")
MSG_DATES_YEAR = _(
    "The plan's period must fall within the school year %(year)s (%(start)s – %(end)s)."
)
MSG_PARENT = _("A plan can only be part of the school's plan of the same school year.")
MSG_PARENT_SCHOOL = _("The school's plan is not part of another plan.")
MSG_GROUP_NEEDED = _("Choose the subject group of this plan.")
MSG_GROUP_OTHER = _("This subject group is not one of the school's.")
MSG_GRADE = _("Grades are 6, 7, 8 and 9.")
MSG_GOAL_PERCENT = _("A rate is between 0 and 100 %.")
MSG_GOAL_TEXT = _("Write what the goal is.")
MSG_STALE = _(
    "%(who)s changed this plan after you opened it. Nothing was saved: check the current "
    "values below, then save again if your changes are still needed."
)
MSG_NOT_EDITABLE = _("Only a draft or a returned plan can be changed.")
MSG_APPROVED_READ_ONLY = _("An approved plan cannot be changed.")
MSG_SUBMIT_STATUS = _("Only a draft or a returned plan can be sent for approval.")
MSG_SUBMIT_INCOMPLETE = _(
    "Before sending the plan for approval, give it at least one goal and its measures."
)
MSG_DECIDE_STATUS = _("Only a plan waiting for approval can be approved or returned.")
MSG_RETURN_REASON = _("Write why the plan is returned, so its author knows what to change.")


class PlanConflict(ValidationError):
    """The plan changed since the form was loaded (its version moved on)."""


@dataclass
class GoalInput:
    subject: Subject | None
    grade: int | None
    description: str
    baseline_percent: Decimal | None = None
    target_percent: Decimal | None = None
    id: int | None = None  # an existing goal of the plan being edited


@dataclass
class PlanInput:
    title: str
    start_date: datetime.date
    end_date: datetime.date
    subjects: list[Subject] = field(default_factory=list)
    grades: list[int] = field(default_factory=list)
    targets: str = ""
    measures: str = ""
    people: str = ""
    parent: TutoringPlan | None = None
    goals: list[GoalInput] = field(default_factory=list)


def _check(
    data: PlanInput, *, school_year: SchoolYear, level: str, subject_group: SubjectGroup | None
) -> None:
    errors: dict[str, list] = defaultdict(list)
    if not data.title.strip():
        errors["title"].append(MSG_TITLE)
    if data.start_date and data.end_date:
        if data.end_date < data.start_date:
            errors["end_date"].append(MSG_DATES_ORDER)
        elif data.start_date < school_year.start_date or data.end_date > school_year.end_date:
            errors["start_date"].append(
                MSG_DATES_YEAR
                % {
                    "year": school_year.name,
                    "start": school_year.start_date.strftime("%d/%m/%Y"),
                    "end": school_year.end_date.strftime("%d/%m/%Y"),
                }
            )
    if data.parent is not None:
        if level == Level.SCHOOL:
            errors["parent"].append(MSG_PARENT_SCHOOL)
        elif (
            data.parent.level != Level.SCHOOL
            or data.parent.school_year_id != school_year.pk
            or data.parent.school_id != school_year.school_id
        ):
            errors["parent"].append(MSG_PARENT)
    if level == Level.GROUP and subject_group is None:
        errors[None].append(MSG_GROUP_NEEDED)
    if subject_group is not None and subject_group.school_id != school_year.school_id:
        errors[None].append(MSG_GROUP_OTHER)
    if any(g not in (6, 7, 8, 9) for g in data.grades):
        errors["grades"].append(MSG_GRADE)
    for goal in data.goals:
        if not goal.description.strip():
            errors[None].append(MSG_GOAL_TEXT)
        if goal.grade is not None and goal.grade not in (6, 7, 8, 9):
            errors[None].append(MSG_GRADE)
        for value in (goal.baseline_percent, goal.target_percent):
            if value is not None and not (0 <= value <= 100):
                errors[None].append(MSG_GOAL_PERCENT)
    if any(errors.values()):
        raise ValidationError(
            {(k or "__all__"): list(dict.fromkeys(v)) for k, v in errors.items() if v}
        )


def _fill(plan: TutoringPlan, data: PlanInput) -> None:
    plan.title = data.title.strip()
    plan.start_date = data.start_date
    plan.end_date = data.end_date
    plan.grades = ",".join(str(g) for g in sorted(set(data.grades)))
    plan.targets = data.targets.strip()
    plan.measures = data.measures.strip()
    plan.people = data.people.strip()
    plan.parent = data.parent


def _subjects(data: PlanInput) -> list[Subject]:
    """The plan's subjects, with every goal's subject added."""
    chosen = {s.pk: s for s in data.subjects}
    for goal in data.goals:
        if goal.subject is not None:
            chosen.setdefault(goal.subject.pk, goal.subject)
    return list(chosen.values())


def _save_goals(plan: TutoringPlan, goals: list[GoalInput]) -> tuple[int, int, int]:
    """Make the plan's goals those given; returns (added, changed, removed)."""
    existing = {g.pk: g for g in plan.goals.all()}
    kept: set[int] = set()
    added = changed = 0
    for item in goals:
        values = {
            "subject": item.subject,
            "grade": item.grade,
            "description": item.description.strip(),
            "baseline_percent": item.baseline_percent,
            "target_percent": item.target_percent,
        }
        goal = existing.get(item.id) if item.id else None
        if goal is None:
            PlanGoal.objects.create(plan=plan, **values)
            added += 1
            continue
        kept.add(goal.pk)
        differs = [
            name
            for name, value in values.items()
            if getattr(goal, f"{name}_id" if name == "subject" else name)
            != (value.pk if name == "subject" and value is not None else value)
        ]
        if differs:
            for name, value in values.items():
                setattr(goal, name, value)
            goal.full_clean()
            goal.save()
            changed += 1
    removed = [pk for pk in existing if pk not in kept]
    PlanGoal.objects.filter(pk__in=removed).delete()
    return added, changed, len(removed)


@transaction.atomic
def plan_create(
    *,
    user: User,
    school_year: SchoolYear,
    level: str,
    data: PlanInput,
    subject_group: SubjectGroup | None = None,
) -> TutoringPlan:
    """A new draft plan of ``level`` written by ``user``, with its goals. Refuses a period
    outside the school year, a parent that is not the same year's school plan, a group plan
    without its subject group, bad grades and rates."""
    _check(data, school_year=school_year, level=level, subject_group=subject_group)
    plan = TutoringPlan(
        school_id=school_year.school_id,
        school_year=school_year,
        level=level,
        subject_group=subject_group if level != Level.SCHOOL else None,
        owner=user,
        status=Status.DRAFT,
    )
    plan._history_user = user
    _fill(plan, data)
    plan.full_clean()
    plan.save()
    plan.subjects.set(_subjects(data))
    added, changed, removed = _save_goals(plan, data.goals)
    if added:
        _note_goals(plan, added, changed, removed)
    return plan


def _note_goals(plan: TutoringPlan, added: int, changed: int, removed: int) -> None:
    """Tell the plan's latest history record what happened to its goals."""
    record = plan.history.order_by("-history_date", "-history_id").first()
    if record is not None:
        record.history_change_reason = f"goals:+{added}~{changed}-{removed}"
        record.save(update_fields=["history_change_reason"])


def _lock(plan: TutoringPlan) -> TutoringPlan:
    return (
        TutoringPlan.objects.select_for_update(of=("self",))
        .select_related("school", "school_year", "subject_group", "owner")
        .get(pk=plan.pk)
    )


def _stale(current: TutoringPlan) -> PlanConflict:
    who = current.history.select_related("history_user").order_by("-history_date").first()
    name = who.history_user.full_name if who and who.history_user else str(_("Someone"))
    return PlanConflict(MSG_STALE % {"who": name}, code="stale")


@transaction.atomic
def plan_update(
    *, plan: TutoringPlan, user: User, version: int | None, data: PlanInput
) -> TutoringPlan:
    """Save an edit of a draft or returned plan. Refuses (``PlanConflict``) when the plan's
    version is not the one the form loaded; refuses an approved or submitted plan."""
    current = _lock(plan)
    current._history_user = user
    if version != current.version:
        raise _stale(current)
    if current.status == Status.APPROVED:
        raise ValidationError(MSG_APPROVED_READ_ONLY)
    if current.status not in (Status.DRAFT, Status.RETURNED):
        raise ValidationError(MSG_NOT_EDITABLE)
    _check(
        data,
        school_year=current.school_year,
        level=current.level,
        subject_group=current.subject_group,
    )
    if data.parent is not None and data.parent.pk == current.pk:
        raise ValidationError({"parent": [MSG_PARENT]})
    _fill(current, data)
    current.version += 1
    added, changed, removed = _save_goals(current, data.goals)
    if added or changed or removed:
        current._change_reason = f"goals:+{added}~{changed}-{removed}"
    current.full_clean()
    current.save()
    current.subjects.set(_subjects(data))
    return current


@transaction.atomic
def plan_submit(*, plan: TutoringPlan, user: User, version: int | None = None) -> TutoringPlan:
    """Send a draft or returned plan to the principal. It needs at least one goal and its
    measures. ``version`` (when given) must be the one the page showed."""
    current = _lock(plan)
    current._history_user = user
    if version is not None and version != current.version:
        raise _stale(current)
    if current.status not in (Status.DRAFT, Status.RETURNED):
        raise ValidationError(MSG_SUBMIT_STATUS)
    if not current.measures.strip() or not current.goals.exists():
        raise ValidationError(MSG_SUBMIT_INCOMPLETE)
    current.status = Status.SUBMITTED
    current.return_reason = ""
    current.version += 1
    current.save(update_fields=["status", "return_reason", "version", "updated_at"])
    return current


@transaction.atomic
def plan_decide(
    *,
    plan: TutoringPlan,
    user: User,
    approve: bool,
    reason: str = "",
    version: int | None = None,
) -> TutoringPlan:
    """The principal approves a submitted plan, or returns it with a reason (required)."""
    current = _lock(plan)
    current._history_user = user
    if version is not None and version != current.version:
        raise _stale(current)
    if current.status != Status.SUBMITTED:
        raise ValidationError(MSG_DECIDE_STATUS)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": [MSG_RETURN_REASON]})
    current.status = Status.APPROVED if approve else Status.RETURNED
    current.return_reason = "" if approve else reason
    current.decided_by = user
    current.decided_at = timezone.now()
    current.version += 1
    current.save(
        update_fields=[
            "status",
            "return_reason",
            "decided_by",
            "decided_at",
            "version",
            "updated_at",
        ]
    )
    return current
