"""Writes to the organisation: schools, school years, holidays, classes, subject groups, staff
accounts, role assignments and passwords. Views call these; nothing else saves.

Every function validates before it saves (``full_clean``) and saves through the ORM, so
django-simple-history records who changed what. Refusals are ``ValidationError``s with the
module-constant messages below, keyed by the field they concern where there is one.
"""

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lib.formatting import format_date
from lib.vietnamese import normalize_spaces

from .models import (
    Classroom,
    Holiday,
    Role,
    RoleAssignment,
    School,
    SchoolSettings,
    SchoolYear,
    Subject,
    SubjectGroup,
    User,
)

MSG_USERNAME_TAKEN = _("The username %(username)s is already in use.")
MSG_DUPLICATE_ROLE = _("This person already has this role.")
MSG_HOMEROOM_TAKEN = _("Class %(classroom)s already has a homeroom teacher: %(teacher)s.")
MSG_PRINCIPAL_TAKEN = _("The school already has a principal this year: %(name)s.")
MSG_ROLE_NEEDS_CLASS = _("Choose the class for this role.")
MSG_ROLE_NEEDS_GROUP = _("Choose the subject group for this role.")
MSG_WRONG_SCHOOL = _("The class or group belongs to another school or year.")
MSG_OWN_PRINCIPAL_ROLE = _("You cannot remove your own principal role.")
MSG_OWN_ACCOUNT = _("You cannot disable your own account.")

MSG_SCHOOL_CODE_TAKEN = _("Another school already has the code %(code)s.")
MSG_YEAR_TAKEN = _("The school already has the school year %(year)s.")
MSG_YEAR_DATES_ORDER = _(
    "The dates must be in order: opening day, end of semester I, "
    "start of semester II, end of the year."
)
MSG_YEAR_END_OUTSIDE = _("The end of the school year must be in %(year)s.")
MSG_YEAR_HOLIDAY_OUTSIDE = _(
    "The holiday %(name)s (%(start)s – %(end)s) would fall outside the new dates. "
    "Change or delete it first."
)
MSG_HOLIDAY_DATES_ORDER = _("The last day of the holiday cannot be before its first day.")
MSG_HOLIDAY_OUTSIDE_YEAR = _(
    "The holiday must fall within the school year %(year)s (%(start)s – %(end)s)."
)
MSG_CLASS_GRADE = _("The grade must be 6, 7, 8 or 9.")
MSG_CLASS_NAME_GRADE = _(
    "The class name %(name)s starts with a number that is not its grade %(grade)s."
)
MSG_CLASS_NAME_TAKEN = _("The school year %(year)s already has a class named %(name)s.")
MSG_GROUP_NAME_TAKEN = _("The school already has a subject group named %(name)s.")

# Roles that do not depend on a year's classes: they follow the school into a new current year.
CARRY_OVER_ROLES = (
    Role.PRINCIPAL,
    Role.VICE_PRINCIPAL,
    Role.GROUP_HEAD,
    Role.CLERK,
    Role.YOUTH_UNION,
)


def _collect(errors: dict, check, *args, **kwargs) -> None:
    """Run one check and add its errors to ``errors`` (so a form shows every problem at once)."""
    try:
        check(*args, **kwargs)
    except ValidationError as error:
        error.update_error_dict(errors)


# --- staff accounts ---------------------------------------------------------------------------


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from error


def _check_new_staff(user: User, password: str) -> None:
    errors: dict = {}
    if User.objects.filter(username__iexact=user.username).exists():
        errors["username"] = [MSG_USERNAME_TAKEN % {"username": user.username}]
    _collect(errors, _check_password, password, user)
    _collect(errors, user.full_clean, exclude=["password", "school", "office", *errors])
    if errors:
        raise ValidationError(errors)


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
    at first login unless told otherwise. Refuses a username already in use (in any case) and a
    password the validators reject."""
    user = User(
        username=username.strip().lower(),
        full_name=normalize_spaces(full_name),
        school=school,
        office=office,
        phone=phone.strip(),
        must_change_password=must_change_password,
    )
    _check_new_staff(user, password)
    user.set_password(password)
    user.save()
    return user


def staff_update(*, user: User, full_name: str, phone: str = "") -> User:
    """Change a staff member's name and phone."""
    user.full_name = normalize_spaces(full_name)
    user.phone = phone.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "phone"])
    return user


