"""The minute of a home visit (biên bản vận động học sinh ra lớp) as data, and its PDF.

``minute_data(visit)`` / ``minutes_data(visits)`` build one ``MinuteData`` per visit with a fixed
number of queries however many visits (the bundle of a month is one call); the visit page, the
single PDF and the clerk's bundle all read it (STYLE §8). ``minute_pdf(visits)`` renders one or
many minutes in the Nghị định 30/2020 frame (Mẫu 1.9 skeleton, REPORTS.md S4): one minute per
page, each numbered on its own, fonts embedded.
"""

from __future__ import annotations

import base64
import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reports.pdf import FONT_STACK, OfficialDocument
from schools.models import Role, RoleAssignment
from students.models import DropoutCause, Enrollment

from .models import Absence
from .models_cases import HomeVisit, Mentorship, PersonMet, VisitAmendment, VisitAttachment

TITLE = "BIÊN BẢN"
SUBJECT = "Về việc vận động học sinh trở lại lớp"


@dataclass
class StaffLine:
    pk: int
    name: str
    title: str
    rank: int  # the chair (chủ trì) is the lowest rank present


@dataclass
class PersonLine:
    name: str
    relation: str
    phone: str
    code: str = ""

    @property
    def is_official(self) -> bool:
        """A village or commune official: 3b) of the minute, not the family."""
        return self.code in (PersonMet.VILLAGE, PersonMet.COMMUNE)


@dataclass
class Situation:
    """5.1: the student's situation, filled in from the app."""

    since: datetime.date
    until: datetime.date
    excused: int
    unexcused: int
    result: str  # "Học kỳ I, năm học 2026-2027: Đạt" or ""
    visit_number: int


@dataclass
class AmendmentLine:
    at: datetime.datetime
    author: str
    text: str


@dataclass
class MinuteData:
    visit_id: int
    case_id: int
    student_id: int
    school_id: int
    doc: OfficialDocument
    number: int
    started_at: datetime.datetime  # local time
    ended_at: datetime.time | None
    place: str
    place_label: str
    address: str
    latitude: object
    longitude: object
    staff: list[StaffLine]
    people: list[PersonLine]
    student_name: str
    student_class: str
    student_dob: datetime.date
    student_present: bool
    situation: Situation
    content: str
    school_view: str
    family_view: str
    student_view: str
    support_offered: str
    causes: list[str]
    outcome: str
    outcome_label: str
    return_date: datetime.date | None
    commitments: str
    next_step: str
    next_date: datetime.date | None
    signature_kind: str
    signature_label: str
    signer_name: str
    signature_note: str
    author_name: str
    chair: StaffLine | None
    created_at: datetime.datetime
    version: int
    amendments: list[AmendmentLine] = field(default_factory=list)
    signature_id: int | None = None
    signature_uri: str = ""
    paper_id: int | None = None
    paper_uri: str = ""
    photo_ids: list[int] = field(default_factory=list)

    # --- what the document prints ------------------------------------------------------------
    @property
    def started_line(self) -> str:
        """ "15 giờ 05 phút, ngày 18 tháng 11 năm 2026" (NĐ 30 zero-padding)."""
        t = self.started_at
        return f"{t.hour:02d} giờ {t.minute:02d} phút, {nd30_date(t.date())}"

    @property
    def ended_line(self) -> str:
        if self.ended_at is None:
            return "…… giờ …… phút"
        return f"{self.ended_at.hour:02d} giờ {self.ended_at.minute:02d} phút"

    @property
    def place_line(self) -> str:
        where = {
            HomeVisit.Place.HOME: "Tại gia đình học sinh",
            HomeVisit.Place.SCHOOL: "Tại trường",
            HomeVisit.Place.OTHER: "Địa điểm khác",
        }[self.place]
        return f"{where}: {self.address}" if self.address else where

    @property
    def family(self) -> list[PersonLine]:
        return [p for p in self.people if not p.is_official]

    @property
    def officials(self) -> list[PersonLine]:
        return [p for p in self.people if p.is_official]

    @property
    def outcome_sentence(self) -> str:
        """6. Kết quả: what the family agreed to, in the document's words."""
        if self.outcome == HomeVisit.Outcome.WILL_RETURN:
            day = nd30_date(self.return_date) if self.return_date else "……"
            return f"Gia đình đồng ý cho học sinh trở lại lớp từ {day}."
        if self.outcome == HomeVisit.Outcome.WILL_THINK:
            return "Gia đình chưa đồng ý, xin thêm thời gian suy nghĩ."
        if self.outcome == HomeVisit.Outcome.REFUSES:
            return "Gia đình chưa đồng ý cho học sinh trở lại lớp."
        return "Không gặp được gia đình."

    @property
    def signed_drawn(self) -> bool:
        return self.signature_kind == HomeVisit.Signature.DRAWN

    @property
    def refused(self) -> bool:
        return self.signature_kind == HomeVisit.Signature.REFUSED

    @property
    def school_signers(self) -> list[tuple[str, str]]:
        """(title, name) of the school's columns: the secretary (who wrote it) and, when
        someone else chaired, the chair."""
        if self.chair is None or self.chair.name == self.author_name:
            return [("ĐẠI DIỆN NHÀ TRƯỜNG", self.author_name)]
        return [("THƯ KÝ", self.author_name), ("ĐẠI DIỆN NHÀ TRƯỜNG", self.chair.name)]

    @property
    def closing_sentence(self) -> str:
        read = "biên bản đã được đọc lại cho các thành viên nghe"
        if self.refused:
            signed = f"gia đình không ký (lý do: {self.signature_note})"
        elif self.signature_kind == HomeVisit.Signature.NONE:
            signed = "các thành viên có mặt thống nhất nội dung"
        else:
            signed = "các thành viên thống nhất ký tên"
        return (
            f"Buổi làm việc kết thúc vào {self.ended_line} cùng ngày; {read} và {signed}. "
            "Biên bản được lập thành 02 bản: gia đình giữ 01 bản, nhà trường giữ 01 bản."
        )


