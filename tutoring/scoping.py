"""Who may read and change results, the weak register, plans and tutoring groups.

Same contract as ``schools.scoping``: anything outside the user's scope answers 404, exactly as
something that does not exist; a role that may see an object but not do this answers 403.

- Leaders (principal, vice-principals) and the clerk: the whole school (the clerk collects
  forms and imports results but does not run groups or approve plans).
- GVCN: their class's results, weak records and counselling; reads groups their students are in.
- Subject teachers: reads the results and weak records of the classes they teach.
- Subject-group heads (tổ trưởng): the subjects of their group: weak records, groups, plans.
- Tutors: their groups, the students in them and those students' results.
Office staff read figures (reports), never children's records.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from schools.models import Classroom, Role, SubjectGroup
from schools.scoping import Scope, scope_for
from students.models import Enrollment, Student

# --- facts about the user, computed once per request ----------------------------------------


def _cached(scope: Scope, key: str, compute):
    cache = scope.__dict__.setdefault("_tutoring_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def in_school(scope: Scope) -> bool:
    return scope.school is not None and bool(scope.roles - {Role.OFFICE})


def is_school_wide(scope: Scope) -> bool:
    """Reads every result and record of the school."""
    return in_school(scope) and (scope.is_leader or Role.CLERK in scope.roles)


def head_subject_ids(scope: Scope) -> set[int]:
    """Subjects of the subject groups the user heads."""
    if not scope.group_ids:
        return set()
    return _cached(
        scope,
        "head_subjects",
        lambda: set(
            SubjectGroup.subjects.through.objects.filter(
                subjectgroup_id__in=scope.group_ids
            ).values_list("subject_id", flat=True)
        ),
    )


def tutored_group_ids(scope: Scope) -> set[int]:
    """Groups of the current year the user tutors."""
    from .models import TutoringGroup

    if not in_school(scope):
        return set()
    return _cached(
        scope,
        "tutored_groups",
        lambda: set(
            TutoringGroup.objects.filter(school=scope.school, tutors=scope.user).values_list(
                "pk", flat=True
            )
        ),
    )


def tutored_student_ids(scope: Scope) -> set[int]:
    """Students currently in one of the user's groups."""
    from .models import Membership

    group_ids = tutored_group_ids(scope)
    if not group_ids:
        return set()
    return _cached(
        scope,
        "tutored_students",
        lambda: set(
            Membership.objects.filter(group_id__in=group_ids, left_on__isnull=True).values_list(
                "student_id", flat=True
            )
        ),
    )


def class_student_ids(class_ids: set[int]) -> QuerySet:
    """Students enrolled (now or earlier this year) in these classes, as a subquery."""
    return Enrollment.objects.filter(classroom_id__in=class_ids).values("student_id")


# --- results ----------------------------------------------------------------------------------


def can_manage_results(user, classroom: Classroom) -> bool:
    """Imports and corrects a class's results: leaders, the clerk, the class's GVCN."""
    scope = scope_for(user)
    if not in_school(scope) or classroom.school_year.school_id != scope.school.pk:
        return False
    return is_school_wide(scope) or classroom.pk in scope.homeroom_class_ids


def results_classrooms(user) -> QuerySet[Classroom]:
    """Classes (current year) whose results grid the user may open."""
    scope = scope_for(user)
    qs = Classroom.objects.filter(school_year=scope.year) if in_school(scope) else None
    if qs is None or scope.year is None:
        return Classroom.objects.none()
    if is_school_wide(scope) or scope.group_ids:
        return qs
    return qs.filter(pk__in=scope.homeroom_class_ids | scope.taught_class_ids)


def get_results_classroom_for_user(user, pk: int, *, write: bool = False) -> Classroom:
    classroom = results_classrooms(user).select_related("school_year__school").filter(pk=pk).first()
    if classroom is None:
        raise Http404
    if write:
        scope_for(user).require(can_manage_results(user, classroom))
    return classroom


def results_students(user) -> QuerySet[Student]:
    """Students whose results the user may read (the tutor: their group members)."""
    scope = scope_for(user)
    if not in_school(scope):
        return Student.objects.none()
    qs = Student.objects.filter(school=scope.school)
    if is_school_wide(scope) or scope.group_ids:
        return qs
    class_ids = scope.homeroom_class_ids | scope.taught_class_ids
    return qs.filter(Q(pk__in=class_student_ids(class_ids)) | Q(pk__in=tutored_student_ids(scope)))


def filter_result_imports(qs: QuerySet, user) -> QuerySet:
    scope = scope_for(user)
    if not in_school(scope):
        return qs.none()
    qs = qs.filter(school=scope.school)
    if is_school_wide(scope):
        return qs
    return qs.filter(classroom_id__in=scope.homeroom_class_ids)