def staff_set_active(*, user: User, active: bool, actor: User) -> User:
    """Disable or re-enable an account. A disabled person cannot log in (their open sessions end
    at their next request); their history and role records stay. Refuses to disable oneself."""
    if not active and user.pk == actor.pk:
        raise ValidationError(MSG_OWN_ACCOUNT)
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


def password_set(*, user: User, password: str, must_change: bool = True) -> User:
    """Set or reset a password without email; the owner must change it at next login."""
    _check_password(password, user)
    user.set_password(password)
    user.must_change_password = must_change
    user.save(update_fields=["password", "must_change_password"])
    return user


# --- role assignments -------------------------------------------------------------------------


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


def role_remove(*, assignment: RoleAssignment, actor: User | None = None) -> None:
    """Remove a role. Refuses a principal removing their own principal role (the school would be
    left with nobody who can manage staff)."""
    if actor is not None and assignment.user_id == actor.pk and assignment.role == Role.PRINCIPAL:
        raise ValidationError(MSG_OWN_PRINCIPAL_ROLE)
    assignment.delete()


# --- schools ----------------------------------------------------------------------------------


def _check_school(school: School) -> None:
    school.code = school.code.strip().upper()
    school.name = normalize_spaces(school.name)
    clash = School.objects.filter(code__iexact=school.code)
    if school.pk:
        clash = clash.exclude(pk=school.pk)
    if school.code and clash.exists():
        raise ValidationError({"code": MSG_SCHOOL_CODE_TAKEN % {"code": school.code}})
    school.full_clean(validate_unique=False)


@transaction.atomic
def school_create(
    *,
    school: School,
    year: SchoolYear,
    principal_username: str,
    principal_full_name: str,
    principal_password: str,
    principal_phone: str = "",
) -> School:
    """Create a school together with its first (current) school year and its principal's
    account, which must change its password at first login. Checks all three parts first and
    reports every problem at once; saves nothing unless everything is valid."""
    principal = User(
        username=principal_username.strip().lower(),
        full_name=normalize_spaces(principal_full_name),
        phone=principal_phone.strip(),
        must_change_password=True,
    )
    errors: dict = {}
    _collect(errors, _check_school, school)
    _collect(errors, _check_school_year, year, new_school=True)
    _collect(errors, _check_new_staff, principal, principal_password)
    if errors:
        raise ValidationError(errors)
    school.save()
    year.school = school
    year.is_current = True
    year.full_clean()
    year.save()
    principal = staff_create(
        username=principal.username,
        full_name=principal.full_name,
        password=principal_password,
        school=school,
        phone=principal.phone,
    )
    role_assign(user=principal, role=Role.PRINCIPAL, school_year=year)
    return school


def school_update(*, school: School) -> School:
    """Save a school's details. Refuses a code another school already has."""
    _check_school(school)
    school.save()
    return school


# --- school years and holidays ----------------------------------------------------------------


def _check_school_year(year: SchoolYear, *, new_school: bool = False) -> None:
    dates = [year.start_date, year.semester1_end, year.semester2_start, year.end_date]
    errors: dict = {}
    if all(dates) and not (dates[0] < dates[1] < dates[2] < dates[3]):
        # Raised here, before full_clean, so people read this sentence rather than the
        # database constraint's name.
        errors["__all__"] = [MSG_YEAR_DATES_ORDER]
    if year.end_date and year.start_year and year.end_date.year != year.start_year + 1:
        errors["end_date"] = [MSG_YEAR_END_OUTSIDE % {"year": year.start_year + 1}]
    if not new_school:
        clash = SchoolYear.objects.filter(school_id=year.school_id, start_year=year.start_year)
        if year.pk:
            clash = clash.exclude(pk=year.pk)
        if clash.exists():
            errors["start_year"] = [MSG_YEAR_TAKEN % {"year": year.name}]
        if year.pk and year.start_date and year.end_date:
            outside = (
                Holiday.objects.filter(school_year=year)
                .exclude(start_date__gte=year.start_date, end_date__lte=year.end_date)
                .first()
            )
            if outside:
                errors.setdefault("__all__", []).append(
                    MSG_YEAR_HOLIDAY_OUTSIDE
                    % {
                        "name": outside.name,
                        "start": format_date(outside.start_date),
                        "end": format_date(outside.end_date),
                    }
                )
    if errors:
        raise ValidationError(errors)
    # A new school is not saved yet: its year is checked without the school (nothing to clash).
    year.full_clean(exclude=["school"] if new_school else None)


