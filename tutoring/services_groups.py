"""Free tutoring groups (phụ đạo, exam review, gifted training) and their members: the writes.

Thông tư 29/2024 Điều 3 and 5 (REGULATIONS.md §3, R11), as the services enforce them:

* In-school extra teaching is **free**: there is no fee field anywhere; nothing here records money.
* A group teaches one subject to students of one grade. Exam review is for grade 9 only; gifted
  training only when the school uses the app for it (``SchoolSettings.gifted_training``).
* A group runs inside its school year. Its weekly periods (the sum of its schedule slots) stay
  within ``SchoolSettings.weekly_periods_limit`` (2 by default): a member can never get fewer
  periods than the group teaches, so a group above the limit could not be legal for anyone.
* A member needs a reason for that subject (``eligible_reasons``: weak in it last term; grade 9
  exam review; gifted training), a registration (Mẫu 01) and a parent's consent, both dated, and
  must be in the group's grade. At most ``group_max_students`` (45) active members per group; a
  student's periods a week in one subject, over all their groups whose dates overlap, stay within
  the weekly limit unless an approved exception is written down (``exception_note``).
* The app has no timetable, so a clash with regular lessons cannot be checked: a slot in a
  session the school teaches is flagged (``slot_warnings``) for people to check themselves.

Every refusal is a ``ValidationError`` with a Vietnamese message naming the student or the field;
adding several students is all-or-nothing with every refusal listed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from lib.formatting import format_date as _fmt
from schools.models import SchoolSettings, SchoolYear, Subject, User
from students.models import Enrollment, Student

from .models import (
    Comment,
    GroupKind,
    Membership,
    PeerPair,
    ScheduleSlot,
    SubjectResult,
    Term,
    TutoringGroup,
    TutoringPlan,
    WeakRecord,
)
from .rules import is_weak_in_subject

Reason = Membership.Reason

MSG_EXAM_REVIEW_GRADE_9 = gettext_lazy(
    "Exam review for the grade-10 entrance exam is only for grade 9 (Thông tư 29, Article 5)."
)
MSG_GIFTED_OFF = gettext_lazy(
    "This school does not run gifted-student training in the app (see the school setup)."
)
MSG_DATES_ORDER = gettext_lazy("The end date is before the start date.")
MSG_START_OUTSIDE_YEAR = gettext_lazy(
    "The group must start within the school year %(year)s (%(start)s – %(end)s)."
)
MSG_END_OUTSIDE_YEAR = gettext_lazy(
    "The group must end within the school year %(year)s (%(start)s – %(end)s)."
)
MSG_NO_TUTOR = gettext_lazy("Choose at least one tutor.")
MSG_TUTOR_OTHER_SCHOOL = gettext_lazy("%(name)s is not a member of staff of this school.")
MSG_PLAN_OTHER = gettext_lazy("This plan is not a plan of the school for this school year.")
MSG_PLAN_RETURNED = gettext_lazy(
    "This plan was returned for changes: choose a draft or approved plan."
)
MSG_NAME_TAKEN = gettext_lazy("Another group of this school year already has this name.")
MSG_NAME_EMPTY = gettext_lazy("Give the group a name.")
MSG_NO_SLOT = gettext_lazy("Add at least one weekly slot (day, session, periods).")
MSG_SLOT_SUNDAY = gettext_lazy("Sunday is not a school day: choose Monday to Saturday.")
MSG_SLOT_SESSION = gettext_lazy("Choose morning or afternoon for every slot.")
MSG_SLOT_PERIODS = gettext_lazy(
    "A slot starts between period 1 and 10 and lasts 1 to 5 periods (%(slot)s)."
)
MSG_SLOT_OVERLAP = gettext_lazy("Two slots overlap on %(day)s (%(session)s).")
MSG_WEEKLY_LIMIT = gettext_lazy(
    "The group would have %(periods)s periods a week; Thông tư 29 allows at most %(limit)s "
    "periods a week per subject for a student (school setting)."
)
MSG_SLOT_TAUGHT_SESSION = gettext_lazy(
    "%(day)s %(session)s is a session the school teaches: check that periods %(first)s–%(last)s "
    "do not clash with the regular timetable (Thông tư 29 forbids it; the app has no timetable "
    "to check)."
)
MSG_GRADE_WITH_MEMBERS = gettext_lazy(
    "The group has members in grade %(grade)s: remove them before changing the grade."
)
MSG_SUBJECT_WITH_MEMBERS = gettext_lazy(
    "The group has members registered for %(subject)s: remove them before changing the subject."
)
MSG_KIND_WITH_MEMBERS = gettext_lazy(
    "%(name)s joined for a reason that does not fit this purpose (%(reason)s)."
)
MSG_SESSIONS_OUTSIDE = gettext_lazy(
    "%(count)s recorded sessions fall outside the new dates (%(first)s – %(last)s)."
)
MSG_MEMBER_PERIODS_OVER = gettext_lazy(
    "%(name)s would have %(periods)s periods a week of %(subject)s (limit %(limit)s) and has no "
    "recorded exception."
)
MSG_GROUP_STALE = gettext_lazy(
    "Someone else changed this group while you were editing it. The page now shows their "
    "version: make your changes again."
)

MSG_NOT_ELIGIBLE = gettext_lazy(
    "%(name)s cannot join: “%(reason)s” does not apply to this student in %(subject)s."
)
MSG_REASON_KIND = gettext_lazy(
    "%(name)s: the reason “%(reason)s” does not fit the purpose of this group (%(kind)s)."
)
MSG_NO_REGISTRATION = gettext_lazy("%(name)s: the date of the registration (Mẫu 01) is missing.")
MSG_NO_CONSENT = gettext_lazy("%(name)s: the date of the parent's consent is missing.")
MSG_NO_CONSENT_BY = gettext_lazy("%(name)s: write who gave the consent (parent or guardian).")
MSG_DATE_FUTURE = gettext_lazy("%(name)s: the %(what)s date %(date)s is in the future.")
MSG_DATE_TOO_EARLY = gettext_lazy(
    "%(name)s: the %(what)s date %(date)s is too early (from %(min)s, just before the school year)."
)
MSG_JOIN_BEFORE_CONSENT = gettext_lazy(
    "%(name)s cannot join on %(joined)s, before the registration and the parent's consent."
)
MSG_GROUP_ENDED = gettext_lazy("%(name)s: the group ended on %(end)s.")
MSG_OTHER_SCHOOL = gettext_lazy("%(name)s is not a student of this school.")
MSG_WRONG_GRADE = gettext_lazy("%(name)s is not in grade %(grade)s (this group's grade).")
MSG_GROUP_FULL = gettext_lazy(
    "%(name)s: the group is full (%(count)s students; at most %(limit)s, Thông tư 29)."
)
MSG_PERIODS_OVER = gettext_lazy(
    "%(name)s would have %(periods)s periods a week of %(subject)s (limit %(limit)s). Write the "
    "approved exception (decision number, who approved) to allow it."
)
MSG_ALREADY_MEMBER = gettext_lazy("%(name)s is already in this group.")
MSG_TWICE = gettext_lazy("%(name)s was chosen twice.")

MSG_LEFT_ALREADY = gettext_lazy("%(name)s has already left this group.")
MSG_LEFT_BEFORE_JOIN = gettext_lazy(
    "%(name)s joined on %(joined)s: the date of leaving is earlier."
)
MSG_LEFT_FUTURE = gettext_lazy("The date of leaving cannot be in the future.")
MSG_LEFT_REASON = gettext_lazy("Write why the student leaves the group.")

WHAT_REGISTRATION = gettext_lazy("registration")
WHAT_CONSENT = gettext_lazy("consent")

# Which membership reasons fit which purpose of group. Exam review also takes a grade-9 student
# who is weak in the subject (both reasons are lawful; the group reviews for the exam).
REASONS_BY_KIND: dict[str, set[str]] = {
    GroupKind.REMEDIAL: {Reason.WEAK},
    GroupKind.EXAM_REVIEW: {Reason.EXAM_REVIEW, Reason.WEAK},
    GroupKind.GIFTED: {Reason.GIFTED},
}
DEFAULT_REASON: dict[str, str] = {
    GroupKind.REMEDIAL: Reason.WEAK,
    GroupKind.EXAM_REVIEW: Reason.EXAM_REVIEW,
    GroupKind.GIFTED: Reason.GIFTED,
}

# Registrations for a group that starts with the year are often signed in the summer before.
EARLIEST_BEFORE_YEAR = datetime.timedelta(days=92)


def today() -> datetime.date:
    """The school's today (tests replace ``timezone.localdate``)."""
    return timezone.localdate()