def nd30_date(day: datetime.date) -> str:
    """ "ngày 05 tháng 01 năm 2027": day 1–9 and months 1–2 zero-padded (NĐ 30/2020)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


# --- building the data (a fixed number of queries for any number of visits) ---------------------


def minute_data(visit: HomeVisit, *, images: bool = False) -> MinuteData:
    return minutes_data([visit], images=images)[0]


def minutes_data(visits: Iterable, *, images: bool = False) -> list[MinuteData]:
    """The minutes of these visits (objects or ids), in the order given. ``images``: embed the
    signature and the paper minute as data: URIs (for the PDF); otherwise only their ids.

    Queries: visits, staff present, their roles, mentors, numbering, classes, absences, results,
    amendments, attachments: 10 (plus one per extra school year in the batch for numbering)."""
    ids = [getattr(v, "pk", v) for v in visits]
    if not ids:
        return []
    rows = {
        v.pk: v
        for v in HomeVisit.objects.filter(pk__in=ids)
        .select_related("case__student__school__office", "case__school_year", "author")
        .prefetch_related("staff_present")
    }
    visits = [rows[pk] for pk in ids if pk in rows]
    student_ids = {v.case.student_id for v in visits}
    year_ids = {v.case.school_year_id for v in visits}
    staff_ids = {u.pk for v in visits for u in v.staff_present.all()}

    roles: dict[tuple[int, int], list[tuple[str, str]]] = defaultdict(list)
    for user_id, year_id, role, class_name, class_id in RoleAssignment.objects.filter(
        user_id__in=staff_ids, school_year_id__in=year_ids
    ).values_list("user_id", "school_year_id", "role", "classroom__name", "classroom_id"):
        roles[(user_id, year_id)].append((role, class_name or "", class_id))
    mentors = set(
        Mentorship.objects.filter(teacher_id__in=staff_ids, student_id__in=student_ids).values_list(
            "teacher_id", "student_id"
        )
    )
    numbering = {
        year_id: list(
            HomeVisit.objects.filter(case__school_year_id=year_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for year_id in sorted(year_ids)
    }
    enrollments: dict[int, list] = defaultdict(list)
    for e in (
        Enrollment.objects.filter(student_id__in=student_ids)
        .select_related("classroom")
        .order_by("start_date", "pk")
    ):
        enrollments[e.student_id].append(e)
    first_day = min(v.case.opened_on for v in visits)
    last_day = max(timezone.localtime(v.started_at).date() for v in visits)
    absences: dict[int, list] = defaultdict(list)
    for student_id, day, status in Absence.objects.filter(
        student_id__in=student_ids, date__gte=first_day, date__lte=last_day
    ).values_list("student_id", "date", "status"):
        absences[student_id].append((day, status))
    results = _latest_results(student_ids)
    amendments: dict[int, list[AmendmentLine]] = defaultdict(list)
    for a in VisitAmendment.objects.filter(visit_id__in=ids).select_related("author"):
        amendments[a.visit_id].append(
            AmendmentLine(timezone.localtime(a.created_at), a.author.full_name, a.text)
        )
    attachments = VisitAttachment.objects.filter(visit_id__in=ids).order_by("kind", "pk")
    if images:
        attachments = attachments.filter(
            kind__in=[VisitAttachment.Kind.SIGNATURE, VisitAttachment.Kind.PAPER]
        )
    else:
        attachments = attachments.defer("content")
    files: dict[int, list[VisitAttachment]] = defaultdict(list)
    for a in attachments:
        files[a.visit_id].append(a)

    out = []
    for v in visits:
        case, student = v.case, v.case.student
        day = timezone.localtime(v.started_at).date()
        staff = sorted(
            (
                _staff_line(u, roles[(u.pk, case.school_year_id)], student.pk, mentors, v, day)
                for u in v.staff_present.all()
            ),
            key=lambda s: (s.rank, s.name),
        )
        chair = staff[0] if staff and staff[0].rank < 3 else None
        excused = unexcused = 0
        for d, status in absences[student.pk]:
            if case.opened_on <= d <= day:
                if status == Absence.Status.UNEXCUSED:
                    unexcused += 1
                else:
                    excused += 1
        numbers = numbering[case.school_year_id]
        number = bisect.bisect_left(numbers, v.pk) + 1
        school = student.school
        data = MinuteData(
            visit_id=v.pk,
            case_id=case.pk,
            student_id=student.pk,
            school_id=school.pk,
            doc=OfficialDocument(
                governing_body=(school.governing_body or school.office.name).strip(),
                issuer=school.name,
                number_line=f"Số: {number:02d}/BB-{school.code}",
                place_date="",
                kind=TITLE,
                subject=SUBJECT,
            ),
            number=number,
            started_at=timezone.localtime(v.started_at),
            ended_at=v.ended_at,
            place=v.place,
            place_label=v.get_place_display(),
            address=v.address,
            latitude=v.latitude,
            longitude=v.longitude,
            staff=staff,
            people=[
                PersonLine(
                    p.get("name", ""),
                    _relation(p.get("relation")),
                    p.get("phone", ""),
                    p.get("relation", ""),
                )
                for p in v.people_met or []
            ],
            student_name=student.full_name,
            student_class=_class_on(enrollments[student.pk], day),
            student_dob=student.date_of_birth,
            student_present=v.student_present,
            situation=Situation(
                case.opened_on, day, excused, unexcused, results.get(student.pk, ""), v.number
            ),
            content=v.content,
            school_view=v.school_view,
            family_view=v.family_view,
            student_view=v.student_view,
            support_offered=v.support_offered,
            causes=_cause_labels(v.cause_list),
            outcome=v.outcome,
            outcome_label=v.get_outcome_display(),
            return_date=v.return_date,
            commitments=v.commitments,
            next_step=v.next_step,
            next_date=v.next_date,
            signature_kind=v.signature_kind,
            signature_label=v.get_signature_kind_display(),
            signer_name=v.signer_name,
            signature_note=v.signature_note,
            author_name=v.author.full_name,
            chair=chair,
            created_at=v.created_at,
            version=v.version,
            amendments=amendments[v.pk],
        )
        for a in files[v.pk]:
            if a.kind == VisitAttachment.Kind.SIGNATURE:
                data.signature_id = a.pk
                if images:
                    data.signature_uri = _data_uri(a)
            elif a.kind == VisitAttachment.Kind.PAPER:
                data.paper_id = a.pk
                if images:
                    data.paper_uri = _data_uri(a)
            else:
                data.photo_ids.append(a.pk)
        out.append(data)
    return out


def _data_uri(a: VisitAttachment) -> str:
    return f"data:{a.content_type};base64,{base64.b64encode(bytes(a.content)).decode('ascii')}"


def _relation(code) -> str:
    labels = dict(PersonMet.choices)
    return str(labels.get(code, "")) if code else ""


def _cause_labels(codes: list[str]) -> list[str]:
    labels = dict(DropoutCause.choices)
    return [str(labels[c]) for c in codes if c in labels]


def _class_on(spans: list, day: datetime.date) -> str:
    """The student's class on the day of the visit (else their latest class)."""
    for e in spans:
        if e.start_date <= day and (e.end_date is None or e.end_date > day):
            return e.classroom.name
    return spans[-1].classroom.name if spans else ""


