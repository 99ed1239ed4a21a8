"""Students, their guardians and their enrollment history (the source of class size)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lib.vietnamese import name_sort_key, normalize_spaces, unaccent
from schools.models import Classroom, School, TimestampedModel

KINH = "Kinh"


class StudentQuerySet(models.QuerySet):
    def for_user(self, user) -> "StudentQuerySet":
        from students.scoping import filter_students

        return filter_students(self, user)

    def search(self, text: str) -> "StudentQuerySet":
        """Diacritic- and case-insensitive: 'anh' finds 'Ánh' on SQLite and PostgreSQL alike."""
        text = unaccent(text or "")
        if not text:
            return self
        return self.filter(Q(search_name__contains=text) | Q(code__iexact=text))

    def in_classroom(self, classroom, on=None) -> "StudentQuerySet":
        return self.filter(
            pk__in=Enrollment.objects.active_on(on).filter(classroom=classroom).values("student_id")
        )


class Student(TimestampedModel):
    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Household(models.TextChoices):
        NONE = "", _("Not poor")
        NEAR_POOR = "near_poor", _("Near-poor household")
        POOR = "poor", _("Poor household")

    class Orphan(models.TextChoices):
        NONE = "", _("No")
        ONE_PARENT = "one", _("Lost one parent")
        BOTH_PARENTS = "both", _("Lost both parents")

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="students"
    )
    code = models.CharField(_("student code"), max_length=30)
    family_name = models.CharField(_("family and middle name"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=50)
    date_of_birth = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=50, default=KINH)
    hamlet = models.CharField(_("hamlet / village"), max_length=120, blank=True)
    commune = models.CharField(_("commune / ward"), max_length=120, blank=True)
    address = models.CharField(_("house number, street"), max_length=200, blank=True)
    # Family circumstances: sensitive data (Decree 356/2025), shown only to the people who need it.
    household = models.CharField(
        _("household"), max_length=10, choices=Household.choices, blank=True, default=""
    )
    orphan = models.CharField(
        _("orphan"), max_length=4, choices=Orphan.choices, blank=True, default=""
    )
    disability = models.BooleanField(_("disability"), default=False)
    distance_km = models.DecimalField(
        _("distance to school (km)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    lives_away_from_parents = models.BooleanField(_("lives away from parents"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    sort_key = models.CharField(max_length=400, editable=False, default="")
    search_name = models.CharField(max_length=160, editable=False, default="")
    history = HistoricalRecords(excluded_fields=["sort_key", "search_name"])

    objects = StudentQuerySet.as_manager()

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["sort_key", "date_of_birth", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "code"], name="students_student_code_unique_per_school"
            ),
            models.CheckConstraint(
                condition=Q(distance_km__isnull=True) | Q(distance_km__gte=0),
                name="students_student_distance_not_negative",
            ),
        ]
        indexes = [
            # Class lists and the student list are ordered the Vietnamese way.
            models.Index(fields=["school", "sort_key"], name="students_school_sort_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def is_ethnic_minority(self) -> bool:
        return bool(self.ethnicity) and unaccent(self.ethnicity) != "kinh"

    def save(self, *args, **kwargs):
        self.family_name = normalize_spaces(self.family_name)
        self.given_name = normalize_spaces(self.given_name)
        self.sort_key = name_sort_key(self.family_name, self.given_name)
        self.search_name = unaccent(self.full_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sort_key", "search_name"}
        super().save(*args, **kwargs)


class Guardian(TimestampedModel):
    class Relation(models.TextChoices):
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        GRANDFATHER = "grandfather", _("Grandfather")
        GRANDMOTHER = "grandmother", _("Grandmother")
        SIBLING = "sibling", _("Brother or sister")
        RELATIVE = "relative", _("Other relative")
        GUARDIAN = "guardian", _("Guardian")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="guardians"
    )
    full_name = models.CharField(_("full name"), max_length=150)
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["-is_primary", "pk"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_relation_display()})"


class DropoutCause(models.TextChoices):
    """MOET's five reporting groups (CV 3237) with sub-causes for case work (REPORTS.md S5)."""

    POOR = "1a", _("1a Poor or near-poor household, cannot afford school costs")
    WORK_AT_HOME = "1b", _("1b Must work at home to help the family")
    WORK_AWAY = "1c", _("1c Went to work for wages or far away")
    MOVED_WITH_FAMILY = "1d", _("1d Moved away with the family without a transfer")
    LOST_FOUNDATION = "2a", _("2a Lost foundation, cannot keep up")
    RETAINED = "2b", _("2b Retained or re-tested, discouraged")
    NO_MOTIVATION = "2c", _("2c Dislikes school, lost motivation")
    FAR_FROM_SCHOOL = "3a", _("3a Lives far from school, difficult terrain")
    RIVER = "3b", _("3b Cut off by a river or lake")
    NO_TRANSPORT = "3c", _("3c No means of transport")
    DISASTER = "4a", _("4a Flood, landslide, storm")
    EPIDEMIC = "4b", _("4b Epidemic")
    EARLY_MARRIAGE = "5a", _("5a Early marriage")
    ILLNESS = "5b", _("5b Long illness or disability")
    NEGLECT = "5c", _("5c Family pays no attention, parents work far away")
    BULLYING = "5d", _("5d Stigma, bullying, conflict at school")
    SOCIAL_EVILS = "5e", _("5e Law-breaking, social evils, game addiction")
    CUSTOMS = "5f", _("5f Customs (long festivals …)")
    OTHER = "5g", _("5g Other")

    @classmethod
    def group_of(cls, code: str) -> int:
        return int(code[0])