# --- eligibility (contract 3) ---------------------------------------------------------------------


def _previous_year(school_year: SchoolYear) -> SchoolYear | None:
    return SchoolYear.objects.filter(
        school_id=school_year.school_id, start_year=school_year.start_year - 1
    ).first()


def _weak_last_term(
    student_ids: Sequence[int], subject, school_year: SchoolYear, on_date: datetime.date, threshold
) -> set[int]:
    """Students whose result in ``subject`` at the end of the semester just before ``on_date``
    is weak ("cuối học kì liền kề", TT29 Điều 5 khoản 1 a): during semester II the semester I
    result; before that, last school year's result (the year row, else its semester II)."""
    if on_date >= school_year.semester2_start:
        rows = SubjectResult.objects.filter(
            school_year=school_year, term=Term.HK1, subject=subject, student_id__in=student_ids
        )
    else:
        previous = _previous_year(school_year)
        if previous is None:
            return set()
        rows = SubjectResult.objects.filter(
            school_year=previous,
            term__in=[Term.YEAR, Term.HK2],
            subject=subject,
            student_id__in=student_ids,
        )
    best: dict[int, tuple[int, object, str]] = {}
    for student_id, term, score, comment in rows.values_list(
        "student_id", "term", "score", "comment"
    ):
        if student_id not in best or term > best[student_id][0]:  # YEAR (3) before HK2 (2)
            best[student_id] = (term, score, comment)
    weak = set()
    for student_id, (_term, score, comment) in best.items():
        if comment:
            if comment == Comment.FAIL:
                weak.add(student_id)
        elif score is not None and is_weak_in_subject(score, threshold):
            weak.add(student_id)
    return weak


