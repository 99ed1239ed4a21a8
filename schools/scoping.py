"""Who is asking, and what they may see: resolved once per request from role assignments.

Every list and every fetch-by-id goes through a ``Scope``: lists with ``Model.objects.for_user``
(which calls ``scope.filter_*``), single objects with the ``get_*_for_user`` functions, which answer
404 for anything outside the scope, exactly as for something that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .models import (
    LEADER_ROLES,
    Classroom,
    Holiday,
    Office,
    Role,
    RoleAssignment,
    School,
    SchoolYear,
    SubjectGroup,
    User,
)


@dataclass
class Scope:
    user: object
    roles: set[str] = field(default_factory=set)
    school: School | None = None
    year: SchoolYear | None = None
    office_ids: set[int] = field(default_factory=set)
    school_ids: set[int] = field(default_factory=set)
    homeroom_class_ids: set[int] = field(default_factory=set)
    taught_class_ids: set[int] = field(default_factory=set)
    group_ids: set[int] = field(default_factory=set)
    vp_grades: list[int] = field(default_factory=list)

    # --- who ---------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def is_office(self) -> bool:
        return Role.OFFICE in self.roles

    @property
    def is_principal(self) -> bool:
        return Role.PRINCIPAL in self.roles

    @property
    def is_leader(self) -> bool:
        """Principal or vice-principal: sees the whole school."""
        return bool(self.roles & LEADER_ROLES)

    @property
    def is_school_wide(self) -> bool:
        """Reads every student of the school (leaders, the clerk, the youth union)."""
        return self.is_leader or bool(self.roles & {Role.CLERK, Role.YOUTH_UNION})

    @property
    def can_manage_students(self) -> bool:
        """Creates students, records movements, imports rosters."""
        return self.is_leader or Role.CLERK in self.roles

    @property
    def can_manage_school(self) -> bool:
        """Edits the school's calendar, classes and subject groups."""
        return self.is_leader

    @property
    def can_manage_staff(self) -> bool:
        return self.is_principal

    @property
    def role_labels(self) -> list[str]:
        labels = []
        for role in Role:
            if role in self.roles:
                label = str(role.label)
                if role == Role.VICE_PRINCIPAL and self.vp_grades:
                    grades = ", ".join(str(g) for g in sorted(set(self.vp_grades)))
                    label = f"{label} ({_('grades')} {grades})"
                labels.append(label)
        return labels

    @property
    def has_any_role(self) -> bool:
        return bool(self.roles)

    # --- lists -------------------------------------------------------------
    def filter_schools(self, qs: QuerySet) -> QuerySet:
        return qs.filter(pk__in=self.school_ids) if self.school_ids else qs.none()

    def filter_classrooms(self, qs: QuerySet) -> QuerySet:
        """Classes of the current year the user may see."""
        if self.is_office:
            return qs.filter(
                school_year__school_id__in=self.school_ids, school_year__is_current=True
            )
        if self.year is None:
            return qs.none()
        qs = qs.filter(school_year=self.year)
        if self.is_school_wide:
            return qs
        return qs.filter(pk__in=self.homeroom_class_ids | self.taught_class_ids)

    def filter_staff(self, qs: QuerySet) -> QuerySet:
        if self.is_office:
            return qs.filter(Q(school_id__in=self.school_ids) | Q(office_id__in=self.office_ids))
        if self.school and self.is_leader:
            return qs.filter(school=self.school)
        return qs.filter(pk=self.user.pk)

    # --- checks ------------------------------------------------------------
    def require(self, allowed: bool) -> None:
        """A user who can see an object but not change it gets 403."""
        if not allowed:
            raise PermissionDenied


def build_scope(user) -> Scope:
    scope = Scope(user=user)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return scope
    if user.school_id:
        scope.school = user.school
        scope.year = SchoolYear.objects.filter(school_id=user.school_id, is_current=True).first()
    assignments = RoleAssignment.objects.filter(user=user).filter(
        Q(role=Role.OFFICE) | Q(school_year__is_current=True, school_id=user.school_id)
    )
    for a in assignments:
        scope.roles.add(a.role)
        if a.role == Role.OFFICE:
            scope.office_ids |= Office.objects.get(pk=a.office_id).subtree_ids()
        elif a.role == Role.HOMEROOM:
            scope.homeroom_class_ids.add(a.classroom_id)
        elif a.role == Role.SUBJECT_TEACHER and a.classroom_id:
            scope.taught_class_ids.add(a.classroom_id)
        elif a.role == Role.GROUP_HEAD:
            scope.group_ids.add(a.subject_group_id)
        elif a.role == Role.VICE_PRINCIPAL:
            scope.vp_grades.extend(a.grades)
    if scope.office_ids:
        scope.school_ids = set(
            School.objects.filter(office_id__in=scope.office_ids).values_list("pk", flat=True)
        )
    elif scope.school and scope.roles:
        scope.school_ids = {scope.school.pk}
    return scope


def scope_for(user) -> Scope:
    """The user's scope, built once and cached on the user object for the request."""
    cached = getattr(user, "_donghanh_scope", None)
    if cached is None:
        cached = build_scope(user)
        if getattr(user, "is_authenticated", False):
            user._donghanh_scope = cached
    return cached


def get_school_for_user(user, pk: int) -> School:
    school = School.objects.for_user(user).filter(pk=pk).select_related("office").first()
    if school is None:
        raise Http404
    return school


def get_classroom_for_user(user, pk: int, *, write: bool = False) -> Classroom:
    scope = scope_for(user)
    classroom = (
        Classroom.objects.for_user(user).select_related("school_year__school").filter(pk=pk).first()
    )
    if classroom is None:
        raise Http404
    if write:
        scope.require(scope.can_manage_school)
    return classroom


# --- organisation pages: staff, years, holidays, subject groups, role assignments -------------


def can_manage_person(user, person: User) -> bool:
    """The principal manages the accounts of their school's staff (never a superuser's)."""
    scope = scope_for(user)
    return (
        scope.can_manage_staff
        and scope.school is not None
        and person.school_id == scope.school.pk
        and not person.is_superuser
    )


def can_reset_password(user, person: User) -> bool:
    """The principal resets their staff's passwords; office staff reset the passwords of the
    principals of the schools under their office (and nobody else's)."""
    if can_manage_person(user, person):
        return True
    scope = scope_for(user)
    if not scope.is_office or person.is_superuser or person.school_id not in scope.school_ids:
        return False
    return RoleAssignment.objects.filter(
        user=person, role=Role.PRINCIPAL, school_id=person.school_id, school_year__is_current=True
    ).exists()


def get_staff_for_user(user, pk: int, *, write: bool = False) -> User:
    person = User.objects.for_user(user).filter(pk=pk).select_related("school").first()
    if person is None:
        raise Http404
    if write:
        scope_for(user).require(can_manage_person(user, person))
    return person


def _require_school_manager(user, school_id: int) -> None:
    scope = scope_for(user)
    scope.require(
        scope.can_manage_school and scope.school is not None and scope.school.pk == school_id
    )


def get_school_year_for_user(user, pk: int, *, write: bool = False) -> SchoolYear:
    scope = scope_for(user)
    year = (
        SchoolYear.objects.filter(school_id__in=scope.school_ids, pk=pk)
        .select_related("school")
        .first()
    )
    if year is None:
        raise Http404
    if write:
        _require_school_manager(user, year.school_id)
    return year


def get_holiday_for_user(user, pk: int, *, write: bool = False) -> Holiday:
    scope = scope_for(user)
    holiday = (
        Holiday.objects.filter(school_year__school_id__in=scope.school_ids, pk=pk)
        .select_related("school_year")
        .first()
    )
    if holiday is None:
        raise Http404
    if write:
        _require_school_manager(user, holiday.school_year.school_id)
    return holiday


def get_subject_group_for_user(user, pk: int, *, write: bool = False) -> SubjectGroup:
    scope = scope_for(user)
    group = SubjectGroup.objects.filter(school_id__in=scope.school_ids, pk=pk).first()
    if group is None:
        raise Http404
    if write:
        _require_school_manager(user, group.school_id)
    return group


def get_role_assignment_for_user(user, pk: int, *, write: bool = False) -> RoleAssignment:
    """A role of a person the user may see; ``write``: the principal of that person's school."""
    assignment = (
        RoleAssignment.objects.filter(pk=pk, user__in=User.objects.for_user(user))
        .select_related("user", "school_year", "classroom", "subject", "subject_group")
        .first()
    )
    if assignment is None:
        raise Http404
    if write:
        scope_for(user).require(
            can_manage_person(user, assignment.user)
            and assignment.school_id == scope_for(user).school.pk
        )
    return assignment
