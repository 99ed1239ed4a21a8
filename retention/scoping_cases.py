"""Who may read and change risk cases, visit minutes, partners, sponsors, support and mentors.

The one place for these rules (issue 6). Same contract as ``schools.scoping``: an object outside
the user's reach answers 404, exactly as one that does not exist; one they may see but not change
answers 403 through ``scope.require``.

Minutes, family circumstances and signatures are sensitive: a case is read by the leadership of
the student's school, its owner, the GVCN of the student's class, the people who were at one of
its visits and the student's active mentor. The clerk keeps the minutes (reads visits, not the
case timeline). Office staff see counts only (never a case, a minute or a student's support).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from schools.models import Role, User
from schools.scoping import Scope, scope_for
from students.models import Enrollment, Student

from .models_cases import (
    HomeVisit,
    Mentorship,
    Partner,
    RiskCase,
    Sponsor,
    Support,
)

# --- who -----------------------------------------------------------------------------------------


def in_school(scope: Scope) -> bool:
    """A school role in the current year (not office staff)."""
    return scope.school is not None and scope.year is not None and bool(scope.roles)


def is_leader_of(user, school_id: int) -> bool:
    scope = scope_for(user)
    return scope.is_leader and scope.school is not None and scope.school.pk == school_id


def is_principal_of(user, school_id: int) -> bool:
    scope = scope_for(user)
    return scope.is_principal and scope.school is not None and scope.school.pk == school_id


def is_clerk(scope: Scope) -> bool:
    return Role.CLERK in scope.roles


def homeroom_student_ids_q(scope: Scope, path: str = "") -> Q:
    """Students who are (or were this year) in one of the user's homeroom classes."""
    if not scope.homeroom_class_ids:
        return Q(pk__in=[])
    return Q(
        **{
            f"{path}pk__in": Enrollment.objects.filter(
                classroom_id__in=scope.homeroom_class_ids
            ).values("student_id")
        }
    )


def is_gvcn_of(user, student: Student) -> bool:
    scope = scope_for(user)
    if not scope.homeroom_class_ids:
        return False
    return Enrollment.objects.filter(
        student=student, classroom_id__in=scope.homeroom_class_ids
    ).exists()


def mentor_student_ids(user) -> QuerySet:
    return Mentorship.objects.active().filter(teacher=user).values("student_id")


def is_mentor_of(user, student: Student) -> bool:
    return Mentorship.objects.active().filter(teacher=user, student=student).exists()


# --- cases ---------------------------------------------------------------------------------------


def filter_cases(qs: QuerySet, user) -> QuerySet:
    """Cases the user may read (any school year of their school)."""
    scope = scope_for(user)
    if not in_school(scope):
        return qs.none()
    qs = qs.filter(student__school_id=scope.school.pk)
    if scope.is_leader:
        return qs
    mine = RiskCase.objects.filter(
        Q(owner=user)
        | Q(visits__staff_present=user)
        | Q(visits__author=user)
        | Q(student_id__in=mentor_student_ids(user))
        | homeroom_student_ids_q(scope, "student__")
    ).values("pk")
    return qs.filter(pk__in=mine)


def can_read_cases(user) -> bool:
    """Sees the case list at all (leaders, GVCNs, and anyone who owns, visited or mentors)."""
    scope = scope_for(user)
    if not in_school(scope):
        return False
    if scope.is_leader or scope.homeroom_class_ids:
        return True
    return RiskCase.objects.for_user(user).exists()


def can_open_case(user, student: Student) -> bool:
    """Leaders of the student's school and the GVCN of the student's class open cases."""
    scope = scope_for(user)
    if not in_school(scope) or student.school_id != scope.school.pk:
        return False
    return scope.is_leader or is_gvcn_of(user, student)


def can_edit_case(user, case: RiskCase) -> bool:
    """Changes the status, adds notes, partners and support: the owner, the leadership, the GVCN."""
    return (
        case.owner_id == user.pk
        or is_leader_of(user, case.student.school_id)
        or is_gvcn_of(user, case.student)
    )


def can_record_visit(user, case: RiskCase) -> bool:
    """Writes a visit minute: whoever may edit the case, and the student's mentor."""
    return case.is_active and (can_edit_case(user, case) or is_mentor_of(user, case.student))


def can_lead(user, case: RiskCase) -> bool:
    """Leadership actions on an escalated case (principal and vice-principals)."""
    return is_leader_of(user, case.student.school_id)