def get_result_import_for_user(user, pk: int):
    from .models import ResultImport

    found = (
        ResultImport.objects.for_user(user)
        .select_related("classroom__school_year__school", "created_by", "applied_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


# --- weak-student register ----------------------------------------------------------------------


def filter_weak_records(qs: QuerySet, user) -> QuerySet:
    scope = scope_for(user)
    if not in_school(scope):
        return qs.none()
    qs = qs.filter(school=scope.school)
    if is_school_wide(scope):
        return qs
    cond = Q(pk__in=[])
    class_ids = scope.homeroom_class_ids | scope.taught_class_ids
    if class_ids:
        cond |= Q(student_id__in=class_student_ids(class_ids))
    if scope.group_ids:
        cond |= Q(subject_id__in=head_subject_ids(scope)) | Q(subject__isnull=True)
    tutored = tutored_student_ids(scope)
    if tutored:
        cond |= Q(student_id__in=tutored)
    return qs.filter(cond)


def can_confirm_weak_record(user, record) -> bool:
    """The GVCN of the student's class confirms (leaders may too)."""
    scope = scope_for(user)
    if not in_school(scope) or record.school_id != scope.school.pk:
        return False
    if scope.is_leader:
        return True
    return Enrollment.objects.filter(
        student_id=record.student_id,
        classroom_id__in=scope.homeroom_class_ids,
        end_date__isnull=True,
    ).exists()


def can_refer(user) -> bool:
    """Any teacher of the school may refer a student they can see."""
    return in_school(scope_for(user))


def get_weak_record_for_user(user, pk: int, *, write: bool = False):
    from .models import WeakRecord

    record = (
        WeakRecord.objects.for_user(user)
        .select_related("student", "subject", "identified_by", "confirmed_by")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404
    if write:
        scope_for(user).require(can_confirm_weak_record(user, record))
    return record


# --- plans ---------------------------------------------------------------------------------------


def filter_plans(qs: QuerySet, user) -> QuerySet:
    """Leaders read every plan of the school; everyone else the school's plan, their subject
    group's plans and their own."""
    scope = scope_for(user)
    if not in_school(scope):
        return qs.none()
    qs = qs.filter(school=scope.school)
    if scope.is_leader:
        return qs
    member_group_ids = _cached(
        scope,
        "member_groups",
        lambda: set(
            SubjectGroup.objects.filter(school=scope.school)
            .filter(Q(pk__in=scope.group_ids) | Q(subjects__in=_taught_subject_ids(scope)))
            .values_list("pk", flat=True)
        ),
    )
    return qs.filter(
        Q(level="school") | Q(subject_group_id__in=member_group_ids) | Q(owner=scope.user)
    )


def _taught_subject_ids(scope: Scope) -> set[int]:
    from schools.models import RoleAssignment

    return _cached(
        scope,
        "taught_subjects",
        lambda: set(
            RoleAssignment.objects.filter(
                user=scope.user, role=Role.SUBJECT_TEACHER, school_year=scope.year
            )
            .exclude(subject__isnull=True)
            .values_list("subject_id", flat=True)
        ),
    )


def can_edit_plan(user, plan) -> bool:
    """The author edits a plan until it is approved; the principal writes the school plan and
    the tổ trưởng the group's plan."""
    scope = scope_for(user)
    if not in_school(scope) or plan.school_id != scope.school.pk:
        return False
    if plan.status == "approved":
        return False
    if plan.level == "school":
        return scope.is_leader
    if plan.level == "group":
        return scope.is_leader or plan.subject_group_id in scope.group_ids
    return plan.owner_id == scope.user.pk or scope.is_leader


def can_approve_plan(user, plan) -> bool:
    scope = scope_for(user)
    return scope.is_principal and in_school(scope) and plan.school_id == scope.school.pk


def get_plan_for_user(user, pk: int, *, write: bool = False, approve: bool = False):
    from .models import TutoringPlan

    plan = (
        TutoringPlan.objects.for_user(user)
        .select_related("school", "school_year", "subject_group", "owner", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if plan is None:
        raise Http404
    scope = scope_for(user)
    if write:
        scope.require(can_edit_plan(user, plan))
    if approve:
        scope.require(can_approve_plan(user, plan))
    return plan


# --- groups --------------------------------------------------------------------------------------


def filter_groups(qs: QuerySet, user) -> QuerySet:
    scope = scope_for(user)
    if not in_school(scope):
        return qs.none()
    qs = qs.filter(school=scope.school)
    if is_school_wide(scope):
        return qs
    cond = Q(pk__in=tutored_group_ids(scope))
    if scope.group_ids:
        cond |= Q(subject_id__in=head_subject_ids(scope))
    if scope.homeroom_class_ids:
        cond |= Q(
            members__left_on__isnull=True,
            members__student_id__in=class_student_ids(scope.homeroom_class_ids),
        )
    return qs.filter(cond).distinct()


def can_manage_group(user, group) -> bool:
    """Creates and changes a group and its members: leaders and the head of the subject's group."""
    scope = scope_for(user)
    if not in_school(scope) or group.school_id != scope.school.pk:
        return False
    return scope.is_leader or group.subject_id in head_subject_ids(scope)


def can_create_group(user, subject_id: int | None = None) -> bool:
    scope = scope_for(user)
    if not in_school(scope):
        return False
    if scope.is_leader:
        return True
    subjects = head_subject_ids(scope)
    return bool(subjects) and (subject_id is None or subject_id in subjects)


def can_teach_group(user, group) -> bool:
    """Logs sessions, attendance and checkpoints: the group's tutors, plus who manages it."""
    scope = scope_for(user)
    return can_manage_group(user, group) or group.pk in tutored_group_ids(scope)


def get_group_for_user(user, pk: int, *, manage: bool = False, teach: bool = False):
    from .models import TutoringGroup

    group = (
        TutoringGroup.objects.for_user(user)
        .select_related("school", "school_year", "subject", "plan")
        .filter(pk=pk)
        .first()
    )
    if group is None:
        raise Http404
    scope = scope_for(user)
    if manage:
        scope.require(can_manage_group(user, group))
    if teach:
        scope.require(can_teach_group(user, group))
    return group


# --- plans (who may write which level), peer pairs, counselling, families: PLANS area --------

TEACHING_ROLES = {
    Role.PRINCIPAL,
    Role.VICE_PRINCIPAL,
    Role.HOMEROOM,
    Role.SUBJECT_TEACHER,
    Role.GROUP_HEAD,
}


def is_teacher(scope: Scope) -> bool:
    """Teaches at the school (any teaching role, or tutors a group): may write a teacher's plan.
    The clerk and the youth union do not."""
    return in_school(scope) and (
        bool(scope.roles & TEACHING_ROLES) or bool(tutored_group_ids(scope))
    )


def plan_subject_groups(user) -> QuerySet[SubjectGroup]:
    """Subject groups the user may write a group plan for: leaders every group of the school,
    a tổ trưởng their own."""
    scope = scope_for(user)
    if not in_school(scope):
        return SubjectGroup.objects.none()
    qs = SubjectGroup.objects.filter(school=scope.school)
    return qs if scope.is_leader else qs.filter(pk__in=scope.group_ids)


def member_subject_groups(user) -> QuerySet[SubjectGroup]:
    """Subject groups the user belongs to: heads, or teaches one of its subjects this year. A
    teacher's plan names one of them, so that group's head (and colleagues) can read it."""
    scope = scope_for(user)
    if not in_school(scope):
        return SubjectGroup.objects.none()
    return (
        SubjectGroup.objects.filter(school=scope.school)
        .filter(Q(pk__in=scope.group_ids) | Q(subjects__in=_taught_subject_ids(scope)))
        .distinct()
    )


def can_create_plan(user, level: str, subject_group_id: int | None = None) -> bool:
    """School plan: leaders; a subject group's plan: leaders and that group's head; a teacher's
    plan: any teacher of the school. Needs a current school year."""
    scope = scope_for(user)
    if not in_school(scope) or scope.year is None:
        return False
    if level == "school":
        return scope.is_leader
    if level == "group":
        return scope.is_leader or (
            subject_group_id is not None and subject_group_id in scope.group_ids
        )
    if level == "teacher":
        return is_teacher(scope)
    return False


def current_enrollment(student_id: int):
    """The student's open enrollment span (with its class), or None. One query."""
    return (
        Enrollment.objects.filter(student_id=student_id, end_date__isnull=True)
        .select_related("classroom__school_year")
        .first()
    )


def _current_class_of(scope: Scope, student) -> Classroom | None:
    """The student's class now, if it belongs to the user's school and current year."""
    span = current_enrollment(student.pk)
    if span is None or scope.year is None or span.classroom.school_year_id != scope.year.pk:
        return None
    return span.classroom


def can_manage_peer_pairs(user, classroom: Classroom) -> bool:
    """Đôi bạn cùng tiến of a class: its GVCN, its subject teachers and the leaders."""
    scope = scope_for(user)
    if not in_school(scope) or scope.year is None or classroom.school_year_id != scope.year.pk:
        return False
    return scope.is_leader or classroom.pk in (scope.homeroom_class_ids | scope.taught_class_ids)


def peer_pair_classrooms(user) -> QuerySet[Classroom]:
    """Current-year classes whose peer pairs the user manages."""
    scope = scope_for(user)
    if not in_school(scope) or scope.year is None:
        return Classroom.objects.none()
    qs = Classroom.objects.filter(school_year=scope.year)
    if scope.is_leader:
        return qs
    return qs.filter(pk__in=scope.homeroom_class_ids | scope.taught_class_ids)


def filter_peer_pairs(qs: QuerySet, user) -> QuerySet:
    scope = scope_for(user)
    if not in_school(scope):
        return qs.none()
    qs = qs.filter(school_year__school=scope.school)
    if scope.is_leader:
        return qs
    return qs.filter(classroom_id__in=scope.homeroom_class_ids | scope.taught_class_ids)


def get_peer_pair_for_user(user, pk: int, *, write: bool = False):
    from .models import PeerPair

    pair = (
        filter_peer_pairs(PeerPair.objects.all(), user)
        .select_related("classroom__school_year", "subject", "helper", "helped", "school_year")
        .filter(pk=pk)
        .first()
    )
    if pair is None:
        raise Http404
    if write:
        scope_for(user).require(can_manage_peer_pairs(user, pair.classroom))
    return pair


def can_counsel_class(user, classroom: Classroom) -> bool:
    """Streaming counselling of a grade-9 class: its GVCN and the leaders."""
    scope = scope_for(user)
    if not in_school(scope) or scope.year is None or classroom.school_year_id != scope.year.pk:
        return False
    return classroom.grade == 9 and (scope.is_leader or classroom.pk in scope.homeroom_class_ids)


def can_follow_family(user, student) -> tuple[bool, Classroom | None]:
    """Learning contacts with the family, counselling records and the progress letter of a
    student: the GVCN of the student's class now, and the leaders. Returns (allowed, the
    student's current class) so callers do not ask twice."""
    scope = scope_for(user)
    if not in_school(scope) or student.school_id != scope.school.pk:
        return False, None
    classroom = _current_class_of(scope, student)
    if scope.is_leader:
        return True, classroom
    return classroom is not None and classroom.pk in scope.homeroom_class_ids, classroom


# --- groups area: members and sessions (GROUPS helper) ------------------------------------------


def get_membership_for_user(user, pk: int, *, manage: bool = False):
    """A group member's row, through its group's scope (404 outside it); ``manage``: 403 unless
    the user manages the group."""
    from .models import Membership, TutoringGroup

    membership = (
        Membership.objects.filter(pk=pk, group__in=TutoringGroup.objects.for_user(user))
        .select_related("student", "group__school_year", "group__subject")
        .first()
    )
    if membership is None:
        raise Http404
    if manage:
        scope_for(user).require(can_manage_group(user, membership.group))
    return membership


def get_session_for_user(user, pk: int, *, teach: bool = False):
    """A recorded tutoring session, through its group's scope (404 outside it); ``teach``: 403
    unless the user may record the group's sessions (its tutors, who manages it)."""
    from .models import TutoringGroup, TutoringSession

    session = (
        TutoringSession.objects.filter(pk=pk, group__in=TutoringGroup.objects.for_user(user))
        .select_related("group__school_year", "group__subject", "taught_by")
        .first()
    )
    if session is None:
        raise Http404
    if teach:
        scope_for(user).require(can_teach_group(user, session.group))
    return session


# --- results: a tutor's cells (RESULTS area) -----------------------------------------------------


def tutor_result_cells(user, student_ids) -> set[tuple[int, int]]:
    """(student id, subject id) cells a tutor may correct: the students currently in one of
    their groups of the current year, in that group's subject."""
    from .models import Membership

    scope = scope_for(user)
    group_ids = tutored_group_ids(scope)
    if not group_ids or scope.year is None:
        return set()
    return set(
        Membership.objects.filter(
            group_id__in=group_ids,
            group__school_year=scope.year,
            left_on__isnull=True,
            student_id__in=student_ids,
        ).values_list("student_id", "group__subject_id")
    )


# --- results import (IMPORT area) ----------------------------------------------------------------


def import_classrooms(user) -> QuerySet[Classroom]:
    """Classes (current year) whose gradebook file the user may import: every class for
    leaders and the clerk, their own class for a GVCN (``can_manage_results``)."""
    scope = scope_for(user)
    classrooms = results_classrooms(user)
    if is_school_wide(scope):
        return classrooms
    return classrooms.filter(pk__in=scope.homeroom_class_ids)
