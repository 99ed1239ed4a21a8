"""Results, the weak-student register and free tutoring (phụ đạo).

The app is not a gradebook: it keeps the *term averages* a school's gradebook (SMAS, vnEdu)
exports, classifies them with ``tutoring.rules`` and builds the weak-student register from them.
Tutoring is free by law (Thông tư 29/2024): there is no fee or money field anywhere in this app.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import (
    Classroom,
    School,
    SchoolYear,
    Subject,
    SubjectGroup,
    TimestampedModel,
    User,
)
from students.models import Student


class Term(models.IntegerChoices):
    """What a result covers. SURVEY is the start-of-year survey (khảo sát chất lượng đầu năm)."""

    SURVEY = 0, _("Start-of-year survey")
    HK1 = 1, _("Semester I")
    HK2 = 2, _("Semester II")
    YEAR = 3, _("Whole year")


class Comment(models.TextChoices):
    """Result of a comment-only subject (GDTC, Nghệ thuật, HĐTN-HN, GDĐP)."""

    PASS = "D", "Đạt"
    FAIL = "CD", "Chưa đạt"


class LevelCode(models.TextChoices):
    """Kết quả học tập: TT22 levels, then the old TT58 học lực (for years before TT22)."""

    TOT = "tot", "Tốt"
    KHA = "kha", "Khá"
    DAT = "dat", "Đạt"
    CHUA_DAT = "chua_dat", "Chưa đạt"
    GIOI = "gioi", "Giỏi"
    TRUNG_BINH = "tb", "Trung bình"
    YEU = "yeu", "Yếu"
    KEM = "kem", "Kém"


WEAK_LEVELS = {LevelCode.CHUA_DAT, LevelCode.YEU, LevelCode.KEM}


# --- Results -------------------------------------------------------------------------------------


class ResultImportQuerySet(models.QuerySet):
    def for_user(self, user) -> "ResultImportQuerySet":
        from .scoping import filter_result_imports

        return filter_result_imports(self, user)


class ResultImport(TimestampedModel):
    """One uploaded gradebook file for one class and term: read, previewed, then applied whole."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Waiting for confirmation")
        APPLIED = "applied", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="+"
    )
    classroom = models.ForeignKey(
        Classroom, verbose_name=_("class"), on_delete=models.CASCADE, related_name="+"
    )
    term = models.PositiveSmallIntegerField(_("term"), choices=Term.choices)
    file_name = models.CharField(_("file"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    data = models.JSONField(_("rows read"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    created_by = models.ForeignKey(
        User, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        User,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ResultImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("results import")
        verbose_name_plural = _("results imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.classroom} {self.get_term_display()} {self.file_name}"


class SubjectResult(TimestampedModel):
    """A student's result in one subject for one term: a score average (ĐTBmhk, or ĐTBcn for the
    year) or a comment result (Đạt / Chưa đạt). Year rows are computed from the two semesters."""

    class Source(models.TextChoices):
        IMPORT = "import", _("Imported")
        MANUAL = "manual", _("Entered by hand")
        COMPUTED = "computed", _("Computed")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="results"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="+"
    )
    classroom = models.ForeignKey(
        Classroom, verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    term = models.PositiveSmallIntegerField(_("term"), choices=Term.choices)
    score = models.DecimalField(_("average"), max_digits=3, decimal_places=1, null=True, blank=True)
    comment = models.CharField(_("result"), max_length=2, choices=Comment.choices, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subject result")
        verbose_name_plural = _("subject results")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school_year", "subject", "term"],
                name="tutoring_subjectresult_unique",
            ),
            models.CheckConstraint(
                condition=(Q(score__isnull=False) & Q(comment=""))
                | (Q(score__isnull=True) & ~Q(comment="")),
                name="tutoring_subjectresult_score_or_comment",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=10)),
                name="tutoring_subjectresult_score_0_10",
            ),
        ]
        indexes = [
            models.Index(fields=["classroom", "term"], name="tutoring_result_class_idx"),
            models.Index(
                fields=["school_year", "subject", "term"], name="tutoring_result_subj_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.subject_id} {self.term}: {self.score or self.comment}"


class TermResult(TimestampedModel):
    """A student's overall learning result (kết quả học tập) for a term, computed from the subject
    results under the school year's regulation (TT22, or TT58 for older years)."""

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="term_results"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="+"
    )
    classroom = models.ForeignKey(
        Classroom, verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    term = models.PositiveSmallIntegerField(_("term"), choices=Term.choices)
    level = models.CharField(
        _("learning result"), max_length=10, choices=LevelCode.choices, blank=True
    )
    base_level = models.CharField(
        _("before adjustment"), max_length=10, choices=LevelCode.choices, blank=True
    )
    adjusted_by = models.ForeignKey(
        Subject,
        verbose_name=_("raised one level because of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    average = models.DecimalField(
        _("overall average (TT58)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    needs_review = models.BooleanField(_("needs review"), default=False)
    missing_subjects = models.PositiveSmallIntegerField(_("subjects without a result"), default=0)
    is_weak = models.BooleanField(_("weak overall"), default=False)
    conduct = models.CharField(
        _("conduct (rèn luyện)"), max_length=10, choices=LevelCode.choices, blank=True
    )
    imported_level = models.CharField(_("result in the gradebook file"), max_length=20, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("learning result")
        verbose_name_plural = _("learning results")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school_year", "term"], name="tutoring_termresult_unique"
            )
        ]
        indexes = [models.Index(fields=["classroom", "term"], name="tutoring_termres_class_idx")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.term}: {self.level}"


# --- Weak-student register -------------------------------------------------------------------


class WeakCause(models.TextChoices):
    LOST_FOUNDATION = "foundation", _("Lost foundation (hổng kiến thức)")
    LOW_MOTIVATION = "motivation", _("Low motivation")
    POOR_ATTENDANCE = "attendance", _("Poor attendance")
    FAMILY_HARDSHIP = "family", _("Family hardship")
    HEALTH = "health", _("Health")
    LEARNING_DIFFICULTY = "difficulty", _("Learning difficulty")
    LANGUAGE = "language", _("Language (Vietnamese is not the home language)")
    OTHER = "other", _("Other")


class WeakRecordQuerySet(models.QuerySet):
    def for_user(self, user) -> "WeakRecordQuerySet":
        from .scoping import filter_weak_records

        return filter_weak_records(self, user)

    def active(self) -> "WeakRecordQuerySet":
        return self.exclude(status=WeakRecord.Status.DISMISSED)


class WeakRecord(TimestampedModel):
    """One line of the weak-student register: a student weak overall (subject empty) or in one
    subject, for a school year. Proposed from results or referred by a teacher; the GVCN
    confirms. It stays for the year (the reports count it) and notes when the student stopped
    being weak (``resolved_term``)."""

    class Origin(models.TextChoices):
        RESULTS = "results", _("From results")
        SURVEY = "survey", _("Start-of-year survey")
        REFERRAL = "referral", _("Referred by a teacher")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed by the homeroom teacher")
        DISMISSED = "dismissed", _("Dismissed")

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="+"
    )
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="weak_records"
    )
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("subject"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: weak overall (learning result Chưa đạt, Yếu or Kém)."),
    )
    origin = models.CharField(_("found by"), max_length=10, choices=Origin.choices)
    # The result that showed the weakness: the term, its average or comment, how far below.
    term = models.PositiveSmallIntegerField(_("term"), choices=Term.choices, null=True, blank=True)
    score = models.DecimalField(_("average"), max_digits=3, decimal_places=1, null=True, blank=True)
    comment = models.CharField(_("result"), max_length=2, choices=Comment.choices, blank=True)
    gap = models.DecimalField(
        _("below the line by"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    weak_subject_count = models.PositiveSmallIntegerField(_("weak subjects"), default=0)
    causes = models.CharField(
        _("causes"), max_length=120, blank=True, help_text=_("Cause codes, comma separated")
    )
    cause_note = models.TextField(_("causes in the teacher's words"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    identified_by = models.ForeignKey(
        User,
        verbose_name=_("identified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    identified_on = models.DateField(_("identified on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    confirmed_by = models.ForeignKey(
        User,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    resolved_term = models.PositiveSmallIntegerField(
        _("no longer weak from"), choices=Term.choices, null=True, blank=True
    )
    history = HistoricalRecords()

    objects = WeakRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("weak-student record")
        verbose_name_plural = _("weak-student register")
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "student", "subject"],
                condition=Q(subject__isnull=False),
                name="tutoring_weakrecord_one_per_subject",
            ),
            models.UniqueConstraint(
                fields=["school_year", "student"],
                condition=Q(subject__isnull=True),
                name="tutoring_weakrecord_one_overall",
            ),
        ]
        indexes = [models.Index(fields=["school_year", "subject"], name="tutoring_weak_subj_idx")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.subject_id or '*'} {self.school_year_id}"

    @property
    def cause_list(self) -> list[str]:
        return [c for c in self.causes.split(",") if c]

    def get_cause_labels(self) -> list[str]:
        labels = dict(WeakCause.choices)
        return [str(labels.get(c, c)) for c in self.cause_list]


# --- Tutoring plans ----------------------------------------------------------------------------


class TutoringPlanQuerySet(models.QuerySet):
    def for_user(self, user) -> "TutoringPlanQuerySet":
        from .scoping import filter_plans

        return filter_plans(self, user)


class TutoringPlan(TimestampedModel):
    """A tutoring plan at one of three levels: the school's (principal), a subject group's
    (tổ trưởng) or a teacher's. The principal approves; a plan prints as a PDF."""

    class Level(models.TextChoices):
        SCHOOL = "school", _("School plan")
        GROUP = "group", _("Subject-group plan")
        TEACHER = "teacher", _("Teacher's plan")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for changes")

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="+"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    subject_group = models.ForeignKey(
        SubjectGroup,
        verbose_name=_("subject group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        User, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    title = models.CharField(_("title"), max_length=200)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    subjects = models.ManyToManyField(Subject, verbose_name=_("subjects"), blank=True)
    grades = models.CharField(
        _("grades"), max_length=20, blank=True, help_text=_("Grade blocks, comma separated")
    )
    targets = models.TextField(_("target students and groups"), blank=True)
    measures = models.TextField(_("measures"), blank=True)
    people = models.TextField(_("people and their tasks"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("approved or returned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    objects = TutoringPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("tutoring plan")
        verbose_name_plural = _("tutoring plans")
        ordering = ["level", "start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="tutoring_plan_dates"
            ),
            models.CheckConstraint(
                condition=~Q(level="group") | Q(subject_group__isnull=False),
                name="tutoring_plan_group_level_has_group",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PlanGoal(TimestampedModel):
    """A measurable goal of a plan, e.g. "weak rate in Toán, grade 8: from 12 % to 8 %"."""

    plan = models.ForeignKey(
        TutoringPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="goals"
    )
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("subject"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    description = models.CharField(_("goal"), max_length=255)
    baseline_percent = models.DecimalField(
        _("weak rate now (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    target_percent = models.DecimalField(
        _("target weak rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description


# --- Tutoring groups, sessions and progress ------------------------------------------------------


class GroupKind(models.TextChoices):
    """Why a group exists: the three purposes Thông tư 29/2024 Điều 5 allows in school."""

    REMEDIAL = "remedial", _("Tutoring for weak students (phụ đạo)")
    EXAM_REVIEW = "exam_review", _("Grade-10 entrance exam review")
    GIFTED = "gifted", _("Gifted-student training")


class TutoringGroupQuerySet(models.QuerySet):
    def for_user(self, user) -> "TutoringGroupQuerySet":
        from .scoping import filter_groups

        return filter_groups(self, user)


class TutoringGroup(TimestampedModel):
    """A free tutoring group for one subject in one grade. There is no fee field, on purpose."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(
        _("purpose"), max_length=12, choices=GroupKind.choices, default=GroupKind.REMEDIAL
    )
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Classroom.GRADES)
    name = models.CharField(_("name"), max_length=120)
    tutors = models.ManyToManyField(User, verbose_name=_("tutors"), related_name="tutoring_groups")
    plan = models.ForeignKey(
        TutoringPlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups",
    )
    room = models.CharField(_("room"), max_length=60, blank=True)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    objects = TutoringGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("tutoring group")
        verbose_name_plural = _("tutoring groups")
        ordering = ["grade", "subject__order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="tutoring_group_dates"
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=6) & Q(grade__lte=9), name="tutoring_group_grade_6_to_9"
            ),
            models.CheckConstraint(
                condition=~Q(kind="exam_review") | Q(grade=9),
                name="tutoring_group_exam_review_grade_9",
            ),
            models.UniqueConstraint(
                fields=["school_year", "name"], name="tutoring_group_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ScheduleSlot(models.Model):
    """A weekly slot of a group: weekday (0 = Monday), first period and number of periods."""

    group = models.ForeignKey(
        TutoringGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="slots"
    )
    weekday = models.PositiveSmallIntegerField(
        _("day"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    session = models.CharField(
        _("session"),
        max_length=10,
        choices=[("morning", _("Morning")), ("afternoon", _("Afternoon"))],
        default="afternoon",
    )
    first_period = models.PositiveSmallIntegerField(_("from period"))
    periods = models.PositiveSmallIntegerField(_("periods"), default=1)
    room = models.CharField(_("room"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("schedule slot")
        verbose_name_plural = _("schedule")
        ordering = ["weekday", "session", "first_period"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__lte=6)
                & Q(first_period__gte=1)
                & Q(first_period__lte=10)
                & Q(periods__gte=1)
                & Q(periods__lte=5),
                name="tutoring_slot_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.first_period}+{self.periods}"


class Membership(TimestampedModel):
    """A student in a group, with the eligibility reason TT29 requires for that subject, the
    registration (Mẫu 01) and the parent's consent. Leaving sets ``left_on``; rows are kept."""

    class Reason(models.TextChoices):
        WEAK = "weak", _("Weak in this subject last term")
        EXAM_REVIEW = "exam_review", _("Grade 9, registered for exam review")
        GIFTED = "gifted", _("Selected for gifted-student training")

    group = models.ForeignKey(
        TutoringGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="members"
    )
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="memberships"
    )
    reason = models.CharField(_("eligible because"), max_length=12, choices=Reason.choices)
    weak_record = models.ForeignKey(
        WeakRecord,
        verbose_name=_("weak-student record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
    )
    registered_on = models.DateField(_("registration (Mẫu 01) dated"))
    consent_on = models.DateField(_("parent's consent dated"))
    consent_by = models.CharField(_("consent given by"), max_length=150)
    exception_note = models.CharField(
        _("approved exception to the weekly limit"),
        max_length=255,
        blank=True,
        help_text=_("Decision number and who approved it, when this student has more periods."),
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("why they left"), max_length=255, blank=True)
    added_by = models.ForeignKey(
        User, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["student__sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "student"],
                condition=Q(left_on__isnull=True),
                name="tutoring_membership_one_active",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="tutoring_membership_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} in {self.group_id}"


class TutoringSession(TimestampedModel):
    """One taught session of a group: date, periods, content and who came."""

    group = models.ForeignKey(
        TutoringGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField(_("date"))
    first_period = models.PositiveSmallIntegerField(_("from period"), default=1)
    periods = models.PositiveSmallIntegerField(_("periods"), default=1)
    content = models.TextField(_("content taught"))
    note = models.TextField(_("tutor's note"), blank=True)
    taught_by = models.ForeignKey(
        User, verbose_name=_("taught by"), on_delete=models.PROTECT, related_name="+"
    )
    # Bumped on every save: a form that loaded an older version is refused, not silently lost.
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tutoring session")
        verbose_name_plural = _("tutoring sessions")
        ordering = ["-date", "first_period"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "date", "first_period"], name="tutoring_session_unique"
            ),
            models.CheckConstraint(
                condition=Q(periods__gte=1) & Q(periods__lte=5), name="tutoring_session_periods"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.date}"


class SessionAttendance(models.Model):
    session = models.ForeignKey(
        TutoringSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="+"
    )
    present = models.BooleanField(_("present"), default=True)
    reason = models.CharField(_("reason for absence"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("session attendance")
        verbose_name_plural = _("session attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "student"], name="tutoring_attendance_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.student_id} {self.present}"


class Checkpoint(TimestampedModel):
    """A test score measured in a group: before tutoring, along the way, after."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("Before tutoring")
        DURING = "during", _("During tutoring")
        AFTER = "after", _("After tutoring")

    group = models.ForeignKey(
        TutoringGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="checkpoints"
    )
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="checkpoints"
    )
    kind = models.CharField(_("when"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    score = models.DecimalField(_("score"), max_digits=3, decimal_places=1)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=10), name="tutoring_checkpoint_score"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.kind} {self.score}"


# --- Peer help, grade-9 streaming counselling ----------------------------------------------


class PeerPair(TimestampedModel):
    """Đôi bạn cùng tiến: a stronger student helps a weaker one of the same class in a subject."""

    class Outcome(models.TextChoices):
        ONGOING = "ongoing", _("Ongoing")
        PROGRESSED = "progressed", _("The weaker student progressed")
        NOT_YET = "not_yet", _("No progress yet")
        STOPPED = "stopped", _("Stopped")

    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="+"
    )
    classroom = models.ForeignKey(
        Classroom, verbose_name=_("class"), on_delete=models.CASCADE, related_name="+"
    )
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    helper = models.ForeignKey(
        Student, verbose_name=_("helping student"), on_delete=models.CASCADE, related_name="+"
    )
    helped = models.ForeignKey(
        Student,
        verbose_name=_("helped student"),
        on_delete=models.CASCADE,
        related_name="peer_pairs",
    )
    weak_record = models.ForeignKey(
        WeakRecord,
        verbose_name=_("weak-student record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="peer_pairs",
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.ONGOING
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("set up by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("peer pair")
        verbose_name_plural = _("peer pairs")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(helper=F("helped")), name="tutoring_peerpair_two_students"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="tutoring_peerpair_dates",
            ),
            models.UniqueConstraint(
                fields=["helped", "subject"],
                condition=Q(end_date__isnull=True),
                name="tutoring_peerpair_one_active_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.helper_id} → {self.helped_id} ({self.subject_id})"


class Counselling(TimestampedModel):
    """Streaming counselling (tư vấn phân luồng) of a grade-9 student and the choice made."""

    class Choice(models.TextChoices):
        UPPER_SECONDARY = "upper_secondary", _("Upper secondary school (THPT)")
        CONTINUING = "continuing", _("Continuing education (GDTX)")
        VOCATIONAL = "vocational", _("Vocational training")
        UNDECIDED = "undecided", _("Not decided yet")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="counselling"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("date"))
    counsellor = models.ForeignKey(
        User, verbose_name=_("counselled by"), on_delete=models.PROTECT, related_name="+"
    )
    parents_present = models.BooleanField(_("parents present"), default=False)
    parent_names = models.CharField(_("parents or guardians present"), max_length=255, blank=True)
    choice = models.CharField(_("choice"), max_length=16, choices=Choice.choices)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("streaming counselling")
        verbose_name_plural = _("streaming counselling")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.student_id} {self.date} {self.choice}"