def _staff_line(user, assignments, student_id, mentors, visit, day) -> StaffLine:
    """The title a person from the school is written with, and their rank for the chair."""
    found = {role for role, _n, _c in assignments}
    homeroom = [name for role, name, _c in assignments if role == Role.HOMEROOM]
    if Role.PRINCIPAL in found:
        return StaffLine(user.pk, user.full_name, _("Principal"), 0)
    if Role.VICE_PRINCIPAL in found:
        return StaffLine(user.pk, user.full_name, _("Vice-principal"), 1)
    if homeroom:
        title = _("Homeroom teacher of %(class)s") % {"class": ", ".join(homeroom)}
        return StaffLine(user.pk, user.full_name, title, 3)
    if (user.pk, student_id) in mentors:
        return StaffLine(user.pk, user.full_name, _("Mentor teacher"), 3)
    if Role.YOUTH_UNION in found:
        return StaffLine(user.pk, user.full_name, _("Youth union (Đoàn – Đội)"), 4)
    if Role.CLERK in found:
        return StaffLine(user.pk, user.full_name, _("Clerk"), 4)
    return StaffLine(user.pk, user.full_name, _("Teacher"), 4)


def _latest_results(student_ids) -> dict[int, str]:
    """The latest learning result of each student (tutoring's TermResult), in words."""
    try:
        from tutoring.models import Term, TermResult
    except ImportError:  # the tutoring app is optional for this page
        return {}
    best: dict[int, tuple] = {}
    for r in (
        TermResult.objects.filter(student_id__in=student_ids)
        .exclude(Q(term=Term.SURVEY) | Q(level=""))
        .select_related("school_year")
    ):
        key = (r.school_year.start_date, r.term)
        if r.student_id not in best or key > best[r.student_id][0]:
            best[r.student_id] = (key, r)
    out = {}
    for student_id, (_key, r) in best.items():
        text = _("%(term)s, school year %(year)s: %(level)s") % {
            "term": Term(r.term).label,
            "year": r.school_year.name,
            "level": r.get_level_display(),
        }
        if r.conduct:
            text += _("; conduct: %(level)s") % {"level": r.get_conduct_display()}
        out[student_id] = text
    return out


