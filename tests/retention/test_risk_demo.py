"""seed_demo's dropout-risk work (``retention.demo_risk``): partners, cases in every status with
their timelines and visits, drawn signatures, the escalated case, sponsors and support, mentors,
and the students nobody has taken on. One small demo school (2 classes per grade, 20 students per
class, with its attendance and tutoring) on the story's day, 23/11/2026, loaded once."""

import datetime
import io
import re
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.test import override_settings
from PIL import Image

from retention.demo_risk import (
    has_risk_data,
    load_school,
    plan_school_risk,
    signature_png,
)
from retention.models import (
    Absence,
    CaseEvent,
    HomeVisit,
    MentorContact,
    Mentorship,
    Partner,
    RiskCase,
    Sponsor,
    Support,
    VisitAttachment,
)
from retention.scoping_cases import can_see_escalated
from schools.demo import DemoOptions, school_code, seed_district
from schools.models import Role, RoleAssignment, School, User
from students.models import Enrollment, Student
from tutoring.models import Membership, WeakRecord

from ..conftest import ensure_subjects

TODAY = datetime.date(2026, 11, 23)
SMALL = DemoOptions(schools=1, classes_per_grade=2, students_per_class=20, today=TODAY)
PHONE = re.compile(r"^0[39]\d{8}$")
MODELS = [
    Partner,
    Sponsor,
    RiskCase,
    CaseEvent,
    HomeVisit,
    VisitAttachment,
    Support,
    Mentorship,
    MentorContact,
]


@pytest.fixture(scope="class")
def small_school(django_db_setup, django_db_blocker):
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, PASSWORD_HASHERS=hashers),
        transaction.atomic(),
    ):
        ensure_subjects()  # class-scoped: runs before the per-test fixture that does this
        report = seed_district(SMALL)
        yield report
        transaction.set_rollback(True)


@pytest.fixture
def small(small_school, db):
    return small_school


def counts() -> dict[str, int]:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out |= {f"history:{m.__name__}": m.history.count() for m in (RiskCase, HomeVisit, Mentorship)}
    return out


def school() -> School:
    return School.objects.get(code=school_code(0))


def last_span(student_id: int) -> Enrollment:
    return Enrollment.objects.filter(student_id=student_id).order_by("start_date", "pk").last()


def gvcn_of(student_id: int) -> int:
    classroom_id = last_span(student_id).classroom_id
    return RoleAssignment.objects.get(role=Role.HOMEROOM, classroom_id=classroom_id).user_id


def escalated_case() -> RiskCase:
    (case,) = RiskCase.objects.active().filter(escalated_at__isnull=False, student__school=school())
    return case


