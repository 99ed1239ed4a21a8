"""Absence alerts and contacts with families: the writes.

How alerts are raised (``alerts_refresh``), per student of the classes given, for one school year:

* A **day absent** is a school day on which the student is absent from the session of the official
  plan (``SchoolSettings.official_session``). A day nobody took the roll for is not an absence, and
  it ends a run of absences like a day present does (the window rule still sees the days around it).
* **consecutive**: absent on more than ``alert_absent_days`` consecutive school days ending at the
  latest day the student's roll was taken. Sundays, untaught Saturdays and holidays are not school
  days, so they neither break nor lengthen a run.
* **window**: absent on more than ``alert_absent_days`` of the last ``alert_window_days`` school
  days (up to ``today``), for scattered absences.
* **unexcused**: at least ``alert_unexcused_sessions`` unexcused sessions (K, any session) within
  the same window.
* **sessions_warning** (level 30, 40 …) and **sessions_over** (level = ``session_limit``): the
  yearly count of absent sessions on the official plan, excused and unexcused (TT22, Điều 12).

Episodes, so one absence problem is one alert and a contact with the family is not undone:

* One open alert per (student, kind, level) (a database constraint). While the problem goes on the
  open alert follows it: its ``last_day``, ``reason`` and class are updated, ``opened_on`` is kept
  (the days waiting count from it) and ``first_day`` stays the earliest unanswered day.
* After an alert was acknowledged, the days up to its ``last_day`` are answered for that kind: a run
  that began on or before that day is the same episode and never reopens an alert; the window and
  unexcused rules count only days after it. A new alert needs new absences.
* A day inside a ``consecutive`` alert (open or acknowledged) is not counted again by the window and
  unexcused rules: the run's alert already says it, unexcused sessions included. An open window or
  unexcused alert whose days all fall inside a run is withdrawn when the run's alert is raised or
  grows over them, and the run's alert keeps its ``opened_on`` (the days waiting do not restart).
* The 45-session levels are raised once per level and school year. When a student is first seen
  above several levels at once only the highest is raised (a 30 warning for someone at 41 helps no
  one).
* An open alert whose absences were corrected away (the roll edited) is withdrawn (deleted; the
  audit history keeps it). One whose episode simply ended stays open until a contact answers it.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from schools.models import Classroom, SchoolSettings, SchoolYear, User
from students.models import Enrollment, Student

from .models import Absence, AbsenceAlert, FamilyContact, RollCall

Kind = AbsenceAlert.Kind

MSG_CONTACT_FUTURE = gettext_lazy("The date of the contact cannot be in the future.")
MSG_CONTACT_BEFORE_YEAR = gettext_lazy(
    "The date of the contact is before the school year %(year)s began."
)
MSG_CONTACT_ALERT_OTHER = gettext_lazy(
    "One of the ticked alerts is not an open alert of this student. Reload the page and try again."
)
MSG_CONTACT_ALERT_LATER = gettext_lazy(
    "The alert “%(reason)s” starts after the date of the contact: untick it or correct the date."
)
MSG_CONTACT_NO_YEAR = gettext_lazy("The school has no current school year.")

# A second identical contact saved this soon after the first is a double submit, not a new call.
DOUBLE_SUBMIT_SECONDS = 120


# --- formatting of the reasons ----------------------------------------------------------------


def format_span(first: datetime.date, last: datetime.date) -> str:
    """17/11/2026; 17/11 – 20/11/2026; 28/12/2026 – 02/01/2027."""
    if first == last:
        return f"{first:%d/%m/%Y}"
    if first.year == last.year:
        return f"{first:%d/%m} – {last:%d/%m/%Y}"
    return f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"


def _reason_consecutive(days: int, first, last, unexcused: int) -> str:
    text = _("Absent %(days)s school days in a row (%(span)s)") % {
        "days": days,
        "span": format_span(first, last),
    }
    if unexcused:
        text += _(", %(count)s unexcused sessions") % {"count": unexcused}
    return text


def _reason_window(days: int, window: int, first, last) -> str:
    return _("Absent %(days)s of the last %(window)s school days (%(span)s)") % {
        "days": days,
        "window": window,
        "span": format_span(first, last),
    }


def _reason_unexcused(count: int, window: int, first, last) -> str:
    return _("%(count)s unexcused sessions in the last %(window)s school days (%(span)s)") % {
        "count": count,
        "window": window,
        "span": format_span(first, last),
    }


def _reason_sessions(count: int, limit: int) -> str:
    if count > limit:
        return _(
            "%(count)s sessions absent this school year, over the limit of %(limit)s: "
            "cannot move up a grade (TT22, Article 12)"
        ) % {"count": count, "limit": limit}
    return _("%(count)s sessions absent this school year (limit %(limit)s)") % {
        "count": count,
        "limit": limit,
    }


# --- the rules, on one student's data (pure functions, tested directly) ------------------------


@dataclass
class Candidate:
    kind: str
    level: int
    first_day: datetime.date
    last_day: datetime.date
    reason: str


@dataclass
class StudentFacts:
    """What the rules read about one student, all computed from a few grouped queries."""

    absent_days: set  # school days absent from the official session
    official: list  # dates of every official-session absence this year (sorted, for the count)
    unexcused: list  # (date, session) of every unexcused session, any session
    latest_recorded: datetime.date | None  # latest school day the student's roll was taken


@dataclass
class Rules:
    absent_days: int
    window_days: int
    unexcused_sessions: int
    levels: list
    limit: int

    @classmethod
    def of(cls, s: SchoolSettings) -> Rules:
        levels = [lv for lv in s.warning_levels if 0 < lv < s.session_limit]
        return cls(
            absent_days=s.alert_absent_days,
            window_days=s.alert_window_days,
            unexcused_sessions=max(1, s.alert_unexcused_sessions),
            levels=levels,
            limit=s.session_limit,
        )


def _covered(day: datetime.date, spans: list) -> bool:
    return any(a <= day <= b for a, b in spans)


def evaluate(
    facts: StudentFacts,
    rules: Rules,
    school_days: list,
    *,
    answered: dict,
    consecutive_spans: list,
    raised_levels: set,
) -> tuple[list[Candidate], list]:
    """The alerts this student's absences call for now.

    ``school_days``: the year's school days up to today, sorted. ``answered``: kind → the last day
    already answered by an acknowledged alert of that kind. ``consecutive_spans``: (first, last) of
    this student's consecutive alerts. ``raised_levels``: (kind, level) already raised this year.
    Returns the candidates and the runs (first, last) the consecutive rule speaks for.
    """
    out: list[Candidate] = []
    # consecutive: walk back from the latest recorded school day while absent.
    run: list = []
    if facts.latest_recorded is not None and facts.latest_recorded in facts.absent_days:
        i = bisect.bisect_right(school_days, facts.latest_recorded) - 1
        while i >= 0 and school_days[i] in facts.absent_days:
            run.append(school_days[i])
            i -= 1
    spans = list(consecutive_spans)
    if len(run) > rules.absent_days:
        first, last = run[-1], run[0]
        answered_to = answered.get(Kind.CONSECUTIVE)
        if answered_to is None or first > answered_to:
            k = sum(1 for d, _s in facts.unexcused if first <= d <= last)
            out.append(
                Candidate(
                    Kind.CONSECUTIVE,
                    0,
                    first,
                    last,
                    _reason_consecutive(len(run), first, last, k),
                )
            )
        spans.append((first, last))

    window = school_days[-rules.window_days :] if rules.window_days else []
    window_set = set(window)
    # window: scattered absences not already said by a run's alert nor answered.
    after = answered.get(Kind.WINDOW)
    days = sorted(
        d
        for d in facts.absent_days
        if d in window_set and (after is None or d > after) and not _covered(d, spans)
    )
    if len(days) > rules.absent_days:
        out.append(
            Candidate(
                Kind.WINDOW,
                0,
                days[0],
                days[-1],
                _reason_window(len(days), rules.window_days, days[0], days[-1]),
            )
        )
    # unexcused sessions in the window.
    after = answered.get(Kind.UNEXCUSED)
    sessions = sorted(
        d
        for d, _s in facts.unexcused
        if d in window_set and (after is None or d > after) and not _covered(d, spans)
    )
    if len(sessions) >= rules.unexcused_sessions:
        out.append(
            Candidate(
                Kind.UNEXCUSED,
                0,
                sessions[0],
                sessions[-1],
                _reason_unexcused(len(sessions), rules.window_days, sessions[0], sessions[-1]),
            )
        )
    # the yearly count on the official plan.
    count = len(facts.official)
    reached = [(Kind.SESSIONS_WARNING, lv) for lv in rules.levels if count >= lv]
    if count > rules.limit:
        reached.append((Kind.SESSIONS_OVER, rules.limit))
    for n, (kind, level) in enumerate(reached):
        higher_reached = n < len(reached) - 1
        if (kind, level) in raised_levels:
            out.append(_sessions_candidate(kind, level, facts.official, rules.limit))
        elif not higher_reached:
            out.append(_sessions_candidate(kind, level, facts.official, rules.limit))
    return out, spans


def _sessions_candidate(kind, level, official: list, limit: int) -> Candidate:
    nth = level + 1 if kind == Kind.SESSIONS_OVER else level
    return Candidate(
        kind,
        level,
        official[nth - 1],
        official[-1],
        _reason_sessions(len(official), limit),
    )


def _evidence_gone(alert: AbsenceAlert, facts: StudentFacts, rules: Rules) -> bool:
    """An open alert whose absences were corrected away (the roll edited)."""
    first, last = alert.first_day, alert.last_day
    if alert.kind in (Kind.CONSECUTIVE, Kind.WINDOW):
        return sum(1 for d in facts.absent_days if first <= d <= last) <= rules.absent_days
    if alert.kind == Kind.UNEXCUSED:
        return sum(1 for d, _s in facts.unexcused if first <= d <= last) < rules.unexcused_sessions
    if alert.kind == Kind.SESSIONS_OVER:
        return len(facts.official) <= alert.level
    return len(facts.official) < alert.level


# --- the refresh: a few grouped queries per school year, whatever the number of students -------


def alerts_refresh(*, classrooms, today: datetime.date) -> int:
    """Raise (or update) the absence alerts of the students of these classes as of ``today``.
    Returns the number of alerts opened. Called after every roll-call save and by seed_demo.

    Queries per school year among the classes: settings, holidays, enrollments, roll calls,
    absences, existing alerts, then one bulk insert and one bulk update (with their history
    rows): the same for a class of 5 or a school of 1,000.
    """
    ids = [getattr(c, "pk", c) for c in classrooms]
    if not ids:
        return 0
    rooms = list(Classroom.objects.filter(pk__in=ids).select_related("school_year"))
    by_year: dict[int, list[Classroom]] = defaultdict(list)
    years: dict[int, SchoolYear] = {}
    for room in rooms:
        by_year[room.school_year_id].append(room)
        years[room.school_year_id] = room.school_year
    opened = 0
    with translation.override(django_settings.LANGUAGE_CODE):
        for year_id, year_rooms in by_year.items():
            year = years[year_id]
            if today < year.start_date:
                continue
            try:
                with transaction.atomic():
                    opened += _refresh_year(year, year_rooms, today)
            except IntegrityError:
                # Another save raised the same alert at the same moment: read it and go on.
                with transaction.atomic():
                    opened += _refresh_year(year, year_rooms, today)
    return opened


def _refresh_year(year: SchoolYear, rooms: list[Classroom], today: datetime.date) -> int:
    school_settings = SchoolSettings.for_school(year.school_id)
    rules = Rules.of(school_settings)
    official_session = school_settings.official_session
    end = min(today, year.end_date)
    days = year.school_days(year.start_date, end)
    day_set = set(days)

    # Students in these classes now, and every span of theirs this year (for the roll calls).
    active = Enrollment.objects.active_on(end).filter(classroom_id__in=[r.pk for r in rooms])
    spans = list(
        Enrollment.objects.filter(
            student_id__in=active.values("student_id"), classroom__school_year=year
        ).values_list("student_id", "classroom_id", "start_date", "end_date")
    )
    room_ids = {r.pk for r in rooms}
    current_class: dict[int, int] = {}
    spans_of: dict[int, list] = defaultdict(list)
    for student_id, classroom_id, start, stop in spans:
        spans_of[student_id].append((classroom_id, start, stop))
        if classroom_id in room_ids and start <= end and (stop is None or stop > end):
            current_class[student_id] = classroom_id
    if not current_class:
        return 0
    rolls: dict[int, list] = defaultdict(list)
    for classroom_id, day in (
        RollCall.objects.filter(
            classroom_id__in={c for s in spans_of.values() for c, _a, _b in s},
            session=official_session,
            date__gte=year.start_date,
            date__lte=end,
        )
        .order_by("date")
        .values_list("classroom_id", "date")
    ):
        if day in day_set:
            rolls[classroom_id].append(day)

    facts = {
        sid: StudentFacts(absent_days=set(), official=[], unexcused=[], latest_recorded=None)
        for sid in current_class
    }
    for student_id, day, session, status in (
        Absence.objects.filter(
            student_id__in=active.values("student_id"),
            date__gte=year.start_date,
            date__lte=end,
        )
        .order_by("date", "session")
        .values_list("student_id", "date", "session", "status")
    ):
        f = facts.get(student_id)
        if f is None:
            continue
        if session == official_session:
            f.official.append(day)
            if day in day_set:
                f.absent_days.add(day)
        if status == Absence.Status.UNEXCUSED:
            f.unexcused.append((day, session))
    for student_id, f in facts.items():
        latest = max(f.absent_days, default=None)
        for classroom_id, start, stop in spans_of[student_id]:
            for day in reversed(rolls.get(classroom_id, ())):
                if start <= day and (stop is None or day < stop):
                    if latest is None or day > latest:
                        latest = day
                    break
        f.latest_recorded = latest
    for f in facts.values():
        f.official.sort()

    existing: dict[int, list[AbsenceAlert]] = defaultdict(list)
    for alert in AbsenceAlert.objects.filter(
        school_year=year, student_id__in=active.values("student_id")
    ).order_by("pk"):
        existing[alert.student_id].append(alert)

    to_create: list[AbsenceAlert] = []
    to_update: list[AbsenceAlert] = []
    to_withdraw: list[int] = []
    for student_id, f in facts.items():
        alerts = existing.get(student_id, [])
        answered: dict[str, datetime.date] = {}
        open_by_key: dict[tuple, AbsenceAlert] = {}
        for a in alerts:
            if a.is_open:
                open_by_key[(a.kind, a.level)] = a
            elif answered.get(a.kind) is None or a.last_day > answered[a.kind]:
                answered[a.kind] = a.last_day
        candidates, spans = evaluate(
            f,
            rules,
            days,
            answered=answered,
            consecutive_spans=[
                (a.first_day, a.last_day) for a in alerts if a.kind == Kind.CONSECUTIVE
            ],
            raised_levels={(a.kind, a.level) for a in alerts if a.level},
        )
        seen = {(c.kind, c.level) for c in candidates}
        # Open alerts no longer called for: withdrawn when their absences were corrected away,
        # or when a run's alert now says the same days (it inherits their waiting time).
        waiting_since = today
        for key, alert in open_by_key.items():
            if key in seen:
                continue
            if _evidence_gone(alert, f, rules):
                to_withdraw.append(alert.pk)
            elif alert.kind in (Kind.WINDOW, Kind.UNEXCUSED) and any(
                a <= alert.first_day and alert.last_day <= b for a, b in spans
            ):
                to_withdraw.append(alert.pk)
                waiting_since = min(waiting_since, alert.opened_on)
        for c in candidates:
            key = (c.kind, c.level)
            opened_on = waiting_since if c.kind == Kind.CONSECUTIVE else today
            current = open_by_key.get(key)
            if current is not None:
                changed = _follow(current, c, current_class[student_id])
                if opened_on < current.opened_on:
                    current.opened_on, changed = opened_on, True
                if changed:
                    to_update.append(current)
                continue
            if c.level and any(a.kind == c.kind and a.level == c.level for a in alerts):
                continue  # a 45-session level is raised once a year
            to_create.append(
                AbsenceAlert(
                    student_id=student_id,
                    school_year=year,
                    classroom_id=current_class[student_id],
                    kind=c.kind,
                    level=c.level,
                    reason=c.reason[:255],
                    first_day=c.first_day,
                    last_day=c.last_day,
                    opened_on=opened_on,
                )
            )

    if to_create:
        bulk_create_with_history(to_create, AbsenceAlert)
    if to_update:
        bulk_update_with_history(
            to_update,
            AbsenceAlert,
            fields=["first_day", "last_day", "reason", "classroom", "opened_on", "updated_at"],
        )
    if to_withdraw:
        AbsenceAlert.objects.filter(pk__in=to_withdraw, acknowledged_at__isnull=True).delete()
    return len(to_create)


def _follow(alert: AbsenceAlert, c: Candidate, classroom_id: int) -> bool:
    """Bring an open alert up to date with its episode; True if anything changed."""
    first = min(alert.first_day, c.first_day)
    new = (first, c.last_day, c.reason[:255], classroom_id)
    if new == (alert.first_day, alert.last_day, alert.reason, alert.classroom_id):
        return False
    alert.first_day, alert.last_day, alert.reason, alert.classroom_id = new
    alert.updated_at = timezone.now()
    return True


# --- contacts with families ---------------------------------------------------------------------


@transaction.atomic
def family_contact_record(
    *,
    student: Student,
    date: datetime.date,
    method: str,
    contact_person: str,
    content: str,
    recorded_by: User,
    alerts: list[AbsenceAlert] | None = None,
    school_year: SchoolYear | None = None,
) -> FamilyContact:
    """Record a contact with the student's family; it acknowledges the student's open alerts:
    all of them (``alerts=None``) or the ones given (ticked on the form; ``[]`` for none).

    Refuses: a date in the future or before the school year; an alert that is not an open alert
    of this student (already answered, another student's, a tampered id); an alert that starts
    after the contact. A double submit returns the first contact instead of saving a second.
    """
    errors: dict[str, list] = defaultdict(list)
    today = timezone.localdate()
    year = (
        school_year
        or SchoolYear.objects.filter(school_id=student.school_id, is_current=True).first()
    )
    if year is None:
        raise ValidationError(MSG_CONTACT_NO_YEAR)
    if date > today:
        errors["date"].append(MSG_CONTACT_FUTURE)
    elif date < year.start_date:
        errors["date"].append(MSG_CONTACT_BEFORE_YEAR % {"year": year.name})
    # Lock the student's open alerts: two people answering at once acknowledge each alert once.
    open_alerts = {
        a.pk: a
        for a in AbsenceAlert.objects.select_for_update().filter(
            student=student, acknowledged_at__isnull=True
        )
    }
    if alerts is None:
        # "All of them": the alerts this contact can answer (those begun by its date).
        answered = [a for a in open_alerts.values() if a.first_day <= date]
    else:
        wanted = {getattr(a, "pk", a) for a in alerts}
        if not wanted <= set(open_alerts):
            errors["alerts"].append(MSG_CONTACT_ALERT_OTHER)
        answered = [open_alerts[pk] for pk in sorted(wanted) if pk in open_alerts]
    for alert in answered:
        if not errors["date"] and alert.first_day > date:
            errors["alerts"].append(MSG_CONTACT_ALERT_LATER % {"reason": alert.reason})
    if any(errors.values()):
        raise ValidationError({k: v for k, v in errors.items() if v})

    recent = (
        FamilyContact.objects.filter(
            student=student,
            date=date,
            method=method,
            contact_person=contact_person,
            content=content,
            recorded_by=recorded_by,
            created_at__gte=timezone.now() - datetime.timedelta(seconds=DOUBLE_SUBMIT_SECONDS),
        )
        .order_by("-pk")
        .first()
    )
    if recent is not None:
        return recent
    contact = FamilyContact(
        student=student,
        date=date,
        method=method,
        contact_person=contact_person,
        content=content,
        recorded_by=recorded_by,
    )
    contact.full_clean()
    contact.save()
    if answered:
        contact.alerts.add(*answered)
        now = timezone.now()
        for alert in answered:
            alert.acknowledged_at = now
            alert.acknowledged_by = recorded_by
            alert.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
    return contact