def eligibility_map(
    student_ids: Iterable[int], subject, school_year: SchoolYear, on_date: datetime.date
) -> dict[int, list[str]]:
    """``eligible_reasons`` for many students at once, in a fixed number of queries."""
    ids = list(dict.fromkeys(student_ids))
    if not ids:
        return {}
    settings = SchoolSettings.for_school(school_year.school_id)
    weak = set(
        WeakRecord.objects.filter(
            school_year=school_year,
            subject=subject,
            student_id__in=ids,
            resolved_term__isnull=True,
        )
        .exclude(status=WeakRecord.Status.DISMISSED)
        .values_list("student_id", flat=True)
    )
    weak |= _weak_last_term(ids, subject, school_year, on_date, settings.weak_threshold)
    grade9 = set(
        _enrollments_on(school_year, on_date)
        .filter(student_id__in=ids, classroom__grade=9)
        .values_list("student_id", flat=True)
    )
    out: dict[int, list[str]] = {}
    for student_id in ids:
        reasons = []
        if student_id in weak:
            reasons.append(Reason.WEAK.value)
        if student_id in grade9:
            reasons.append(Reason.EXAM_REVIEW.value)
        if settings.gifted_training:
            reasons.append(Reason.GIFTED.value)
        out[student_id] = reasons
    return out


def eligible_reasons(
    student, subject, school_year: SchoolYear, on_date: datetime.date
) -> list[str]:
    """The TT29 reasons this student may join a group of ``subject`` for (Membership.Reason
    values): "weak" (an active weak record for the subject that year, or last term's result in
    it is weak), "exam_review" (in grade 9), "gifted" (the school runs gifted training)."""
    return eligibility_map([student.pk], subject, school_year, on_date)[student.pk]


def _enrollments_on(school_year: SchoolYear, on_date: datetime.date):
    """Enrollment spans of the year's classes covering ``on_date`` (open spans when the date is
    outside the year, e.g. a registration in the summer)."""
    qs = Enrollment.objects.filter(classroom__school_year=school_year)
    if school_year.start_date <= on_date <= school_year.end_date:
        return qs.active_on(on_date)
    return qs.active_on(None)


def covered_student_ids(school_year: SchoolYear, subject_id: int, student_ids=None) -> set[int]:
    """Students covered for a subject: an active membership (not left) in a group of that
    subject that year, or an active peer pair (no end date) for it."""
    members = Membership.objects.filter(
        left_on__isnull=True, group__school_year=school_year, group__subject_id=subject_id
    )
    pairs = PeerPair.objects.filter(
        school_year=school_year, subject_id=subject_id, end_date__isnull=True
    )
    if student_ids is not None:
        members = members.filter(student_id__in=student_ids)
        pairs = pairs.filter(helped_id__in=student_ids)
    return set(members.values_list("student_id", flat=True)) | set(
        pairs.values_list("helped_id", flat=True)
    )