def student_situation(case, *, until: datetime.date) -> Situation:
    """5.1 for a visit not yet written (the form's read-only block): absences since the case
    was opened, the latest result, and the number the next visit will have. Four queries."""
    counts = {"P": 0, "K": 0}
    for status in Absence.objects.filter(
        student_id=case.student_id, date__gte=case.opened_on, date__lte=until
    ).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    last = (
        HomeVisit.objects.filter(case=case)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return Situation(
        case.opened_on,
        until,
        counts["P"],
        counts["K"],
        _latest_results({case.student_id}).get(case.student_id, ""),
        (last or 0) + 1,
    )


# --- the PDF --------------------------------------------------------------------------------------

TEMPLATE = "retention/visits/minute_pdf.html"


def render_minutes(data: list[MinuteData]) -> bytes:
    """Pure: the minutes' data → PDF bytes. Each minute is laid out on its own (its pages
    numbered from 1, the number hidden on its first page) and the pages are joined."""
    from weasyprint import HTML  # imported on first use: ~2 s

    if not data:
        raise ValueError("no minute to render")
    parts = [
        HTML(
            string=render_to_string(TEMPLATE, {"m": m, "doc": m.doc, "font_stack": FONT_STACK}),
            base_url=str(settings.BASE_DIR),
        ).render()
        for m in data
    ]
    pages = [page for part in parts for page in part.pages]
    return parts[0].copy(pages).write_pdf()


def minute_pdf(visits) -> bytes:
    """One visit or many (objects or ids) → one PDF, one minute after another, in Vietnamese
    whatever the reader's language."""
    if isinstance(visits, HomeVisit | int):
        visits = [visits]
    with translation.override(settings.LANGUAGE_CODE):
        data = minutes_data(list(visits), images=True)
        return render_minutes(data)