def school_year_save(*, school_year: SchoolYear) -> SchoolYear:
    """Create or update a school year (dates, headcount date, Saturday classes, regulation).
    Refuses dates out of order, a year the school already has, an end outside the following
    calendar year, and new dates that would leave one of its holidays outside. A school's first
    year becomes its current year."""
    _check_school_year(school_year)
    if school_year.pk is None and not SchoolYear.objects.filter(
        school_id=school_year.school_id, is_current=True
    ):
        school_year.is_current = True
    school_year.save()
    return school_year


@transaction.atomic
def school_year_set_current(*, school_year: SchoolYear) -> SchoolYear:
    """Make this the school's current year (exactly one is current). The school-wide roles of
    the year that was current (principal, vice-principals, subject-group heads, clerk, youth
    union) are carried over for people still on the staff; homeroom and subject teachers are
    assigned anew because they depend on the new year's classes."""
    years = list(SchoolYear.objects.select_for_update().filter(school_id=school_year.school_id))
    previous = next((y for y in years if y.is_current), None)
    if previous is not None and previous.pk == school_year.pk:
        return school_year
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current", "updated_at"])
    school_year.is_current = True
    school_year.save(update_fields=["is_current", "updated_at"])
    if previous is not None:
        carried = previous.assignments.filter(
            role__in=CARRY_OVER_ROLES,
            user__is_active=True,
            user__school_id=school_year.school_id,
        ).select_related("user", "subject_group")
        for assignment in carried:
            try:
                role_assign(
                    user=assignment.user,
                    role=assignment.role,
                    school_year=school_year,
                    subject_group=assignment.subject_group,
                    grade_blocks=assignment.grade_blocks,
                )
            except ValidationError:
                continue  # already there, or the year already has its own principal
    return school_year


def holiday_add(*, school_year: SchoolYear, name: str, start_date, end_date) -> Holiday:
    """Add a holiday (one day or several) to a school year. Refuses a holiday that ends before
    it starts or does not fall within the year."""
    if end_date < start_date:
        raise ValidationError({"end_date": MSG_HOLIDAY_DATES_ORDER})
    if start_date < school_year.start_date or end_date > school_year.end_date:
        raise ValidationError(
            MSG_HOLIDAY_OUTSIDE_YEAR
            % {
                "year": school_year.name,
                "start": format_date(school_year.start_date),
                "end": format_date(school_year.end_date),
            }
        )
    holiday = Holiday(
        school_year=school_year,
        name=normalize_spaces(name),
        start_date=start_date,
        end_date=end_date,
    )
    holiday.full_clean()
    holiday.save()
    return holiday


def holiday_delete(*, holiday: Holiday) -> None:
    holiday.delete()


# --- classes and subject groups ---------------------------------------------------------------

_LEADING_NUMBER = re.compile(r"^\d+")


def classroom_save(*, classroom: Classroom) -> Classroom:
    """Create or update a class of a school year. Refuses a grade outside 6–9, a name whose
    leading number is not its grade (9A1 in grade 8), and a name the year already has."""
    classroom.name = normalize_spaces(classroom.name)
    errors: dict = {}
    if classroom.grade not in (6, 7, 8, 9):
        errors["grade"] = [MSG_CLASS_GRADE]
    else:
        number = _LEADING_NUMBER.match(classroom.name)
        if number and int(number.group()) != classroom.grade:
            errors["name"] = [
                MSG_CLASS_NAME_GRADE % {"name": classroom.name, "grade": classroom.grade}
            ]
    clash = Classroom.objects.filter(
        school_year_id=classroom.school_year_id, name__iexact=classroom.name
    )
    if classroom.pk:
        clash = clash.exclude(pk=classroom.pk)
    if classroom.name and clash.exists():
        errors.setdefault("name", []).append(
            MSG_CLASS_NAME_TAKEN % {"year": classroom.school_year.name, "name": classroom.name}
        )
    if errors:
        raise ValidationError(errors)
    classroom.full_clean()
    classroom.save()
    return classroom


