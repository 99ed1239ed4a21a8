"""Dropout-risk cases, home visits and their minutes (biên bản), partners, sponsors and support,
teacher mentors, and the log of who opened a sensitive record (issue 6).

Imported by ``retention.models`` so Django sees these models in the ``retention`` app.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import School, SchoolYear, TimestampedModel, User
from students.models import Student


class RiskFactor(models.TextChoices):
    """Why a student is at risk: the early-warning signals plus what only people know."""

    ABSENCES = "absences", _("Absences")
    CONDUCT = "conduct", _("Late arrivals and skipped periods")
    WEAK = "weak", _("Weak results")
    RESULT_DROP = "result_drop", _("Falling results")
    POOR = "poor", _("Poor or near-poor household")
    ORPHAN = "orphan", _("Orphan")
    FAR = "far", _("Far from school")
    MINORITY = "minority", _("Ethnic minority")
    AWAY_FROM_PARENTS = "away", _("Lives away from parents")
    WORK = "work", _("Has to work or help the family")
    EARLY_MARRIAGE = "marriage", _("Pressure to marry early")
    HEALTH = "health", _("Illness or disability")
    DISINTEREST = "disinterest", _("Lost interest in school")
    OTHER = "other", _("Other")


class RiskCaseQuerySet(models.QuerySet):
    def for_user(self, user) -> "RiskCaseQuerySet":
        from .scoping_cases import filter_cases

        return filter_cases(self, user)

    def active(self) -> "RiskCaseQuerySet":
        return self.filter(status__in=RiskCase.ACTIVE)


class RiskCase(TimestampedModel):
    """A student at risk of dropping out, followed by an owner (usually the GVCN) until the
    student is back at school, transferred, dropped out, or the case is closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MONITORING = "monitoring", _("Monitoring")
        RETURNED = "returned", _("Back at school")
        TRANSFERRED = "transferred", _("Transferred")
        DROPPED_OUT = "dropped_out", _("Dropped out")
        CLOSED = "closed", _("Closed")

    ACTIVE = ("open", "monitoring")

    class Source(models.TextChoices):
        ALERT = "alert", _("An absence alert")
        WARNING = "warning", _("The early-warning list")
        STUDENT = "student", _("The student's page")

    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="+"
    )
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="risk_cases"
    )
    owner = models.ForeignKey(
        User, verbose_name=_("in charge"), on_delete=models.PROTECT, related_name="owned_cases"
    )
    opened_on = models.DateField(_("opened on"))
    opened_by = models.ForeignKey(
        User, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("opened from"), max_length=10, choices=Source.choices)
    alert = models.ForeignKey(
        "retention.AbsenceAlert",
        verbose_name=_("alert"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risk_cases",
    )
    risk_factors = models.CharField(
        _("risk factors"),
        max_length=200,
        blank=True,
        help_text=_("RiskFactor codes, comma separated"),
    )
    summary = models.TextField(_("situation"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_reason = models.CharField(_("why escalated"), max_length=255, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_note = models.CharField(_("how it ended"), max_length=255, blank=True)
    dropout_override_reason = models.TextField(
        _("why closed as dropped out with fewer visits"), blank=True
    )
    dropout_override_by = models.ForeignKey(
        User,
        verbose_name=_("override by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    objects = RiskCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk case")
        verbose_name_plural = _("risk cases")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(status__in=["open", "monitoring"]),
                name="retention_riskcase_one_active_per_student",
            ),
            models.CheckConstraint(
                condition=(Q(status__in=["open", "monitoring"]) & Q(ended_on__isnull=True))
                | (~Q(status__in=["open", "monitoring"]) & Q(ended_on__isnull=False)),
                name="retention_riskcase_ended_iff_finished",
            ),
        ]
        indexes = [
            models.Index(fields=["school_year", "status"], name="retention_case_year_status"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.opened_on} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def factor_list(self) -> list[str]:
        return [c for c in self.risk_factors.split(",") if c]

    def get_factor_labels(self) -> list[str]:
        labels = dict(RiskFactor.choices)
        return [str(labels[c]) for c in self.factor_list if c in labels]


class Partner(TimestampedModel):
    """A local body the school works with on a case (commune, village team, associations)."""

    class Kind(models.TextChoices):
        COMMUNE = "commune", _("Commune People's Committee")
        VILLAGE_TEAM = "village_team", _("Village mobilization team")
        PARENTS = "parents", _("Parents' association")
        LEARNING_PROMOTION = "khuyen_hoc", _("Learning promotion association (Hội khuyến học)")
        YOUTH_UNION = "youth_union", _("Youth union")
        WOMEN_UNION = "women_union", _("Women's union")
        OTHER = "other", _("Other")

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="partners"
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    contact_person = models.CharField(_("contact person"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("still working with us"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="retention_partner_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class CaseEvent(TimestampedModel):
    """One line of a case's timeline that is not a visit, an absence, a contact or support:
    notes, status changes, escalation, the leadership's actions and what partners did."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        STATUS = "status", _("Status change")
        ESCALATED = "escalated", _("Escalated to the leadership")
        LEADERSHIP = "leadership", _("Leadership action")
        PARTNER = "partner", _("Partner action")
        OWNER = "owner", _("New person in charge")

    class Action(models.TextChoices):
        OWN_VISIT = "own_visit", _("Visited the family")
        COMMUNE_MEETING = "commune_meeting", _("Met the commune")
        VILLAGE_TEAM = "village_team", _("Asked the village team")
        SUPPORT = "support", _("Arranged support")
        OTHER = "other", _("Other")

    case = models.ForeignKey(
        RiskCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, blank=True)
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    date = models.DateField(_("date"))
    text = models.TextField(_("what happened"), blank=True)
    old_status = models.CharField(_("from"), max_length=12, blank=True)
    new_status = models.CharField(_("to"), max_length=12, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="partner") | Q(partner__isnull=False),
                name="retention_caseevent_partner_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.date} {self.kind}"


class PersonMet(models.TextChoices):
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    GUARDIAN = "guardian", _("Guardian")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Brother or sister")
    RELATIVE = "relative", _("Relative")
    NEIGHBOUR = "neighbour", _("Neighbour")
    VILLAGE = "village", _("Village head or village official")
    COMMUNE = "commune", _("Commune official")
    OTHER = "other", _("Other")


class HomeVisitQuerySet(models.QuerySet):
    def for_user(self, user) -> "HomeVisitQuerySet":
        from .scoping_cases import filter_visits

        return filter_visits(self, user)


class HomeVisit(TimestampedModel):
    """A visit to the family (or a meeting with it) and its minute (biên bản), signed by the
    person met. ``client_id`` is made by the form before it is sent, so a retry or a form kept
    offline and sent later never creates a second visit."""

    class Place(models.TextChoices):
        HOME = "home", _("At the family's home")
        SCHOOL = "school", _("At school")
        OTHER = "other", _("Elsewhere")

    class Outcome(models.TextChoices):
        WILL_RETURN = "will_return", _("The student will return")
        WILL_THINK = "will_think", _("The family will think about it")
        REFUSES = "refuses", _("The family refuses")
        NOBODY_HOME = "nobody_home", _("Nobody at home")

    FAILED = ("will_think", "refuses", "nobody_home")

    class Signature(models.TextChoices):
        DRAWN = "drawn", _("Signed on the screen")
        PAPER = "paper", _("Signed on paper (photo attached)")
        REFUSED = "refused", _("The family did not sign")
        NONE = "none", _("Nobody to sign")

    client_id = models.UUIDField(_("form id"), unique=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        RiskCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="visits"
    )
    number = models.PositiveSmallIntegerField(_("visit number"))
    author = models.ForeignKey(
        User, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="visits_written"
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.TimeField(_("ended at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=10, choices=Place.choices, default=Place.HOME)
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    staff_present = models.ManyToManyField(
        User, verbose_name=_("from the school"), blank=True, related_name="visits_attended"
    )
    people_met = models.JSONField(
        _("people met"),
        default=list,
        blank=True,
        help_text=_('[{"name": …, "relation": PersonMet code, "phone": …}]'),
    )
    student_present = models.BooleanField(_("the student was there"), default=False)
    content = models.TextField(_("what was discussed"))
    school_view = models.TextField(_("the school's view"), blank=True)
    family_view = models.TextField(_("the family's view"), blank=True)
    student_view = models.TextField(_("the student's view"), blank=True)
    support_offered = models.TextField(_("support offered"), blank=True)
    causes = models.CharField(
        _("causes"), max_length=100, blank=True, help_text=_("DropoutCause codes, comma separated")
    )
    commitments = models.TextField(_("commitments"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    return_date = models.DateField(_("back at school from"), null=True, blank=True)
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    next_date = models.DateField(_("next step on"), null=True, blank=True)
    signature_kind = models.CharField(
        _("signature"), max_length=8, choices=Signature.choices, default=Signature.DRAWN
    )
    signer_name = models.CharField(_("signed by"), max_length=150, blank=True)
    signature_note = models.CharField(_("why not signed"), max_length=255, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords(m2m_fields=[staff_present])

    objects = HomeVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="retention_visit_number"),
        ]
        indexes = [models.Index(fields=["started_at"], name="retention_visit_started")]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.number}"

    @property
    def failed(self) -> bool:
        return self.outcome in self.FAILED

    @property
    def cause_list(self) -> list[str]:
        return [c for c in self.causes.split(",") if c]


class VisitAttachment(TimestampedModel):
    """An image of a visit: the signature drawn on the screen, the photo of a paper minute, or a
    photo. Kept in the database (never on a public media path) and served only to those who may
    read the visit."""

    class Kind(models.TextChoices):
        SIGNATURE = "signature", _("Signature")
        PAPER = "paper", _("Paper minute")
        PHOTO = "photo", _("Photo")

    visit = models.ForeignKey(
        HomeVisit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content = models.BinaryField(_("image"))
    content_type = models.CharField(_("type"), max_length=20)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)

    class Meta:
        verbose_name = _("visit attachment")
        verbose_name_plural = _("visit attachments")
        ordering = ["kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(kind="signature"),
                name="retention_attachment_one_signature",
            )
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.kind}"


class VisitAmendment(TimestampedModel):
    """A correction or addition to a minute after its author's correction window: the minute
    itself stays as signed; amendments are listed under it and printed with it."""

    visit = models.ForeignKey(
        HomeVisit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="amendments"
    )
    author = models.ForeignKey(
        User, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("correction or addition"))

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.created_at:%d/%m/%Y}"


class Sponsor(TimestampedModel):
    """A benefactor (mạnh thường quân): a person, a business or an organisation."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        BUSINESS = "business", _("Business")
        ORGANISATION = "organisation", _("Organisation or association")

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="sponsors"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=200)
    contact_person = models.CharField(_("contact person"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sponsor")
        verbose_name_plural = _("sponsors")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="retention_sponsor_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Support(TimestampedModel):
    """Support given to a student: material (money, a bicycle, books …) or moral
    (encouragement, counselling), from a sponsor or from the school itself."""

    class Kind(models.TextChoices):
        MONEY = "money", _("Money")
        BICYCLE = "bicycle", _("Bicycle")
        BOOKS = "books", _("Books and school things")
        UNIFORM = "uniform", _("Uniform")
        FOOD = "food", _("Food, rice")
        SCHOLARSHIP = "scholarship", _("Scholarship")
        ENCOURAGEMENT = "encouragement", _("Encouragement")
        COUNSELLING = "counselling", _("Counselling")
        OTHER = "other", _("Other")

    MATERIAL = ("money", "bicycle", "books", "uniform", "food", "scholarship")
    MORAL = ("encouragement", "counselling")

    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="+"
    )
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="supports"
    )
    sponsor = models.ForeignKey(
        Sponsor,
        verbose_name=_("sponsor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supports",
        help_text=_("Empty: the school itself"),
    )
    case = models.ForeignKey(
        RiskCase,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supports",
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    description = models.CharField(_("what"), max_length=255, blank=True)
    value = models.DecimalField(
        _("value (đồng)"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    date = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("support")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0),
                name="retention_support_value_not_negative",
            )
        ]
        indexes = [models.Index(fields=["school_year", "date"], name="retention_support_year")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.date} {self.kind}"

    @property
    def is_material(self) -> bool:
        return self.kind in self.MATERIAL


class MentorshipQuerySet(models.QuerySet):
    def active(self) -> "MentorshipQuerySet":
        return self.filter(end_date__isnull=True)


class Mentorship(TimestampedModel):
    """A teacher takes on (nhận đỡ đầu) an at-risk or weak student.

    At most two active mentees per teacher, guaranteed by the database: an active mentorship holds
    one of the teacher's two slots (1 or 2), and a slot is unique among active mentorships; two
    assignments saved at the same moment cannot both take the last slot. A student has at most
    one active mentor."""

    MAX_ACTIVE = 2

    class Reason(models.TextChoices):
        AT_RISK = "at_risk", _("At risk of dropping out")
        WEAK = "weak", _("Weak results")
        BOTH = "both", _("At risk and weak")

    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="+"
    )
    teacher = models.ForeignKey(
        User, verbose_name=_("mentor"), on_delete=models.PROTECT, related_name="mentorships"
    )
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="mentorships"
    )
    slot = models.PositiveSmallIntegerField(_("slot"))
    reason = models.CharField(_("why"), max_length=10, choices=Reason.choices)
    goals = models.TextField(_("what we aim for"), blank=True)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slot__gte=1) & Q(slot__lte=2), name="retention_mentorship_two_slots"
            ),
            models.UniqueConstraint(
                fields=["teacher", "slot"],
                condition=Q(end_date__isnull=True),
                name="retention_mentorship_slot_free",
            ),
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(end_date__isnull=True),
                name="retention_mentorship_one_mentor",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="retention_mentorship_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} → {self.student_id}"

    @property
    def is_active(self) -> bool:
        return self.end_date is None


class MentorContact(TimestampedModel):
    """A mentor's contact with their mentee (a talk, a call, a visit, a message)."""

    class Method(models.TextChoices):
        TALK = "talk", _("Talk at school")
        PHONE = "phone", _("Phone call")
        MESSAGE = "message", _("Message")
        VISIT = "visit", _("Home visit")
        FAMILY = "family", _("Talk with the family")

    mentorship = models.ForeignKey(
        Mentorship, verbose_name=_("mentorship"), on_delete=models.CASCADE, related_name="contacts"
    )
    date = models.DateField(_("date"))
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    content = models.TextField(_("what we talked about"))
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("mentor contact")
        verbose_name_plural = _("mentor contacts")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.mentorship_id} {self.date}"


class RecordAccess(models.Model):
    """Who opened a sensitive record (a case, a minute, a signature, a bundle of minutes), when.
    Ids only: the log itself holds no personal data."""

    class Kind(models.TextChoices):
        CASE = "case", _("Risk case")
        VISIT = "visit", _("Visit minute")
        MINUTE_PDF = "minute_pdf", _("Minute PDF")
        MINUTES = "minutes", _("Minutes of a period (PDF)")
        IMAGE = "image", _("Signature or photo")
        WARNING = "warning", _("Early-warning list")
        MENTEE = "mentee", _("Mentee")

    at = models.DateTimeField(_("at"), auto_now_add=True)
    user = models.ForeignKey(
        User, verbose_name=_("who"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("record id"), null=True, blank=True)
    student_id_ref = models.PositiveBigIntegerField(_("student id"), null=True, blank=True)

    class Meta:
        verbose_name = _("record opened")
        verbose_name_plural = _("records opened")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["school", "-at"], name="retention_access_school_at")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.object_id}"