def get_case_for_user(user, pk: int, *, write: bool = False) -> RiskCase:
    case = (
        RiskCase.objects.for_user(user)
        .select_related("student", "owner", "school_year", "alert")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    if write:
        scope_for(user).require(can_edit_case(user, case))
    return case


def get_student_for_case(user, pk) -> Student:
    """The student a new case is for: one of the user's school that they may open a case for
    (404 for a student of another school or a tampered id; 403 for one of their school they may
    not open a case for)."""
    scope = scope_for(user)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not in_school(scope):
        raise Http404
    student = Student.objects.filter(pk=pk, school_id=scope.school.pk).first()
    if student is None:
        raise Http404
    scope.require(can_open_case(user, student))
    return student


def can_see_escalated(user) -> bool:
    return scope_for(user).is_leader and in_school(scope_for(user))


# --- visits and minutes --------------------------------------------------------------------------


def filter_visits(qs: QuerySet, user) -> QuerySet:
    """Visits the user may read: those of cases they may read; the clerk reads every minute of
    the school (they keep them)."""
    scope = scope_for(user)
    if not in_school(scope):
        return qs.none()
    if scope.is_leader or is_clerk(scope):
        return qs.filter(case__student__school_id=scope.school.pk)
    return qs.filter(case__in=RiskCase.objects.for_user(user))


def can_list_minutes(user) -> bool:
    """The list of minutes of a period and their bundle PDF: leaders and the clerk."""
    scope = scope_for(user)
    return in_school(scope) and (scope.is_leader or is_clerk(scope))


def can_correct_visit(user, visit: HomeVisit) -> bool:
    """Only the author corrects a minute (the time window is checked by the service)."""
    return visit.author_id == user.pk


def can_amend_visit(user, visit: HomeVisit) -> bool:
    """Adds an amendment: the author, the case owner, the leadership."""
    return (
        visit.author_id == user.pk
        or visit.case.owner_id == user.pk
        or is_leader_of(user, visit.case.student.school_id)
    )


def get_visit_for_user(user, pk: int, *, write: bool = False) -> HomeVisit:
    visit = (
        HomeVisit.objects.for_user(user)
        .select_related("case__student", "case__owner", "author")
        .filter(pk=pk)
        .first()
    )
    if visit is None:
        raise Http404
    if write:
        scope_for(user).require(can_correct_visit(user, visit))
    return visit


# --- partners ------------------------------------------------------------------------------------


def filter_partners(qs: QuerySet, user) -> QuerySet:
    """Partners of the user's school: read by those who work on cases."""
    scope = scope_for(user)
    if not in_school(scope):
        return qs.none()
    if not (scope.is_leader or scope.homeroom_class_ids or is_clerk(scope)):
        if not RiskCase.objects.for_user(user).exists():
            return qs.none()
    return qs.filter(school_id=scope.school.pk)


def can_manage_partners(user) -> bool:
    scope = scope_for(user)
    return in_school(scope) and scope.is_leader


def get_partner_for_user(user, pk: int, *, write: bool = False) -> Partner:
    partner = filter_partners(Partner.objects.all(), user).filter(pk=pk).first()
    if partner is None:
        raise Http404
    if write:
        scope_for(user).require(can_manage_partners(user))
    return partner


# --- sponsors and support ------------------------------------------------------------------------


def can_manage_sponsors(user) -> bool:
    """Sponsors and the school's totals: the leadership and the clerk."""
    scope = scope_for(user)
    return in_school(scope) and (scope.is_leader or is_clerk(scope))


def filter_sponsors(qs: QuerySet, user) -> QuerySet:
    scope = scope_for(user)
    if not in_school(scope):
        return qs.none()
    return qs.filter(school_id=scope.school.pk)


def get_sponsor_for_user(user, pk: int, *, write: bool = False) -> Sponsor:
    sponsor = filter_sponsors(Sponsor.objects.all(), user).filter(pk=pk).first()
    if sponsor is None:
        raise Http404
    if write:
        scope_for(user).require(can_manage_sponsors(user))
    return sponsor


def can_read_student_support(user, student: Student) -> bool:
    """A student's support history: leaders, the clerk, the GVCN, the mentor, the case readers."""
    scope = scope_for(user)
    if not in_school(scope) or student.school_id != scope.school.pk:
        return False
    return (
        scope.is_leader
        or is_clerk(scope)
        or is_gvcn_of(user, student)
        or is_mentor_of(user, student)
        or RiskCase.objects.for_user(user).filter(student=student).exists()
    )


def can_record_support(user, student: Student) -> bool:
    """Records support for a student: leaders, the clerk, the GVCN, the owner of an active case."""
    scope = scope_for(user)
    if not in_school(scope) or student.school_id != scope.school.pk:
        return False
    return (
        scope.is_leader
        or is_clerk(scope)
        or is_gvcn_of(user, student)
        or RiskCase.objects.active().filter(student=student, owner=user).exists()
    )


def filter_supports(qs: QuerySet, user) -> QuerySet:
    """Support records the user may read: the school's for leaders and the clerk; otherwise those
    of students they may read the support of (their class, their mentees, their cases)."""
    scope = scope_for(user)
    if not in_school(scope):
        return qs.none()
    qs = qs.filter(student__school_id=scope.school.pk)
    if scope.is_leader or is_clerk(scope):
        return qs
    return qs.filter(
        homeroom_student_ids_q(scope, "student__")
        | Q(student_id__in=mentor_student_ids(user))
        | Q(student_id__in=RiskCase.objects.for_user(user).values("student_id"))
    )


def get_support_for_user(user, pk: int, *, write: bool = False) -> Support:
    support = (
        filter_supports(Support.objects.all(), user)
        .select_related("student", "sponsor")
        .filter(pk=pk)
        .first()
    )
    if support is None:
        raise Http404
    if write:
        scope = scope_for(user)
        scope.require(support.recorded_by_id == user.pk or scope.is_leader or is_clerk(scope))
    return support


# --- mentors -------------------------------------------------------------------------------------


def filter_mentorships(qs: QuerySet, user) -> QuerySet:
    """Leaders see every mentorship of the school; a GVCN those of their class's students; a
    teacher their own (a mentor sees only their mentees)."""
    scope = scope_for(user)
    if not in_school(scope):
        return qs.none()
    qs = qs.filter(student__school_id=scope.school.pk)
    if scope.is_leader:
        return qs
    return qs.filter(Q(teacher=user) | homeroom_student_ids_q(scope, "student__"))


def can_assign_mentors(user) -> bool:
    """The leadership assigns any teacher of the school."""
    scope = scope_for(user)
    return in_school(scope) and scope.is_leader


def can_take_on(user, student: Student) -> bool:
    """A teacher takes on a student of a class they teach or lead; the leadership anyone."""
    scope = scope_for(user)
    if not in_school(scope) or student.school_id != scope.school.pk:
        return False
    if scope.is_leader:
        return True
    classes = scope.homeroom_class_ids | scope.taught_class_ids
    return (
        bool(classes)
        and Enrollment.objects.filter(
            student=student, classroom_id__in=classes, end_date__isnull=True
        ).exists()
    )


def mentor_candidates(user) -> QuerySet:
    """Teachers of the user's school who can mentor (active accounts with a school role this
    year)."""
    scope = scope_for(user)
    if not in_school(scope):
        return User.objects.none()
    return (
        User.objects.filter(
            school_id=scope.school.pk,
            is_active=True,
            assignments__school_year=scope.year,
        )
        .distinct()
        .order_by("sort_key")
    )


def get_mentorship_for_user(user, pk: int, *, write: bool = False) -> Mentorship:
    mentorship = (
        filter_mentorships(Mentorship.objects.all(), user)
        .select_related("student", "teacher")
        .filter(pk=pk)
        .first()
    )
    if mentorship is None:
        raise Http404
    if write:
        scope_for(user).require(
            mentorship.teacher_id == user.pk or is_leader_of(user, mentorship.student.school_id)
        )
    return mentorship


# --- lists of students at risk --------------------------------------------------------------------


def can_read_warning(user) -> bool:
    """The early-warning and coverage lists: leaders (the school), GVCNs (their class)."""
    scope = scope_for(user)
    return in_school(scope) and (scope.is_leader or bool(scope.homeroom_class_ids))


def warning_classroom_ids(user) -> set[int] | None:
    """None: every class of the school (leaders); else the user's homeroom classes."""
    scope = scope_for(user)
    if not can_read_warning(user):
        return set()
    if scope.is_leader:
        return None
    return set(scope.homeroom_class_ids)


def office_school_ids(user) -> set[int]:
    """Office staff see counts of these schools (never a student)."""
    scope = scope_for(user)
    return set(scope.school_ids) if scope.is_office else set()


# --- cases helper --------------------------------------------------------------------------------


def can_read_partners(user) -> bool:
    """The partners page: people who work on cases (leaders, GVCNs, the clerk, anyone who can
    read a case); office staff never."""
    scope = scope_for(user)
    if not in_school(scope):
        return False
    if scope.is_leader or scope.homeroom_class_ids or is_clerk(scope):
        return True
    return RiskCase.objects.for_user(user).exists()


# --- visits: images of a minute (VISITS area) ----------------------------------------------------


def get_attachment_for_user(user, pk: int):
    """An image of a visit (signature, paper minute, photo) the user may read: one of a visit
    they may read (404 otherwise, also for a garbage id)."""
    from .models_cases import VisitAttachment

    attachment = (
        VisitAttachment.objects.filter(visit__in=filter_visits(HomeVisit.objects.all(), user))
        .select_related("visit__case__student")
        .filter(pk=pk)
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment
