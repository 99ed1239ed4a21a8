"""Writes to the organisation: staff accounts, role assignments, passwords."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Role, RoleAssignment, School, SchoolYear, User

MSG_USERNAME_TAKEN = _("The username %(username)s is already in use.")
MSG_DUPLICATE_ROLE = _("This person already has this role.")
MSG_HOMEROOM_TAKEN = _("Class %(classroom)s already has a homeroom teacher: %(teacher)s.")
MSG_PRINCIPAL_TAKEN = _("The school already has a principal this year: %(name)s.")
MSG_ROLE_NEEDS_CLASS = _("Choose the class for this role.")
MSG_ROLE_NEEDS_GROUP = _("Choose the subject group for this role.")
MSG_WRONG_SCHOOL = _("The class or group belongs to another school or year.")


@transaction.atomic
def staff_create(
    *,
    username: str,
    full_name: str,
    password: str,
    school: School | None = None,
    office=None,
    phone: str = "",
    must_change_password: bool = True,
) -> User:
    """Create a staff account for a school (or an office). The person changes the password
    at first login unless told otherwise."""
    username = username.strip().lower()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": MSG_USERNAME_TAKEN % {"username": username}})
    user = User(
        username=username,
        full_name=full_name.strip(),
        school=school,
        office=office,
        phone=phone,
        must_change_password=must_change_password,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def password_set(*, user: User, password: str, must_change: bool = True) -> User:
    """Set or reset a password without email; the owner must change it at next login."""
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = must_change
    user.save(update_fields=["password", "must_change_password"])
    return user


@transaction.atomic
def role_assign(
    *,
    user: User,
    role: str,
    school_year: SchoolYear | None = None,
    office=None,
    classroom=None,
    subject_group=None,
    subject=None,
    grade_blocks: str = "",
) -> RoleAssignment:
    """Give a person a role. Refuses duplicates, a second homeroom teacher for a class, a second
    principal in a year, and a class or group from another school or year."""
    if role == Role.OFFICE:
        assignment = RoleAssignment(user=user, role=role, office=office)
    else:
        if role == Role.HOMEROOM and classroom is None:
            raise ValidationError({"classroom": MSG_ROLE_NEEDS_CLASS})
        if role == Role.GROUP_HEAD and subject_group is None:
            raise ValidationError({"subject_group": MSG_ROLE_NEEDS_GROUP})
        if classroom is not None and classroom.school_year_id != school_year.pk:
            raise ValidationError(MSG_WRONG_SCHOOL)
        if subject_group is not None and subject_group.school_id != school_year.school_id:
            raise ValidationError(MSG_WRONG_SCHOOL)
        if role not in (Role.HOMEROOM, Role.SUBJECT_TEACHER):
            classroom = None
        if role != Role.GROUP_HEAD:
            subject_group = None
        if role != Role.VICE_PRINCIPAL:
            grade_blocks = ""
        assignment = RoleAssignment(
            user=user,
            role=role,
            school=school_year.school,
            school_year=school_year,
            classroom=classroom,
            subject_group=subject_group,
            subject=subject if role == Role.SUBJECT_TEACHER else None,
            grade_blocks=grade_blocks,
        )
        if role == Role.HOMEROOM:
            other = (
                RoleAssignment.objects.filter(role=Role.HOMEROOM, classroom=classroom)
                .select_related("user")
                .first()
            )
            if other:
                raise ValidationError(
                    MSG_HOMEROOM_TAKEN % {"classroom": classroom, "teacher": other.user}
                )
        if role == Role.PRINCIPAL:
            other = (
                RoleAssignment.objects.filter(role=Role.PRINCIPAL, school_year=school_year)
                .select_related("user")
                .first()
            )
            if other:
                raise ValidationError(MSG_PRINCIPAL_TAKEN % {"name": other.user})
    duplicate = RoleAssignment.objects.filter(
        user=user,
        role=role,
        office=assignment.office,
        school_year=assignment.school_year,
        classroom=assignment.classroom,
        subject_group=assignment.subject_group,
        subject=assignment.subject,
    )
    if duplicate.exists():
        raise ValidationError(MSG_DUPLICATE_ROLE)
    assignment.full_clean()
    assignment.save()
    return assignment


def role_remove(*, assignment: RoleAssignment) -> None:
    assignment.delete()
