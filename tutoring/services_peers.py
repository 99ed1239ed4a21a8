"""Peer help (đôi bạn cùng tiến): a stronger student helps a weaker one of the same class in a
subject. The writes: set up a pair, record how it goes and end it.

Rules (``create_pair``):
* both students are in the class now (an open enrollment in a class of the current year);
* two different students;
* the helped student should have an active weak record in the subject (not dismissed, not
  resolved); a teacher may pair on their own judgement, then the note must say why;
* the helper must not be weak in the subject (an active weak record there refuses);
* one active pair per helped student and subject (a database constraint: a race ends in the
  same message);
* a helper helps at most ``HELPER_LIMIT`` students at once.
Who may do it (the class's GVCN, its subject teachers, leaders) is decided in the views through
``tutoring.scoping.can_manage_peer_pairs``.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import Classroom, Subject, User
from students.models import Enrollment, Student

from .models import PeerPair, WeakRecord

HELPER_LIMIT = 2
Outcome = PeerPair.Outcome

MSG_SAME_STUDENT = _("A student cannot help themselves: choose two different students.")
MSG_NOT_IN_CLASS = _("%(name)s is not in class %(classroom)s now.")
MSG_OLD_YEAR = _("Peer pairs are set up in the classes of the current school year.")
MSG_HELPER_WEAK = _(
    "%(name)s is weak in %(subject)s too (an active weak record): choose a stronger helper."
)
MSG_NEEDS_NOTE = _(
    "%(name)s has no active weak record in %(subject)s: write in the note why the pair is needed."
)
MSG_HELPER_BUSY = _(
    "%(name)s already helps %(count)s students: a helper takes at most %(limit)s at a time."
)
MSG_ALREADY_PAIRED = _(
    "%(name)s already has a helper in %(subject)s: end that pair before setting up another."
)
MSG_DATE_YEAR = _("The date must fall within the school year (%(start)s – %(end)s).")
MSG_END_BEFORE_START = _("A pair cannot end before it started (%(start)s).")
MSG_END_FUTURE = _("The end date cannot be in the future.")
MSG_END_ONGOING = _("Choose how the pair ended: progressed, no progress yet or stopped.")
MSG_OUTCOME_NEEDS_END = _("Give the date the pair ended.")
MSG_REOPEN = _("An ended pair stays ended: set up a new pair instead.")
MSG_PAIR_STALE = _(
    "Someone else changed this pair after you opened it. Nothing was saved: check what it says "
    "now, then save again if needed."
)


def _year_range(year) -> dict:
    return {
        "start": year.start_date.strftime("%d/%m/%Y"),
        "end": year.end_date.strftime("%d/%m/%Y"),
    }


def _active_weak(year_id: int, subject: Subject, student_ids: list[int]) -> dict[int, WeakRecord]:
    records = (
        WeakRecord.objects.filter(
            school_year_id=year_id,
            subject=subject,
            student_id__in=student_ids,
            resolved_term__isnull=True,
        )
        .exclude(status=WeakRecord.Status.DISMISSED)
        .order_by("pk")
    )
    return {r.student_id: r for r in records}


def already_paired(helped: Student, subject: Subject) -> bool:
    return PeerPair.objects.filter(helped=helped, subject=subject, end_date__isnull=True).exists()


@transaction.atomic
def create_pair(
    *,
    classroom: Classroom,
    subject: Subject,
    helper: Student,
    helped: Student,
    start_date: datetime.date,
    user: User,
    note: str = "",
    on: datetime.date | None = None,
) -> PeerPair:
    """Set up a pair in ``classroom`` (see the module's rules). Returns the new pair."""
    on = on or timezone.localdate()
    year = classroom.school_year
    note = (note or "").strip()
    if not year.is_current:
        raise ValidationError(MSG_OLD_YEAR)
    if helper.pk == helped.pk:
        raise ValidationError({"helper": [MSG_SAME_STUDENT]})
    errors: dict[str, list] = {}
    if not (year.start_date <= start_date <= year.end_date):
        errors["start_date"] = [MSG_DATE_YEAR % _year_range(year)]
    present = set(
        Enrollment.objects.active_on(on)
        .filter(classroom=classroom, student_id__in=[helper.pk, helped.pk])
        .values_list("student_id", flat=True)
    )
    for field, student in (("helped", helped), ("helper", helper)):
        if student.pk not in present:
            errors.setdefault(field, []).append(
                MSG_NOT_IN_CLASS % {"name": student.full_name, "classroom": classroom.name}
            )
    if errors:
        raise ValidationError(errors)
    weak = _active_weak(year.pk, subject, [helper.pk, helped.pk])
    names = {"subject": subject.name}
    if helper.pk in weak:
        raise ValidationError({"helper": [MSG_HELPER_WEAK % {**names, "name": helper.full_name}]})
    record = weak.get(helped.pk)
    if record is None and not note:
        raise ValidationError({"note": [MSG_NEEDS_NOTE % {**names, "name": helped.full_name}]})
    # Lock the helper: two teachers pairing the same helper at once count one after the other.
    Student.objects.select_for_update(of=("self",)).filter(pk=helper.pk).first()
    busy = PeerPair.objects.filter(helper=helper, end_date__isnull=True).count()
    if busy >= HELPER_LIMIT:
        raise ValidationError(
            {
                "helper": [
                    MSG_HELPER_BUSY
                    % {"name": helper.full_name, "count": busy, "limit": HELPER_LIMIT}
                ]
            }
        )
    already = MSG_ALREADY_PAIRED % {**names, "name": helped.full_name}
    if already_paired(helped, subject):
        raise ValidationError({"helped": [already]})
    pair = PeerPair(
        school_year=year,
        classroom=classroom,
        subject=subject,
        helper=helper,
        helped=helped,
        weak_record=record,
        start_date=start_date,
        note=note,
        created_by=user,
    )
    pair._history_user = user
    pair.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            pair.save()
    except IntegrityError as error:
        # Someone paired the same student in the same subject a moment ago.
        raise ValidationError({"helped": [already]}) from error
    return pair


@transaction.atomic
def pair_update(
    *,
    pair: PeerPair,
    outcome: str,
    end_date: datetime.date | None,
    note: str,
    user: User,
    on: datetime.date | None = None,
    loaded_at: datetime.datetime | None = None,
) -> PeerPair:
    """Record how a pair goes, or end it. Ending needs a date (not before the start, not in the
    future) and an outcome other than "ongoing"; "progressed" and "stopped" end the pair. An
    ended pair is not reopened. ``loaded_at`` (the pair's ``updated_at`` when the form was
    loaded): a pair changed since is refused, not overwritten."""
    on = on or timezone.localdate()
    current = PeerPair.objects.select_for_update(of=("self",)).get(pk=pair.pk)
    if loaded_at is not None and current.updated_at != loaded_at:
        raise ValidationError(MSG_PAIR_STALE, code="stale")
    errors: dict[str, list] = {}
    if current.end_date is not None and end_date is None:
        errors["end_date"] = [MSG_REOPEN]
    elif end_date is not None:
        if end_date < current.start_date:
            errors["end_date"] = [
                MSG_END_BEFORE_START % {"start": current.start_date.strftime("%d/%m/%Y")}
            ]
        elif end_date > on:
            errors["end_date"] = [MSG_END_FUTURE]
        if outcome == Outcome.ONGOING:
            errors.setdefault("outcome", []).append(MSG_END_ONGOING)
    elif outcome in (Outcome.PROGRESSED, Outcome.STOPPED):
        errors["end_date"] = [MSG_OUTCOME_NEEDS_END]
    if errors:
        raise ValidationError(errors)
    current.outcome = outcome
    current.end_date = end_date
    current.note = (note or "").strip()
    current._history_user = user
    current.full_clean(validate_constraints=False)
    current.save(update_fields=["outcome", "end_date", "note", "updated_at"])
    return current