def test_without_tutoring_risk_data_still_loads_with_no_weak_mentee(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    options = DemoOptions(
        schools=1, classes_per_grade=1, students_per_class=12, today=TODAY, tutoring=False
    )
    report = seed_district(options)
    assert report.risk.schools == 1
    assert RiskCase.objects.exists() and Partner.objects.exists()
    assert Mentorship.objects.exists()
    assert not Mentorship.objects.exclude(reason=Mentorship.Reason.AT_RISK).exists()


def test_no_risk_option_loads_none(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    options = DemoOptions(
        schools=1,
        classes_per_grade=1,
        students_per_class=3,
        today=TODAY,
        attendance=False,
        tutoring=False,
        risk=False,
    )
    report = seed_district(options)
    assert report.risk is None
    assert all(m.objects.count() == 0 for m in MODELS)


def test_signatures_are_small_png_images_of_the_stated_size():
    content, width, height = signature_png("Thạch Thị Sa Rây", "94601:1")
    image = Image.open(io.BytesIO(content))
    assert image.format == "PNG" and image.size == (width, height) == (400, 150)
    assert len(content) < 20_000
    dark = sum(image.convert("L").histogram()[:128])
    assert 500 < dark < 0.2 * width * height  # a stroke, not an empty or a filled box
    assert signature_png("Thạch Thị Sa Rây", "94601:1")[0] == content  # the same every run
    assert signature_png("Lâm Văn Hùng", "94601:1")[0] != content


class TestSmallSchoolRisk:
    def test_the_report_counts_what_is_in_the_database(self, small):
        r = small.risk
        assert r.schools == 1
        assert r.cases == RiskCase.objects.count() > 0
        assert r.visits == HomeVisit.objects.count() > 0
        assert r.partners == Partner.objects.count()
        assert r.sponsors == Sponsor.objects.count()
        assert r.supports == Support.objects.count() > 0
        assert r.mentorships == Mentorship.objects.count() > 0
        assert r.contacts == MentorContact.objects.count() > 0
        kinds = Counter(VisitAttachment.objects.values_list("kind", flat=True))
        assert r.signatures == kinds[VisitAttachment.Kind.SIGNATURE] > 0
        assert r.paper_minutes == kinds[VisitAttachment.Kind.PAPER] >= 1
        assert r.by_status == Counter(RiskCase.objects.values_list("status", flat=True))
        assert "risk cases" in r.summary()

    def test_running_again_adds_nothing(self, small):
        before = counts()
        report = seed_district(SMALL)
        assert report.risk.schools == 0
        assert counts() == before
        assert has_risk_data(school())

    def test_the_plan_is_the_same_on_every_run(self, small):
        year = school().years.get(is_current=True)
        plans = [
            plan_school_risk(load_school(school(), year, TODAY, True), seed=SMALL.seed)
            for _ in range(2)
        ]
        assert plans[0] == plans[1]
        assert plans[0].cases

    def test_cases_exist_in_every_status_with_the_gvcn_as_owner(self, small):
        statuses = set(RiskCase.objects.values_list("status", flat=True))
        assert statuses == set(RiskCase.Status.values)
        for case in RiskCase.objects.all():
            assert case.owner_id == gvcn_of(case.student_id)
            assert case.factor_list and case.summary
            assert (case.ended_on is None) == case.is_active
            assert case.opened_on <= TODAY and (case.ended_on or TODAY) <= TODAY
            opening = case.events.filter(kind=CaseEvent.Kind.STATUS).order_by("date", "pk")[0]
            assert (opening.old_status, opening.new_status) == ("", RiskCase.Status.OPEN)
            assert opening.date == case.opened_on
        # one active case per student (the database guarantees it; the demo does not rely on it)
        active = RiskCase.objects.active().values_list("student_id", flat=True)
        assert len(active) == len(set(active))

    def test_status_events_chain_to_the_current_status(self, small):
        for case in RiskCase.objects.prefetch_related("events"):
            changes = sorted(
                (e for e in case.events.all() if e.kind == CaseEvent.Kind.STATUS),
                key=lambda e: (e.date, e.pk),
            )
            for before, after in zip(changes, changes[1:], strict=False):
                assert after.old_status == before.new_status
            assert changes[-1].new_status == case.status

    def test_dropped_out_cases_are_the_students_whose_enrollment_ended_so(self, small):
        dropped = {
            s.pk: last_span(s.pk)
            for s in Student.objects.filter(school=school())
            if last_span(s.pk) and last_span(s.pk).end_kind == Enrollment.EndKind.DROPPED_OUT
        }
        cases = RiskCase.objects.filter(status=RiskCase.Status.DROPPED_OUT)
        assert cases.count() == len(dropped) >= 2
        overrides = 0
        for case in cases:
            assert case.ended_on == dropped[case.student_id].end_date
            if case.visits.count() < 3:
                overrides += 1
                assert case.dropout_override_reason
                assert case.dropout_override_by.assignments.filter(role=Role.PRINCIPAL).exists()
        assert overrides == 1  # the first school shows one principal's override

    def test_transferred_cases_match_transfers_out(self, small):
        cases = RiskCase.objects.filter(status=RiskCase.Status.TRANSFERRED)
        assert cases.exists()
        for case in cases:
            span = last_span(case.student_id)
            assert span.end_kind == Enrollment.EndKind.TRANSFER_OUT
            assert case.ended_on == span.end_date

    def test_the_student_who_came_back_has_a_case_that_went_dropped_out_then_back(self, small):
        returned = Enrollment.objects.filter(
            start_kind=Enrollment.StartKind.RETURNED, classroom__school_year__school=school()
        ).get()
        case = RiskCase.objects.get(student_id=returned.student_id)
        assert case.status in (RiskCase.Status.RETURNED, RiskCase.Status.MONITORING)
        news = list(
            case.events.filter(kind=CaseEvent.Kind.STATUS)
            .order_by("date", "pk")
            .values_list("new_status", flat=True)
        )
        assert news[:3] == ["open", "dropped_out", "monitoring"]
        assert case.events.filter(
            kind=CaseEvent.Kind.STATUS, new_status="monitoring", date=returned.start_date
        ).exists()
        # no visit was recorded while the case was closed
        dropped_on = case.events.get(new_status="dropped_out").date
        assert all(v.started_at.date() <= dropped_on for v in case.visits.all())

    def test_visits_are_numbered_and_dated_within_their_case(self, small):
        for case in RiskCase.objects.prefetch_related("visits"):
            visits = sorted(case.visits.all(), key=lambda v: v.number)
            assert [v.number for v in visits] == list(range(1, len(visits) + 1))
            days = [v.started_at.date() for v in visits]
            assert days == sorted(days)
            for visit, day in zip(visits, days, strict=True):
                assert case.opened_on <= day < TODAY
                assert case.ended_on is None or day <= case.ended_on
                assert visit.content and visit.staff_present.exists()
                assert visit.author_id in {u.pk for u in visit.staff_present.all()}
                if visit.outcome != HomeVisit.Outcome.NOBODY_HOME:
                    assert visit.family_view and visit.commitments and visit.people_met
                    assert {"name", "relation", "phone"} <= set(visit.people_met[0])

    def test_every_signature_is_a_valid_png_of_the_person_met(self, small):
        visits = HomeVisit.objects.prefetch_related("attachments")
        kinds = Counter(v.signature_kind for v in visits)
        assert kinds[HomeVisit.Signature.DRAWN] and kinds[HomeVisit.Signature.REFUSED]
        assert kinds[HomeVisit.Signature.PAPER] and kinds[HomeVisit.Signature.NONE]
        for visit in visits:
            by_kind = defaultdict(list)
            for a in visit.attachments.all():
                by_kind[a.kind].append(a)
            if visit.signature_kind == HomeVisit.Signature.DRAWN:
                (sig,) = by_kind[VisitAttachment.Kind.SIGNATURE]
                content = bytes(sig.content)
                image = Image.open(io.BytesIO(content))
                image.verify()
                assert image.format == "PNG" and sig.content_type == "image/png"
                assert (sig.width, sig.height) == image.size and sig.size == len(content) < 20_000
                assert visit.signer_name in [p["name"] for p in visit.people_met]
            else:
                assert not by_kind[VisitAttachment.Kind.SIGNATURE]
            if visit.signature_kind == HomeVisit.Signature.PAPER:
                (paper,) = by_kind[VisitAttachment.Kind.PAPER]
                image = Image.open(io.BytesIO(bytes(paper.content)))
                assert image.format == "JPEG" and paper.content_type == "image/jpeg"
            if visit.signature_kind in (HomeVisit.Signature.REFUSED, HomeVisit.Signature.NONE):
                assert visit.signature_note and not visit.signer_name

    def test_one_active_case_was_escalated_after_three_failed_visits(self, small):
        case = escalated_case()
        visits = list(case.visits.order_by("number"))
        failed = [v for v in visits if v.outcome in HomeVisit.FAILED]
        assert len(failed) >= 3 and failed[2].started_at <= case.escalated_at
        assert case.escalation_reason
        assert case.events.filter(kind=CaseEvent.Kind.ESCALATED).count() == 1
        actions = set(
            case.events.filter(kind=CaseEvent.Kind.LEADERSHIP).values_list("action", flat=True)
        )
        assert {"own_visit", "commune_meeting", "village_team"} <= actions
        assert case.events.filter(kind=CaseEvent.Kind.PARTNER, partner__isnull=False).exists()
        vp = User.objects.get(username="phohieutruong")
        assert any(v.author_id == vp.pk for v in visits)  # the vice-principal's own visit

    def test_the_escalated_case_shows_for_the_principal_and_the_vp_of_its_grade(self, small):
        case = escalated_case()
        vp = User.objects.get(username="phohieutruong")
        blocks = RoleAssignment.objects.get(user=vp, role=Role.VICE_PRINCIPAL).grade_blocks
        assert str(last_span(case.student_id).classroom.grade) in blocks.split(",")
        for username in ("hieutruong", "phohieutruong"):
            user = User.objects.get(username=username)
            assert can_see_escalated(user)
            assert RiskCase.objects.for_user(user).filter(pk=case.pk).exists()

    def test_a_case_is_escalated_exactly_when_three_of_its_visits_failed(self, small):
        threshold = 3
        for case in RiskCase.objects.prefetch_related("visits"):
            failed = sum(1 for v in case.visits.all() if v.outcome in HomeVisit.FAILED)
            assert (case.escalated_at is not None) == (failed >= threshold)

    def test_gvcn_has_a_visit_due_today(self, small):
        gvcn = User.objects.get(username="gvcn")
        due = HomeVisit.objects.filter(
            case__owner=gvcn, case__status__in=RiskCase.ACTIVE, next_date=TODAY
        )
        assert due.exists()

    def test_no_teacher_has_more_than_two_mentees_and_some_have_two(self, small):
        active = Mentorship.objects.active()
        slots = defaultdict(list)
        for teacher_id, slot in active.values_list("teacher_id", "slot"):
            slots[teacher_id].append(slot)
        assert all(len(s) == len(set(s)) <= 2 and set(s) <= {1, 2} for s in slots.values())
        assert sum(1 for s in slots.values() if len(s) == 2) >= 2
        students = list(active.values_list("student_id", flat=True))
        assert len(students) == len(set(students))
        teachers = RoleAssignment.objects.filter(role=Role.SUBJECT_TEACHER).values("user_id")
        assert len(set(teachers.values_list("user_id", flat=True))) > 2 * len(slots)  # most none
        ended = Mentorship.objects.filter(end_date__isnull=False)
        assert ended.exists() and all(m.end_reason for m in ended)
        for m in Mentorship.objects.prefetch_related("contacts"):
            for contact in m.contacts.all():
                assert m.start_date <= contact.date <= (m.end_date or TODAY)

    def test_giaovien_mentors_two_one_of_them_weak_in_a_class_they_teach(self, small):
        giaovien = User.objects.get(username="giaovien")
        mentees = Mentorship.objects.active().filter(teacher=giaovien)
        assert mentees.count() == 2
        classes = set(
            RoleAssignment.objects.filter(user=giaovien, role=Role.SUBJECT_TEACHER).values_list(
                "classroom_id", flat=True
            )
        )
        weak = set(
            WeakRecord.objects.exclude(status=WeakRecord.Status.DISMISSED)
            .filter(resolved_term__isnull=True, school_year__is_current=True)
            .values_list("student_id", flat=True)
        )
        assert any(
            m.student_id in weak and last_span(m.student_id).classroom_id in classes
            for m in mentees
        )

    def test_some_at_risk_and_weak_students_are_covered_by_nobody(self, small):
        owned = set(RiskCase.objects.active().values_list("student_id", flat=True))
        mentored = set(Mentorship.objects.active().values_list("student_id", flat=True))
        grouped = set(
            Membership.objects.filter(left_on__isnull=True).values_list("student_id", flat=True)
        )
        enrolled = set(
            Enrollment.objects.filter(end_date__isnull=True).values_list("student_id", flat=True)
        )
        # At risk by the data: a poor or near-poor household, or two unexcused absences.
        unexcused = Counter(
            Absence.objects.filter(status=Absence.Status.UNEXCUSED).values_list(
                "student_id", flat=True
            )
        )
        poor = set(Student.objects.exclude(household="").values_list("pk", flat=True))
        at_risk = {s for s in enrolled if s in poor or unexcused[s] >= 2}
        weak = set(
            WeakRecord.objects.exclude(status=WeakRecord.Status.DISMISSED)
            .filter(resolved_term__isnull=True, school_year__is_current=True)
            .values_list("student_id", flat=True)
        )
        covered = owned | mentored | grouped
        assert at_risk - covered
        assert (weak & enrolled) - covered
        assert owned and mentored and grouped
        # The planner's "forgotten": among the most at risk, left with nobody on purpose.
        year = school().years.get(is_current=True)
        plan = plan_school_risk(load_school(school(), year, TODAY, True), seed=SMALL.seed)
        assert plan.forgotten and not set(plan.forgotten) & covered

    def test_partners_sponsors_and_support(self, small):
        kinds = Counter(Partner.objects.values_list("kind", flat=True))
        assert kinds[Partner.Kind.COMMUNE] == 1 and 2 <= kinds[Partner.Kind.VILLAGE_TEAM] <= 3
        for kind in ("parents", "khuyen_hoc", "youth_union"):
            assert kinds[kind] == 1
        commune = school().commune
        assert Partner.objects.get(kind=Partner.Kind.COMMUNE).name == f"UBND {commune}"
        for partner in Partner.objects.all():
            assert PHONE.match(partner.phone) and " – " in partner.contact_person
        assert 3 <= Sponsor.objects.count() <= 6
        assert Sponsor.objects.filter(name__startswith="Hội Khuyến học").exists()
        for support in Support.objects.select_related("case"):
            if support.is_material:
                assert 300_000 <= support.value <= 3_000_000
            else:
                assert support.value is None
            if support.case is not None:
                assert support.case.student_id == support.student_id
                assert support.date >= support.case.opened_on
            assert support.date < TODAY
        kinds = set(Support.objects.values_list("kind", flat=True))
        assert kinds & set(Support.MATERIAL) and len(kinds) >= 3

    def test_history_rows_are_signed_by_whoever_did_it(self, small):
        assert RiskCase.history.count() == RiskCase.objects.count()
        assert HomeVisit.history.count() == HomeVisit.objects.count()
        row = HomeVisit.history.select_related("history_user").first()
        assert row.history_user_id == row.author_id
        assert sorted(row.staff_present.values_list("user_id", flat=True)) == sorted(
            HomeVisit.objects.get(pk=row.id).staff_present.values_list("pk", flat=True)
        )
