"""Organisation and people: offices, schools, school years, classes, subjects, staff and roles."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lib.vietnamese import name_sort_key, split_full_name, unaccent


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Office(TimestampedModel):
    """A supervising office: Sở GD&ĐT, Phòng GD&ĐT, or a commune office after the 2025 reform."""

    class Kind(models.TextChoices):
        DEPARTMENT = "so", _("Department of Education (Sở GD&ĐT)")
        DISTRICT = "phong", _("District education office (Phòng GD&ĐT)")
        COMMUNE = "xa", _("Commune People's Committee office")
        OTHER = "khac", _("Other office")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def subtree_ids(self) -> set[int]:
        """This office and every office below it (one query per level; trees are shallow)."""
        ids = {self.pk}
        frontier = {self.pk}
        while frontier:
            frontier = (
                set(Office.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
                - ids
            )
            ids |= frontier
        return ids


class SchoolQuerySet(models.QuerySet):
    def for_user(self, user) -> "SchoolQuerySet":
        from schools.scoping import scope_for

        return scope_for(user).filter_schools(self)


class School(TimestampedModel):
    class Kind(models.TextChoices):
        THCS = "thcs", _("Lower-secondary school (THCS)")
        TH_THCS = "th_thcs", _("Primary and lower-secondary school (TH&THCS)")
        THCS_THPT = "thcs_thpt", _("Lower- and upper-secondary school (THCS&THPT)")
        BOARDING = "ptdtnt", _("Ethnic-minority boarding school (PTDTNT)")
        SEMI_BOARDING = "ptdtbt", _("Ethnic-minority semi-boarding school (PTDTBT)")

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="schools"
    )
    code = models.CharField(_("school code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.THCS)
    governing_body = models.CharField(
        _("governing body (header of documents)"),
        max_length=200,
        blank=True,
        help_text=_("For example: UBND XÃ LONG PHÚ"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.CharField(_("commune / ward"), max_length=100, blank=True)
    province = models.CharField(_("province / city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    history = HistoricalRecords()

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def current_year(self) -> "SchoolYear | None":
        return self.years.filter(is_current=True).first()


class SchoolSettings(TimestampedModel):
    """The rules a school sets for itself (thresholds, windows); one row per school."""

    class Sessions(models.TextChoices):
        MORNING = "morning", _("Morning only")
        AFTERNOON = "afternoon", _("Afternoon only")
        BOTH = "both", _("Morning and afternoon")

    school = models.OneToOneField(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="settings"
    )
    sessions = models.CharField(
        _("sessions taught"), max_length=10, choices=Sessions.choices, default=Sessions.MORNING
    )
    official_session = models.CharField(
        _("session of the official plan"),
        max_length=10,
        choices=[("morning", _("Morning")), ("afternoon", _("Afternoon"))],
        default="morning",
        help_text=_("Absences from this session count toward the 45-session limit (TT22)."),
    )
    attendance_edit_days = models.PositiveSmallIntegerField(
        _("days a homeroom teacher may correct the roll"), default=7
    )
    alert_absent_days = models.PositiveSmallIntegerField(
        _("alert when absent more than (school days)"), default=3
    )
    alert_window_days = models.PositiveSmallIntegerField(
        _("within the last (school days)"), default=10
    )
    alert_unexcused_sessions = models.PositiveSmallIntegerField(
        _("alert at this many unexcused sessions in that window"), default=2
    )
    alert_escalation_days = models.PositiveSmallIntegerField(
        _("highlight alerts unanswered after (school days)"), default=2
    )
    session_warning_levels = models.CharField(
        _("warn at these yearly absence counts"), max_length=30, default="30,40"
    )
    session_limit = models.PositiveSmallIntegerField(_("yearly absence limit"), default=45)
    confirm_from_day = models.PositiveSmallIntegerField(
        _("monthly class-size confirmation from day"), default=15
    )
    confirm_to_day = models.PositiveSmallIntegerField(_("to day"), default=25)
    dropout_target_percent = models.DecimalField(
        _("dropout target (%)"), max_digits=4, decimal_places=2, default=2
    )
    # Results and tutoring (issue 5). Thresholds are inclusive and compare rounded values.
    weak_threshold = models.DecimalField(
        _("weak in a subject below this average"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("5.0"),
    )
    progress_rule = models.CharField(
        _("a weak student progressed when"),
        max_length=12,
        choices=[
            ("not_weak", _("they are no longer weak in the subject")),
            ("margin", _("their average rose by the margin below, or they are no longer weak")),
        ],
        default="not_weak",
    )
    progress_margin = models.DecimalField(
        _("progress margin"), max_digits=3, decimal_places=1, default=Decimal("1.0")
    )
    group_max_students = models.PositiveSmallIntegerField(
        _("most students in a tutoring group"), default=45
    )
    weekly_periods_limit = models.PositiveSmallIntegerField(
        _("most tutoring periods a week per subject and student"), default=2
    )
    gifted_training = models.BooleanField(
        _("the school also runs gifted-student training in the app"), default=False
    )
    # Dropout risk (issue 6): the early-warning list, escalation of home visits, minutes.
    warning_window_days = models.PositiveSmallIntegerField(
        _("early warning looks at the last (days)"), default=30
    )
    warning_absent_days = models.PositiveSmallIntegerField(
        _("warn when absent more than (days) in that window"), default=3
    )
    warning_unexcused_sessions = models.PositiveSmallIntegerField(
        _("warn at this many unexcused sessions in that window"), default=2
    )
    warning_conduct_events = models.PositiveSmallIntegerField(
        _("warn at this many late arrivals or skipped periods in that window"), default=3
    )
    warning_weak_subjects = models.PositiveSmallIntegerField(
        _("warn when weak in at least (subjects)"), default=2
    )
    warning_distance_km = models.DecimalField(
        _("far from school from (km)"), max_digits=4, decimal_places=1, default=Decimal("5.0")
    )
    warning_result_drop = models.DecimalField(
        _("warn when the average fell by at least (points)"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("1.0"),
    )
    visits_before_escalation = models.PositiveSmallIntegerField(
        _("escalate to the leadership after this many home visits without a return"), default=3
    )
    minute_edit_hours = models.PositiveSmallIntegerField(
        _("the author may correct a visit minute within (hours)"), default=24
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school settings")
        verbose_name_plural = _("school settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(confirm_from_day__gte=1)
                & Q(confirm_to_day__lte=31)
                & Q(confirm_from_day__lte=F("confirm_to_day")),
                name="schools_schoolsettings_confirm_window_valid",
            )
        ]

    def __str__(self) -> str:
        return str(self.school)

    @property
    def warning_levels(self) -> list[int]:
        return sorted(int(x) for x in self.session_warning_levels.split(",") if x.strip().isdigit())

    @property
    def taught_sessions(self) -> list[str]:
        return ["morning", "afternoon"] if self.sessions == "both" else [self.sessions]

    @classmethod
    def for_school(cls, school_or_id) -> "SchoolSettings":
        school_id = getattr(school_or_id, "pk", school_or_id)
        settings, _created = cls.objects.get_or_create(school_id=school_id)
        return settings


class SchoolYear(TimestampedModel):
    """One school's calendar for a year (provinces set the dates; the school may edit them)."""

    class Regulation(models.TextChoices):
        TT22 = "tt22", _("Circular 22/2021 (Tốt / Khá / Đạt / Chưa đạt)")
        TT58 = "tt58", _("Circular 58/2011 (Giỏi / Khá / Trung bình / Yếu / Kém)")

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="years"
    )
    start_year = models.PositiveSmallIntegerField(_("first calendar year"))
    start_date = models.DateField(_("opening day"))
    semester1_end = models.DateField(_("end of semester I"))
    semester2_start = models.DateField(_("start of semester II"))
    end_date = models.DateField(_("end of the school year"))
    enrollment_snapshot_date = models.DateField(
        _("start-of-year headcount date"),
        help_text=_("Class size on this date is the denominator of the dropout rate."),
    )
    saturday_classes = models.BooleanField(_("classes on Saturday"), default=True)
    regulation = models.CharField(
        _("assessment regulation"),
        max_length=4,
        choices=Regulation.choices,
        default=Regulation.TT22,
    )
    is_current = models.BooleanField(_("current year"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["school", "-start_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "start_year"], name="schools_schoolyear_one_per_school_year"
            ),
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(is_current=True),
                name="schools_schoolyear_one_current_per_school",
            ),
            models.CheckConstraint(
                condition=Q(start_date__lt=F("semester1_end"))
                & Q(semester1_end__lt=F("semester2_start"))
                & Q(semester2_start__lt=F("end_date")),
                name="schools_schoolyear_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    def clean(self) -> None:
        dates = [self.start_date, self.semester1_end, self.semester2_start, self.end_date]
        if all(dates) and not (dates[0] < dates[1] < dates[2] < dates[3]):
            raise ValidationError(
                _(
                    "The dates must be in order: opening day, end of semester I, "
                    "start of semester II, end of the year."
                )
            )
        if self.start_date and self.start_year and self.start_date.year != self.start_year:
            raise ValidationError(
                {
                    "start_date": _("The opening day must be in %(year)s.")
                    % {"year": self.start_year}
                }
            )
        if (
            self.enrollment_snapshot_date
            and self.start_date
            and self.end_date
            and not (self.start_date <= self.enrollment_snapshot_date <= self.end_date)
        ):
            raise ValidationError(
                {
                    "enrollment_snapshot_date": _(
                        "The headcount date must fall within the school year."
                    )
                }
            )

    def contains(self, day: datetime.date) -> bool:
        return self.start_date <= day <= self.end_date

    def school_days(
        self, start: datetime.date | None = None, end: datetime.date | None = None
    ) -> list[datetime.date]:
        """Teaching days of this year between start and end (one query for the holidays)."""
        from lib.calendar import school_days

        start = max(start or self.start_date, self.start_date)
        end = min(end or self.end_date, self.end_date)
        spans = self.holidays.values_list("start_date", "end_date")
        return school_days(start, end, saturday_classes=self.saturday_classes, holidays=spans)

    def semester_of(self, day: datetime.date) -> int | None:
        if self.start_date <= day <= self.semester1_end:
            return 1
        if self.semester2_start <= day <= self.end_date:
            return 2
        return None


class Holiday(TimestampedModel):
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="holidays"
    )
    name = models.CharField(_("name"), max_length=120)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")), name="schools_holiday_dates_in_order"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    """A subject of the 2018 programme; data, not code (seeded by a data migration)."""

    class Assessment(models.TextChoices):
        SCORE = "score", _("By score")
        COMMENT = "comment", _("By comment (Đạt / Chưa đạt)")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=30)
    assessment = models.CharField(_("assessed"), max_length=10, choices=Assessment.choices)
    is_elective = models.BooleanField(_("elective"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class SubjectGroup(TimestampedModel):
    """A tổ chuyên môn; its head is a role assignment (GROUP_HEAD)."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="subject_groups"
    )
    name = models.CharField(_("name"), max_length=120)
    subjects = models.ManyToManyField(Subject, verbose_name=_("subjects"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subject group")
        verbose_name_plural = _("subject groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name"], name="schools_subjectgroup_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ClassroomQuerySet(models.QuerySet):
    def for_user(self, user) -> "ClassroomQuerySet":
        from schools.scoping import scope_for

        return scope_for(user).filter_classrooms(self)

    def ordered(self) -> "ClassroomQuerySet":
        return self.order_by("grade", "name")


class Classroom(TimestampedModel):
    GRADES = [(g, str(g)) for g in (6, 7, 8, 9)]

    school_year = models.ForeignKey(
        SchoolYear,
        verbose_name=_("school year"),
        on_delete=models.PROTECT,
        related_name="classrooms",
    )
    name = models.CharField(_("class name"), max_length=20)
    grade = models.PositiveSmallIntegerField(_("grade"), choices=GRADES)
    history = HistoricalRecords()

    objects = ClassroomQuerySet.as_manager()

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["grade", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "name"], name="schools_classroom_unique_name_per_year"
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=6) & Q(grade__lte=9), name="schools_classroom_grade_6_to_9"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def school_id(self) -> int:
        return self.school_year.school_id


class StaffManager(UserManager):
    def for_user(self, user):
        from schools.scoping import scope_for

        return scope_for(user).filter_staff(self.get_queryset())


class User(AbstractUser):
    """A staff account. Names are stored whole (họ và tên) and sorted the Vietnamese way."""

    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)
    sort_key = models.CharField(max_length=400, editable=False, default="", db_index=True)
    search_name = models.CharField(max_length=150, editable=False, default="")
    history = HistoricalRecords(excluded_fields=["password", "last_login", "sort_key"])

    objects = StaffManager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["sort_key"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        family, given = split_full_name(self.full_name or self.username)
        self.sort_key = name_sort_key(family, given)
        self.search_name = unaccent(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_key", "search_name"}
        if update_fields is not None and set(update_fields) == {"last_login"}:
            # Logging in is not a change anyone needs in the audit trail.
            self.skip_history_when_saving = True
            try:
                return super().save(*args, **kwargs)
            finally:
                del self.skip_history_when_saving
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    OFFICE = "office", _("Office staff")
    PRINCIPAL = "principal", _("Principal")
    VICE_PRINCIPAL = "vice_principal", _("Vice-principal")
    HOMEROOM = "homeroom", _("Homeroom teacher")
    SUBJECT_TEACHER = "subject_teacher", _("Subject teacher")
    GROUP_HEAD = "group_head", _("Subject-group head")
    CLERK = "clerk", _("Clerk")
    YOUTH_UNION = "youth_union", _("Youth union (Đoàn – Đội)")


SCHOOL_ROLES = [r for r in Role if r != Role.OFFICE]
LEADER_ROLES = {Role.PRINCIPAL, Role.VICE_PRINCIPAL}


class RoleAssignment(TimestampedModel):
    """What a person does, as data: one row per role and school year (office roles: an office)."""

    user = models.ForeignKey(
        User, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    office = models.ForeignKey(
        Office, verbose_name=_("office"), null=True, blank=True, on_delete=models.CASCADE
    )
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    school_year = models.ForeignKey(
        SchoolYear,
        verbose_name=_("school year"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    classroom = models.ForeignKey(
        Classroom,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    subject_group = models.ForeignKey(
        SubjectGroup,
        verbose_name=_("subject group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), null=True, blank=True, on_delete=models.PROTECT
    )
    grade_blocks = models.CharField(
        _("grade blocks"),
        max_length=20,
        blank=True,
        help_text=_("For vice-principals: the grade blocks they answer for, e.g. 6,7"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["role"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="office") & Q(office__isnull=False) & Q(school__isnull=True))
                | (
                    ~Q(role="office")
                    & Q(school__isnull=False)
                    & Q(school_year__isnull=False)
                    & Q(office__isnull=True)
                ),
                name="schools_roleassignment_office_or_school",
            ),
            models.CheckConstraint(
                condition=~Q(role="homeroom") | Q(classroom__isnull=False),
                name="schools_roleassignment_homeroom_has_class",
            ),
            models.CheckConstraint(
                condition=~Q(role="group_head") | Q(subject_group__isnull=False),
                name="schools_roleassignment_group_head_has_group",
            ),
            models.UniqueConstraint(
                fields=["classroom"],
                condition=Q(role="homeroom"),
                name="schools_roleassignment_one_homeroom_per_class",
            ),
            models.UniqueConstraint(
                fields=["school_year"],
                condition=Q(role="principal"),
                name="schools_roleassignment_one_principal_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} – {self.target_label}"

    @property
    def grades(self) -> list[int]:
        return [int(g) for g in self.grade_blocks.split(",") if g.strip().isdigit()]

    @property
    def target_label(self) -> str:
        if self.classroom_id:
            label = str(self.classroom)
            if self.subject_id:
                label = f"{self.subject.short_name} – {label}"
            return label
        if self.subject_group_id:
            return str(self.subject_group)
        if self.office_id:
            return str(self.office)
        if self.grade_blocks:
            return _("grade blocks %(grades)s") % {"grades": self.grade_blocks}
        return str(self.school) if self.school_id else ""