# --- schedule ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A weekly slot as entered: weekday 0 = Monday, session "morning"/"afternoon"."""

    weekday: int
    session: str
    first_period: int
    periods: int
    room: str = ""

    @property
    def last_period(self) -> int:
        return self.first_period + self.periods - 1


def _weekday_label(weekday: int) -> str:
    return str(dict(ScheduleSlot._meta.get_field("weekday").choices).get(weekday, weekday))


def _session_label(session: str) -> str:
    return str(dict(ScheduleSlot._meta.get_field("session").choices).get(session, session))


def weekly_periods(slots: Iterable) -> int:
    return sum(s.periods for s in slots)


def slot_warnings(slots: Iterable, settings: SchoolSettings) -> list[str]:
    """Slots in a session the school teaches may clash with the regular timetable, which the app
    cannot see: say so, slot by slot."""
    taught = set(settings.taught_sessions)
    return [
        str(MSG_SLOT_TAUGHT_SESSION)
        % {
            "day": _weekday_label(s.weekday),
            "session": _session_label(s.session).lower(),
            "first": s.first_period,
            "last": s.first_period + s.periods - 1,
        }
        for s in slots
        if s.session in taught
    ]


def _check_slots(slots: Sequence[Slot], limit: int) -> list[str]:
    errors: list[str] = []
    if not slots:
        return [str(MSG_NO_SLOT)]
    for s in slots:
        if s.weekday == 6:
            errors.append(str(MSG_SLOT_SUNDAY))
        elif not 0 <= s.weekday <= 5:
            errors.append(str(MSG_SLOT_SUNDAY))
        if s.session not in ("morning", "afternoon"):
            errors.append(str(MSG_SLOT_SESSION))
        if not (1 <= s.first_period <= 10 and 1 <= s.periods <= 5):
            errors.append(
                str(MSG_SLOT_PERIODS)
                % {"slot": f"{_weekday_label(s.weekday)} {s.first_period}+{s.periods}"}
            )
    seen: dict[tuple[int, str], list[Slot]] = defaultdict(list)
    for s in slots:
        for other in seen[(s.weekday, s.session)]:
            if s.first_period <= other.last_period and other.first_period <= s.last_period:
                errors.append(
                    str(MSG_SLOT_OVERLAP)
                    % {
                        "day": _weekday_label(s.weekday),
                        "session": _session_label(s.session).lower(),
                    }
                )
        seen[(s.weekday, s.session)].append(s)
    total = weekly_periods(slots)
    if total > limit:
        errors.append(str(MSG_WEEKLY_LIMIT) % {"periods": total, "limit": limit})
    return list(dict.fromkeys(errors))


# --- groups ---------------------------------------------------------------------------------------


@dataclass
class NewMember:
    """One student to add, as entered on the group's page (or a bulk tick)."""

    student: Student
    reason: str
    registered_on: datetime.date | None
    consent_on: datetime.date | None
    consent_by: str
    exception_note: str = ""
    joined_on: datetime.date | None = None