@transaction.atomic
def subject_group_save(
    *, subject_group: SubjectGroup, subjects: list[Subject] | None = None
) -> SubjectGroup:
    """Create or update a subject group (tổ chuyên môn) and, if given, its subjects. Refuses a
    name the school already uses (ignoring case)."""
    subject_group.name = normalize_spaces(subject_group.name)
    clash = SubjectGroup.objects.filter(
        school_id=subject_group.school_id, name__iexact=subject_group.name
    )
    if subject_group.pk:
        clash = clash.exclude(pk=subject_group.pk)
    if subject_group.name and clash.exists():
        raise ValidationError({"name": MSG_GROUP_NAME_TAKEN % {"name": subject_group.name}})
    subject_group.full_clean()
    subject_group.save()
    if subjects is not None:
        subject_group.subjects.set(subjects)
    return subject_group


# --- the school's rules (attendance, alerts, class size) --------------------------------------

MSG_RULES_CONFIRM_WINDOW = _(
    "The confirmation window must run from a day to a later or the same day, both from 1 to 31."
)
MSG_RULES_LEVEL_BELOW_LIMIT = _(
    "Each warning level must be above 0 and below the yearly limit (%(limit)s)."
)
MSG_RULES_WINDOW = _(
    "The window must be longer than the number of days absent that raises an alert "
    "(at least %(days)s school days)."
)
MSG_RULES_OFFICIAL_TAUGHT = _(
    "The session of the official plan must be a session the school teaches."
)
MSG_RULES_AT_LEAST_ONE = _("Must be at least 1.")
MSG_RULES_TOO_LARGE = _("Must be at most %(max)s.")
MSG_RULES_PERCENT = _("The dropout target must be a percentage from 0 to 99.")

# Sane upper bounds: larger values are typing mistakes, not school policies.
RULES_MAX = {
    "attendance_edit_days": 60,
    "alert_absent_days": 30,
    "alert_window_days": 60,
    "alert_unexcused_sessions": 60,
    "alert_escalation_days": 30,
    "session_limit": 200,
}


def school_settings_save(*, settings: SchoolSettings) -> SchoolSettings:
    """Save a school's rules. Refuses: a confirmation window outside 1–31 or running backwards;
    a warning level not below the yearly limit; a window not longer than the days that raise an
    alert; an official session the school does not teach; zero where at least 1 is needed;
    values past the sane bounds in ``RULES_MAX``."""
    errors: dict[str, list] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    for field, maximum in RULES_MAX.items():
        value = getattr(settings, field)
        if value is None:
            continue
        if value > maximum:
            add(field, MSG_RULES_TOO_LARGE % {"max": maximum})
        elif value < 1 and field != "attendance_edit_days":
            add(field, MSG_RULES_AT_LEAST_ONE)
    start, end = settings.confirm_from_day, settings.confirm_to_day
    if start is not None and end is not None and not (1 <= start <= end <= 31):
        add("confirm_to_day" if 1 <= start <= 31 else "confirm_from_day", MSG_RULES_CONFIRM_WINDOW)
    levels = [p for p in (settings.session_warning_levels or "").split(",") if p]
    if settings.session_limit and not all(
        p.isdigit() and 0 < int(p) < settings.session_limit for p in levels
    ):
        add(
            "session_warning_levels",
            MSG_RULES_LEVEL_BELOW_LIMIT % {"limit": settings.session_limit},
        )
    if (
        settings.alert_absent_days
        and settings.alert_window_days is not None
        and "alert_window_days" not in errors
        and settings.alert_window_days <= settings.alert_absent_days
    ):
        add("alert_window_days", MSG_RULES_WINDOW % {"days": settings.alert_absent_days + 1})
    if settings.official_session not in settings.taught_sessions:
        add("official_session", MSG_RULES_OFFICIAL_TAUGHT)
    target = settings.dropout_target_percent
    if target is not None and not (0 <= target < 100):
        add("dropout_target_percent", MSG_RULES_PERCENT)
    if errors:
        raise ValidationError(errors)
    settings.full_clean()
    settings.save()
    return settings