class EnrollmentQuerySet(models.QuerySet):
    def active_on(self, day=None) -> "EnrollmentQuerySet":
        """Spans covering ``day`` (start inclusive, end exclusive); open spans when day is None."""
        if day is None:
            return self.filter(end_date__isnull=True)
        return self.filter(start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=day)
        )


class Enrollment(TimestampedModel):
    """A span of time a student spends in one class. Every movement starts or ends a span, so
    the class size on any date is a count of spans covering it, never a typed number."""

    class StartKind(models.TextChoices):
        START_OF_YEAR = "start", _("Enrolled at the start of the year")
        TRANSFER_IN = "transfer_in", _("Transferred in")
        CLASS_CHANGE = "class_change", _("Moved from another class")
        RETURNED = "returned", _("Returned to school")

    class EndKind(models.TextChoices):
        TRANSFER_OUT = "transfer_out", _("Transferred out")
        CLASS_CHANGE = "class_change", _("Moved to another class")
        DROPPED_OUT = "dropped_out", _("Dropped out")
        OTHER_EXIT = "other_exit", _("Left for another reason (vocational training, death …)")
        YEAR_END = "year_end", _("End of the school year")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="enrollments"
    )
    classroom = models.ForeignKey(
        Classroom, verbose_name=_("class"), on_delete=models.PROTECT, related_name="enrollments"
    )
    start_date = models.DateField(_("from"))
    start_kind = models.CharField(_("how they came"), max_length=15, choices=StartKind.choices)
    start_note = models.CharField(_("note"), max_length=255, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    end_kind = models.CharField(
        _("how they left"), max_length=15, choices=EndKind.choices, blank=True
    )
    end_note = models.CharField(_("reason"), max_length=255, blank=True)
    dropout_causes = models.CharField(
        _("dropout causes"), max_length=60, blank=True, help_text=_("Cause codes, comma separated")
    )
    history = HistoricalRecords()

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(end_date__isnull=True),
                name="students_enrollment_one_open_per_student",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="students_enrollment_end_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(end_date__isnull=True) & Q(end_kind=""))
                | (Q(end_date__isnull=False) & ~Q(end_kind="")),
                name="students_enrollment_end_has_kind",
            ),
        ]
        indexes = [
            # Class size on a date: spans of a class covering the date.
            models.Index(
                fields=["classroom", "start_date", "end_date"], name="students_enr_class_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} @ {self.classroom_id} {self.start_date}–{self.end_date or ''}"

    @property
    def cause_list(self) -> list[str]:
        return [c for c in self.dropout_causes.split(",") if c]

    def get_cause_labels(self) -> list[str]:
        labels = dict(DropoutCause.choices)
        return [str(labels.get(c, c)) for c in self.cause_list]


class RosterImportQuerySet(models.QuerySet):
    def for_user(self, user) -> "RosterImportQuerySet":
        from students.scoping import filter_roster_imports

        return filter_roster_imports(self, user)


class RosterImport(TimestampedModel):
    """One uploaded class-list file, read and checked, waiting for confirmation or applied.

    The rows are kept (as read, normalised) only until the import is applied or discarded; after
    that the record keeps who imported what and when, and the counts. The students' own history
    names the import as the reason of each change.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        APPLIED = "applied", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="roster_imports"
    )
    school_year = models.ForeignKey(
        "schools.SchoolYear",
        verbose_name=_("school year"),
        on_delete=models.CASCADE,
        related_name="roster_imports",
    )
    created_by = models.ForeignKey(
        "schools.User",
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    file_name = models.CharField(_("file"), max_length=255)
    classroom = models.ForeignKey(
        Classroom,
        verbose_name=_("class"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For rows that name no class."),
    )
    start_date = models.DateField(_("enrolment date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # {"rows": [...], "sheets": [...], "skipped": [...]} as read by students.importers.
    data = models.JSONField(_("rows read"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("students added"), default=0)
    updated_count = models.PositiveIntegerField(_("students updated"), default=0)
    enrolled_count = models.PositiveIntegerField(_("students put in a class"), default=0)
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        "schools.User",
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = RosterImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "applied", "discarded"]),
                name="students_rosterimport_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="applied") | Q(applied_at__isnull=False),
                name="students_rosterimport_applied_has_date",
            ),
        ]
        indexes = [
            # The import page lists the school's latest imports.
            models.Index(fields=["school", "-created_at"], name="students_rosterimport_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