def _check_group(
    *,
    group: TutoringGroup | None,
    school_year: SchoolYear,
    settings: SchoolSettings,
    kind: str,
    subject: Subject,
    grade: int,
    name: str,
    tutors: Sequence[User],
    plan: TutoringPlan | None,
    start_date: datetime.date,
    end_date: datetime.date,
    slots: Sequence[Slot],
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = defaultdict(list)
    if kind == GroupKind.EXAM_REVIEW and grade != 9:
        errors["grade"].append(str(MSG_EXAM_REVIEW_GRADE_9))
    if kind == GroupKind.GIFTED and not settings.gifted_training:
        errors["kind"].append(str(MSG_GIFTED_OFF))
    year_span = {
        "year": school_year.name,
        "start": _fmt(school_year.start_date),
        "end": _fmt(school_year.end_date),
    }
    if not school_year.contains(start_date):
        errors["start_date"].append(str(MSG_START_OUTSIDE_YEAR) % year_span)
    if not school_year.contains(end_date):
        errors["end_date"].append(str(MSG_END_OUTSIDE_YEAR) % year_span)
    if end_date < start_date:
        errors["end_date"].append(str(MSG_DATES_ORDER))
    if not tutors:
        errors["tutors"].append(str(MSG_NO_TUTOR))
    for tutor in tutors:
        if tutor.school_id != school_year.school_id or not tutor.is_active:
            errors["tutors"].append(str(MSG_TUTOR_OTHER_SCHOOL) % {"name": tutor.full_name})
    if plan is not None:
        if plan.school_id != school_year.school_id or plan.school_year_id != school_year.pk:
            errors["plan"].append(str(MSG_PLAN_OTHER))
        elif plan.status == TutoringPlan.Status.RETURNED:
            errors["plan"].append(str(MSG_PLAN_RETURNED))
    if not name.strip():
        errors["name"].append(str(MSG_NAME_EMPTY))
    else:
        taken = TutoringGroup.objects.filter(school_year=school_year, name=name.strip())
        if group is not None:
            taken = taken.exclude(pk=group.pk)
        if taken.exists():
            errors["name"].append(str(MSG_NAME_TAKEN))
    slot_errors = _check_slots(slots, settings.weekly_periods_limit)
    if slot_errors:
        errors["slots"].extend(slot_errors)
    return errors


def _check_changes(
    group: TutoringGroup,
    *,
    kind: str,
    subject: Subject,
    grade: int,
    start_date: datetime.date,
    end_date: datetime.date,
    slots: Sequence[Slot],
    settings: SchoolSettings,
) -> dict[str, list[str]]:
    """What an edit must not break: its members and its recorded sessions."""
    errors: dict[str, list[str]] = defaultdict(list)
    active = list(group.members.filter(left_on__isnull=True).select_related("student"))
    if active and grade != group.grade:
        errors["grade"].append(str(MSG_GRADE_WITH_MEMBERS) % {"grade": group.grade})
    if active and subject.pk != group.subject_id:
        errors["subject"].append(str(MSG_SUBJECT_WITH_MEMBERS) % {"subject": group.subject.name})
    allowed = REASONS_BY_KIND.get(kind, set())
    labels = dict(Reason.choices)
    for m in active:
        if m.reason not in allowed:
            errors["kind"].append(
                str(MSG_KIND_WITH_MEMBERS)
                % {"name": m.student.full_name, "reason": labels.get(m.reason, m.reason)}
            )
    outside = group.sessions.exclude(date__gte=start_date, date__lte=end_date)
    days = list(outside.order_by("date").values_list("date", flat=True))
    if days:
        errors["start_date"].append(
            str(MSG_SESSIONS_OUTSIDE)
            % {"count": len(days), "first": _fmt(days[0]), "last": _fmt(days[-1])}
        )
    # More periods a week must not push a member over the limit through their other groups.
    new_total = weekly_periods(slots)
    if active and new_total > weekly_periods(group.slots.all()) and subject.pk == group.subject_id:
        probe = TutoringGroup(
            pk=group.pk,
            school_year_id=group.school_year_id,
            subject_id=subject.pk,
            start_date=start_date,
            end_date=end_date,
        )
        others = _other_periods(probe, [m.student_id for m in active])
        for m in active:
            total = new_total + others.get(m.student_id, 0)
            if total > settings.weekly_periods_limit and not m.exception_note:
                errors["slots"].append(
                    str(MSG_MEMBER_PERIODS_OVER)
                    % {
                        "name": m.student.full_name,
                        "periods": total,
                        "subject": subject.name,
                        "limit": settings.weekly_periods_limit,
                    }
                )
    return errors


def _save_slots(group: TutoringGroup, slots: Sequence[Slot]) -> None:
    group.slots.all().delete()
    ScheduleSlot.objects.bulk_create(
        [
            ScheduleSlot(
                group=group,
                weekday=s.weekday,
                session=s.session,
                first_period=s.first_period,
                periods=s.periods,
                room=s.room.strip(),
            )
            for s in slots
        ]
    )


def _raise(errors: dict[str, list[str]]) -> None:
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_group(
    *,
    school_year: SchoolYear,
    kind: str,
    subject: Subject,
    grade: int,
    name: str,
    tutors: Sequence[User],
    start_date: datetime.date,
    end_date: datetime.date,
    slots: Sequence[Slot],
    user: User,
    plan: TutoringPlan | None = None,
    room: str = "",
    note: str = "",
    members: Sequence[NewMember] = (),
) -> TutoringGroup:
    """Create a group with its weekly schedule (and, at once, its first members). Refuses what
    breaks a rule of the module docstring; nothing is saved when anything is refused."""
    settings = SchoolSettings.for_school(school_year.school_id)
    tutors = list(tutors)
    errors = _check_group(
        group=None,
        school_year=school_year,
        settings=settings,
        kind=kind,
        subject=subject,
        grade=grade,
        name=name,
        tutors=tutors,
        plan=plan,
        start_date=start_date,
        end_date=end_date,
        slots=slots,
    )
    _raise(errors)
    group = TutoringGroup(
        school_id=school_year.school_id,
        school_year=school_year,
        kind=kind,
        subject=subject,
        grade=grade,
        name=name.strip(),
        plan=plan,
        room=room.strip(),
        start_date=start_date,
        end_date=end_date,
        note=note.strip(),
    )
    group._history_user = user
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError as error:  # a second submit with the same name, at the same moment
        raise ValidationError({"name": [str(MSG_NAME_TAKEN)]}) from error
    group.tutors.set(tutors)
    _save_slots(group, slots)
    if members:
        add_members(group, members, user=user)
    return group


@transaction.atomic
def update_group(
    group: TutoringGroup,
    *,
    kind: str,
    subject: Subject,
    grade: int,
    name: str,
    tutors: Sequence[User],
    start_date: datetime.date,
    end_date: datetime.date,
    slots: Sequence[Slot],
    user: User,
    plan: TutoringPlan | None = None,
    room: str = "",
    note: str = "",
    members: Sequence[NewMember] = (),
    loaded_at: str | None = None,
) -> TutoringGroup:
    """Change a group, its schedule and tutors (and add members). ``loaded_at`` is the group's
    ``updated_at`` (ISO) when the form was loaded: if someone saved it since, nothing is saved.
    Also refuses a new grade or subject while members are in, a purpose that does not fit the
    members' reasons, dates leaving recorded sessions outside, and more periods a week that
    would put a member over the limit through their other groups."""
    locked = TutoringGroup.objects.select_for_update(of=("self",)).get(pk=group.pk)
    if loaded_at is not None and locked.updated_at.isoformat() != loaded_at:
        raise ValidationError(str(MSG_GROUP_STALE), code="stale")
    school_year = locked.school_year
    settings = SchoolSettings.for_school(school_year.school_id)
    tutors = list(tutors)
    errors = _check_group(
        group=locked,
        school_year=school_year,
        settings=settings,
        kind=kind,
        subject=subject,
        grade=grade,
        name=name,
        tutors=tutors,
        plan=plan,
        start_date=start_date,
        end_date=end_date,
        slots=slots,
    )
    for key, messages in _check_changes(
        locked,
        kind=kind,
        subject=subject,
        grade=grade,
        start_date=start_date,
        end_date=end_date,
        slots=slots,
        settings=settings,
    ).items():
        errors[key].extend(messages)
    _raise(errors)
    locked.kind = kind
    locked.subject = subject
    locked.grade = grade
    locked.name = name.strip()
    locked.plan = plan
    locked.room = room.strip()
    locked.start_date = start_date
    locked.end_date = end_date
    locked.note = note.strip()
    locked._history_user = user
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as error:
        raise ValidationError({"name": [str(MSG_NAME_TAKEN)]}) from error
    locked.tutors.set(tutors)
    _save_slots(locked, slots)
    if members:
        add_members(locked, members, user=user)
    return locked


# --- members --------------------------------------------------------------------------------------


def _other_periods(group: TutoringGroup, student_ids: Sequence[int]) -> dict[int, int]:
    """Weekly periods of the same subject each student already has in their other active
    groups of the year whose dates overlap this group's (a semester-I group and a semester-II
    group do not add up)."""
    rows = list(
        Membership.objects.filter(
            student_id__in=student_ids,
            left_on__isnull=True,
            group__school_year_id=group.school_year_id,
            group__subject_id=group.subject_id,
            group__start_date__lte=group.end_date,
            group__end_date__gte=group.start_date,
        )
        .exclude(group_id=group.pk)
        .values_list("student_id", "group_id")
    )
    if not rows:
        return {}
    per_group = dict(
        ScheduleSlot.objects.filter(group_id__in={g for _, g in rows})
        .values("group_id")
        .annotate(total=Sum("periods"))
        .values_list("group_id", "total")
    )
    out: dict[int, int] = defaultdict(int)
    for student_id, group_id in rows:
        out[student_id] += per_group.get(group_id, 0)
    return out


def default_joined_on(
    group: TutoringGroup, registered_on: datetime.date | None, consent_on: datetime.date | None
) -> datetime.date:
    """A student joins when the group starts, or later once registered with consent."""
    return max(d for d in (group.start_date, registered_on, consent_on) if d is not None)


@transaction.atomic
def add_members(group: TutoringGroup, members: Sequence[NewMember], *, user: User):
    """Add students to a group, all or nothing: every refusal is listed, naming the student.

    The group row is locked (``select_for_update``) before the members are counted, so two
    people adding students at the same moment cannot pass the 45-student limit together."""
    locked = (
        TutoringGroup.objects.select_for_update(of=("self",))
        .select_related("subject")
        .get(pk=group.pk)
    )
    school_year = SchoolYear.objects.get(pk=locked.school_year_id)
    settings = SchoolSettings.for_school(locked.school_id)
    day = today()
    earliest = school_year.start_date - EARLIEST_BEFORE_YEAR
    names = {m.student.pk: m.student.full_name for m in members}
    ids = list(names)
    active_ids = set(
        locked.members.filter(left_on__isnull=True).values_list("student_id", flat=True)
    )
    on_date = min(max(day, locked.start_date), locked.end_date)
    reasons = eligibility_map(ids, locked.subject, school_year, on_date)
    grades = dict(
        _enrollments_on(school_year, on_date)
        .filter(student_id__in=ids)
        .values_list("student_id", "classroom__grade")
    )
    other = _other_periods(locked, ids)
    weak_records = dict(
        WeakRecord.objects.filter(
            school_year=school_year, subject=locked.subject, student_id__in=ids
        )
        .exclude(status=WeakRecord.Status.DISMISSED)
        .values_list("student_id", "pk")
    )
    group_periods = weekly_periods(locked.slots.all())
    reason_labels = dict(Reason.choices)
    kind_label = dict(GroupKind.choices).get(locked.kind, locked.kind)
    errors: list[str] = []
    seen: set[int] = set()
    count = len(active_ids)
    to_create: list[Membership] = []
    for m in members:
        student = m.student
        sid = student.pk
        name = {"name": names[sid]}
        problems: list[str] = []
        if sid in seen:
            errors.append(str(MSG_TWICE) % name)
            continue
        seen.add(sid)
        if student.school_id != locked.school_id:
            errors.append(str(MSG_OTHER_SCHOOL) % name)
            continue
        if sid in active_ids:
            errors.append(str(MSG_ALREADY_MEMBER) % name)
            continue
        if grades.get(sid) != locked.grade:
            problems.append(str(MSG_WRONG_GRADE) % {**name, "grade": locked.grade})
        label = reason_labels.get(m.reason, m.reason)
        if m.reason not in reasons.get(sid, []):
            problems.append(
                str(MSG_NOT_ELIGIBLE) % {**name, "reason": label, "subject": locked.subject.name}
            )
        elif m.reason not in REASONS_BY_KIND.get(locked.kind, set()):
            problems.append(str(MSG_REASON_KIND) % {**name, "reason": label, "kind": kind_label})
        dates_ok = True
        for value, missing, what in (
            (m.registered_on, MSG_NO_REGISTRATION, WHAT_REGISTRATION),
            (m.consent_on, MSG_NO_CONSENT, WHAT_CONSENT),
        ):
            if value is None:
                problems.append(str(missing) % name)
                dates_ok = False
            elif value > day:
                problems.append(
                    str(MSG_DATE_FUTURE) % {**name, "what": str(what), "date": _fmt(value)}
                )
                dates_ok = False
            elif value < earliest:
                problems.append(
                    str(MSG_DATE_TOO_EARLY)
                    % {**name, "what": str(what), "date": _fmt(value), "min": _fmt(earliest)}
                )
                dates_ok = False
        if not m.consent_by.strip():
            problems.append(str(MSG_NO_CONSENT_BY) % name)
        joined = m.joined_on
        if dates_ok:
            joined = joined or default_joined_on(locked, m.registered_on, m.consent_on)
            if joined < m.registered_on or joined < m.consent_on:
                problems.append(str(MSG_JOIN_BEFORE_CONSENT) % {**name, "joined": _fmt(joined)})
            elif joined > locked.end_date:
                problems.append(str(MSG_GROUP_ENDED) % {**name, "end": _fmt(locked.end_date)})
        total = group_periods + other.get(sid, 0)
        if total > settings.weekly_periods_limit and not m.exception_note.strip():
            problems.append(
                str(MSG_PERIODS_OVER)
                % {
                    **name,
                    "periods": total,
                    "subject": locked.subject.name,
                    "limit": settings.weekly_periods_limit,
                }
            )
        if count >= settings.group_max_students:
            problems.append(
                str(MSG_GROUP_FULL) % {**name, "count": count, "limit": settings.group_max_students}
            )
        if problems:
            errors.extend(problems)
            continue
        count += 1
        to_create.append(
            Membership(
                group=locked,
                student=student,
                reason=m.reason,
                weak_record_id=weak_records.get(sid) if m.reason == Reason.WEAK else None,
                registered_on=m.registered_on,
                consent_on=m.consent_on,
                consent_by=m.consent_by.strip(),
                exception_note=m.exception_note.strip(),
                joined_on=joined,
                added_by=user,
            )
        )
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            created = bulk_create_with_history(to_create, Membership, default_user=user)
    except IntegrityError as error:  # the same student added by someone else at this moment
        raise ValidationError(
            [str(MSG_ALREADY_MEMBER) % {"name": m.student.full_name} for m in to_create]
        ) from error
    return created


def add_member(
    group: TutoringGroup,
    student: Student,
    *,
    reason: str,
    registered_on: datetime.date | None,
    consent_on: datetime.date | None,
    consent_by: str,
    exception_note: str = "",
    user: User,
    joined_on: datetime.date | None = None,
) -> Membership:
    """Add one student (see ``add_members`` for what is refused)."""
    created = add_members(
        group,
        [
            NewMember(
                student=student,
                reason=reason,
                registered_on=registered_on,
                consent_on=consent_on,
                consent_by=consent_by,
                exception_note=exception_note,
                joined_on=joined_on,
            )
        ],
        user=user,
    )
    if created and created[0].pk is not None:
        return created[0]
    return Membership.objects.get(group_id=group.pk, student_id=student.pk, left_on__isnull=True)


@transaction.atomic
def remove_member(
    membership: Membership, *, left_on: datetime.date, left_reason: str, user: User
) -> Membership:
    """A student leaves a group: ``left_on`` and why are recorded, the row is kept (the reports
    and the attendance still count it)."""
    locked = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("student")
        .get(pk=membership.pk)
    )
    name = {"name": locked.student.full_name}
    errors: list[str] = []
    if locked.left_on is not None:
        errors.append(str(MSG_LEFT_ALREADY) % name)
    if left_on > today():
        errors.append(str(MSG_LEFT_FUTURE))
    if left_on < locked.joined_on:
        errors.append(str(MSG_LEFT_BEFORE_JOIN) % {**name, "joined": _fmt(locked.joined_on)})
    if not left_reason.strip():
        errors.append(str(MSG_LEFT_REASON))
    if errors:
        raise ValidationError(errors)
    locked.left_on = left_on
    locked.left_reason = left_reason.strip()
    locked._history_user = user
    locked.save(update_fields=["left_on", "left_reason", "updated_at"])
    return locked


def suggest_name(school_year: SchoolYear, *, kind: str, subject: Subject, grade: int) -> str:
    """ "Phụ đạo Toán 8 – nhóm 1", the first number not taken this year."""
    patterns = {
        GroupKind.REMEDIAL: _("Tutoring %(subject)s %(grade)s – group %(n)s"),
        GroupKind.EXAM_REVIEW: _("Exam review %(subject)s %(grade)s – group %(n)s"),
        GroupKind.GIFTED: _("Gifted training %(subject)s %(grade)s – group %(n)s"),
    }
    pattern = patterns.get(kind, patterns[GroupKind.REMEDIAL])
    taken = set(
        TutoringGroup.objects.filter(school_year=school_year).values_list("name", flat=True)
    )
    n = 1
    while True:
        name = pattern % {"subject": subject.name, "grade": grade, "n": n}
        if name not in taken:
            return name
        n += 1
