"""seed_demo's results and tutoring (``tutoring.demo``): last year's classes, results and
learning results, the weak register, plans, groups with sessions, peer pairs, counselling and
learning contacts, deterministic, idempotent and within the rules (TT22, TT29). A small district
(2 schools × 1 class per grade × 20 students) on the story's day, 23/11/2026, loaded once."""

import datetime
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings

from retention.models import FamilyContact
from schools.demo import DemoOptions, school_code, seed_district
from schools.models import Classroom, Role, RoleAssignment, School, SchoolYear
from students.models import Enrollment, Student
from tutoring import rules
from tutoring.models import (
    WEAK_LEVELS,
    Checkpoint,
    Counselling,
    GroupKind,
    Membership,
    PeerPair,
    ScheduleSlot,
    SessionAttendance,
    SubjectResult,
    Term,
    TermResult,
    TutoringGroup,
    TutoringPlan,
    TutoringSession,
    WeakRecord,
)

from ..conftest import ensure_subjects

TODAY = datetime.date(2026, 11, 23)  # a Monday: today's tutoring (afternoon) is still to come
SMALL = DemoOptions(
    schools=2, classes_per_grade=1, students_per_class=20, today=TODAY, attendance=False
)
LABELS = {"D": rules.DAT_LABEL, "CD": rules.CHUA_DAT_LABEL}
LEVELS = {
    rules.Level.TOT: "tot",
    rules.Level.KHA: "kha",
    rules.Level.DAT: "dat",
    rules.Level.CHUA_DAT: "chua_dat",
}
MODELS = [
    Classroom,
    Student,
    Enrollment,
    SubjectResult,
    TermResult,
    WeakRecord,
    TutoringPlan,
    TutoringGroup,
    ScheduleSlot,
    Membership,
    TutoringSession,
    SessionAttendance,
    Checkpoint,
    PeerPair,
    Counselling,
    FamilyContact,
]


@pytest.fixture(scope="class")
def small_district(django_db_setup, django_db_blocker):
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
def small(small_district, db):
    return small_district


def counts() -> dict[str, int]:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out |= {f"history:{m.__name__}": m.history.count() for m in (SubjectResult, WeakRecord)}
    return out


def years(school) -> tuple[SchoolYear, SchoolYear]:
    return school.years.get(start_year=2025), school.years.get(start_year=2026)


def first_school() -> School:
    return School.objects.get(code=school_code(0))


def fingerprint() -> dict:
    """What a run produced, by natural keys only (no ids): counts, a sample of scores, the
    register, the groups and their members."""
    results = sorted(
        SubjectResult.objects.values_list(
            "student__code", "school_year__start_year", "subject__code", "term", "score", "comment"
        )
    )
    records = sorted(
        WeakRecord.objects.values_list(
            "student__code",
            "school_year__start_year",
            "subject__code",
            "origin",
            "status",
            "causes",
            "identified_on",
            "resolved_term",
        ),
        key=str,
    )
    groups = sorted(
        (
            g.name,
            g.school_year.start_year,
            g.start_date,
            sorted(g.tutors.values_list("username", flat=True)),
            sorted(g.members.values_list("student__code", flat=True)),
            g.sessions.count(),
        )
        for g in TutoringGroup.objects.prefetch_related("tutors")
    )
    names = sorted(Student.objects.values_list("code", "family_name", "given_name"))
    return {
        "counts": counts(),
        "results": results[::37],
        "records": records,
        "groups": groups,
        "names": names,
    }


def test_two_runs_on_an_empty_database_give_the_same_data(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    one = DemoOptions(
        schools=1, classes_per_grade=1, students_per_class=12, today=TODAY, attendance=False
    )
    runs = []
    for _ in range(2):
        with transaction.atomic():
            seed_district(one)
            runs.append(fingerprint())
            transaction.set_rollback(True)
    assert runs[0]["counts"]["SubjectResult"] > 0
    assert runs[0] == runs[1]


def test_without_tutoring_there_is_no_previous_year_class_and_no_result(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    report = seed_district(
        DemoOptions(
            schools=1,
            classes_per_grade=1,
            students_per_class=3,
            attendance=False,
            tutoring=False,
            today=TODAY,
        )
    )
    assert report.tutoring is None
    assert not Classroom.objects.filter(school_year__start_year=2025).exists()
    assert not SubjectResult.objects.exists() and not TutoringGroup.objects.exists()


class TestSmallDistrictTutoring:
    def test_the_report_counts_what_is_in_the_database(self, small):
        t = small.tutoring
        assert t.schools == 2
        assert t.results == SubjectResult.objects.count() > 0
        assert t.weak_records == WeakRecord.objects.count() > 0
        assert t.groups == TutoringGroup.objects.count() > 0
        assert t.sessions == TutoringSession.objects.count() > 0
        assert t.attendance == SessionAttendance.objects.count()
        graduates = Student.objects.exclude(enrollments__classroom__school_year__is_current=True)
        assert t.graduates == graduates.count() == 2 * 20

    def test_running_again_adds_nothing(self, small):
        before = counts()
        report = seed_district(SMALL)
        assert report.tutoring.schools == 0
        assert counts() == before

    def test_last_years_classes_hold_this_years_students_a_grade_lower(self, small):
        for school in School.objects.all():
            previous, current = years(school)
            last = {c.name: c for c in previous.classrooms.all()}
            assert sorted(last) == ["6A1", "7A1", "8A1", "9A1"]
            for student in Student.objects.filter(school=school):
                spans = sorted(
                    student.enrollments.select_related("classroom__school_year"),
                    key=lambda s: s.start_date,
                )
                mine = [s for s in spans if s.classroom.school_year_id == current.pk]
                before = [s for s in spans if s.classroom.school_year_id == previous.pk]
                assert len(before) <= 1
                if not mine:  # a graduate: last year's grade 9 only
                    assert before and before[0].classroom.grade == 9
                    continue
                first = mine[0]
                if (
                    first.start_kind == Enrollment.StartKind.START_OF_YEAR
                    and first.classroom.grade >= 7
                ):
                    (span,) = before
                    assert span.classroom.name == f"{first.classroom.grade - 1}A1"
                else:
                    assert not before
            for span in Enrollment.objects.filter(classroom__school_year=previous):
                assert (span.start_date, span.end_date) == (previous.start_date, previous.end_date)
                assert span.end_kind == Enrollment.EndKind.YEAR_END
            graduates = Student.objects.filter(
                school=school,
                enrollments__classroom__school_year=previous,
                enrollments__classroom__grade=9,
            )
            assert graduates.count() == 20
            for g in graduates:
                assert g.sort_key and g.search_name and g.guardians.filter(is_primary=True)
                assert g.date_of_birth.year in (2010, 2011)
        open_spans = Counter(
            Enrollment.objects.filter(end_date__isnull=True).values_list("student_id", flat=True)
        )
        assert max(open_spans.values()) == 1

    def test_last_year_every_student_has_every_subject_for_both_semesters_and_the_year(self, small):
        for school in School.objects.all():
            previous, _ = years(school)
            students = Enrollment.objects.filter(classroom__school_year=previous).count()
            for term in (Term.HK1, Term.HK2, Term.YEAR):
                rows = SubjectResult.objects.filter(school_year=previous, term=term)
                per_student = Counter(rows.values_list("student_id", flat=True))
                assert len(per_student) == students
                assert set(per_student.values()) <= {12, 13}  # + Tiếng DTTS (boarding, Khmer)
                assert (
                    TermResult.objects.filter(school_year=previous, term=term).count() == students
                )
            assert not SubjectResult.objects.filter(school_year=previous, score__gt=10).exists()
            assert not SubjectResult.objects.filter(school_year=previous, score__lt=0).exists()

    def test_about_a_tenth_of_students_are_weak_in_toan_in_semester_one(self, small):
        rows = SubjectResult.objects.filter(school_year__start_year=2025, term=Term.HK1)
        toan = rows.filter(subject__code="TOAN")
        share = toan.filter(score__lt=Decimal("5")).count() / toan.count()
        assert 0.03 <= share <= 0.15, share
        comments = rows.exclude(comment="")
        failed = comments.filter(comment="CD").count() / comments.count()
        assert failed < 0.05
        assert (
            rows.filter(subject__code="GDCD", score__lt=5).count()
            < toan.filter(score__lt=5).count()
        )

    def test_year_averages_and_learning_results_follow_the_rules(self, small):
        values = defaultdict(dict)
        for student, year, code, term, score, comment in SubjectResult.objects.filter(
            school_year__start_year=2025
        ).values_list("student_id", "school_year_id", "subject__code", "term", "score", "comment"):
            values[(student, year, term)][code] = score if score is not None else comment
        checked = 0
        for result in TermResult.objects.filter(school_year__start_year=2025).order_by("pk")[::3]:
            term_values = values[(result.student_id, result.school_year_id, result.term)]
            scored = [v for v in term_values.values() if isinstance(v, Decimal)]
            comments = [LABELS[v] for v in term_values.values() if isinstance(v, str)]
            expected = rules.learning_result(scored, comments)
            assert result.level == LEVELS[expected.level], result
            assert result.base_level == LEVELS[expected.base_level]
            assert result.is_weak == (result.level in WEAK_LEVELS)
            assert (result.adjusted_by_id is not None) == expected.adjusted
            assert result.conduct
            if result.term == Term.YEAR:
                hk1 = values[(result.student_id, result.school_year_id, Term.HK1)]
                hk2 = values[(result.student_id, result.school_year_id, Term.HK2)]
                for code, value in term_values.items():
                    if isinstance(value, Decimal):
                        assert value == rules.year_average(hk1[code], hk2[code])
                    else:
                        assert value == hk2[code]
            checked += 1
        assert checked > 50

    def test_this_year_has_the_survey_in_three_subjects_and_no_semester_result(self, small):
        current = SubjectResult.objects.filter(school_year__start_year=2026)
        assert set(current.values_list("term", flat=True)) == {Term.SURVEY}
        assert set(current.values_list("subject__code", flat=True)) == {"TOAN", "NV", "NN1"}
        assert not TermResult.objects.filter(school_year__start_year=2026).exists()

    def test_last_years_register_comes_from_the_results_with_causes_and_resolutions(self, small):
        records = WeakRecord.objects.filter(school_year__start_year=2025).select_related(
            "school_year"
        )
        assert records.exists()
        values = {
            (s, sub, t): score if score is not None else comment
            for s, sub, t, score, comment in SubjectResult.objects.filter(
                school_year__start_year=2025
            ).values_list("student_id", "subject_id", "term", "score", "comment")
        }
        for record in records:
            assert record.origin == WeakRecord.Origin.RESULTS
            assert (
                record.school_year.start_date <= record.identified_on <= record.school_year.end_date
            )
            if record.subject_id is None:
                continue
            shown = values[(record.student_id, record.subject_id, record.term)]
            assert shown == (record.score if record.score is not None else record.comment)
            assert rules.is_weak_in_subject(
                LABELS.get(shown, shown) if isinstance(shown, str) else shown
            )
            later = [
                values[(record.student_id, record.subject_id, t)]
                for t in (Term.HK2, Term.YEAR)
                if t > record.term
            ]
            still_weak = later and rules.is_weak_in_subject(
                LABELS.get(later[-1], later[-1]) if isinstance(later[-1], str) else later[-1]
            )
            assert (record.resolved_term is None) == bool(still_weak or not later)
        confirmed = records.filter(status=WeakRecord.Status.CONFIRMED)
        assert confirmed.exclude(causes="").count() > confirmed.count() / 2
        assert (
            confirmed.filter(confirmed_by__isnull=False, confirmed_at__isnull=False).count()
            == confirmed.count()
        )

    def test_every_weak_record_of_this_year_is_dated_inside_the_year(self, small):
        records = WeakRecord.objects.filter(school_year__start_year=2026).select_related(
            "school_year"
        )
        assert {r.status for r in records} >= {
            WeakRecord.Status.CONFIRMED,
            WeakRecord.Status.PROPOSED,
        }
        assert {r.origin for r in records} >= {WeakRecord.Origin.SURVEY, WeakRecord.Origin.REFERRAL}
        for r in records:
            assert r.school_year.start_date <= r.identified_on <= TODAY
            if r.origin == WeakRecord.Origin.REFERRAL:
                assert r.evidence and r.identified_by_id
            if r.origin == WeakRecord.Origin.SURVEY:
                assert r.term == Term.SURVEY and r.score < 5 and r.gap == Decimal("5.0") - r.score

    def test_members_are_registered_with_consent_and_eligible(self, small):
        members = Membership.objects.select_related("group", "weak_record", "student")
        assert members.exists()
        for m in members:
            assert m.registered_on <= m.consent_on <= m.joined_on, m
            assert m.consent_by and m.added_by_id
            assert m.group.start_date <= m.joined_on <= m.group.end_date
            if m.reason == Membership.Reason.WEAK:
                record = m.weak_record
                assert record is not None and record.subject_id == m.group.subject_id
                assert record.school_year_id == m.group.school_year_id
                assert record.student_id == m.student_id
                assert record.status != WeakRecord.Status.DISMISSED
            else:
                assert m.reason == Membership.Reason.EXAM_REVIEW
                assert m.group.grade == 9 and m.group.kind == GroupKind.EXAM_REVIEW

    def test_groups_keep_the_size_and_weekly_limits(self, small):
        periods = defaultdict(int)  # (student, year, subject) → periods a week
        for group in TutoringGroup.objects.prefetch_related("slots", "members"):
            size = sum(1 for m in group.members.all() if m.left_on is None)
            assert 1 <= size <= 45
            weekly = sum(s.periods for s in group.slots.all())
            assert 1 <= weekly <= 2
            assert group.tutors.exists()
            for m in group.members.all():
                periods[(m.student_id, group.school_year_id, group.subject_id)] += weekly
        assert max(periods.values()) <= 2

    def test_sessions_fall_on_the_groups_slots_and_list_the_members_of_that_day(self, small):
        days = {}
        for session in TutoringSession.objects.select_related(
            "group__school_year"
        ).prefetch_related("group__slots", "group__members", "attendance"):
            group = session.group
            year = group.school_year
            if year.pk not in days:
                days[year.pk] = set(year.school_days())
            assert session.date in days[year.pk]
            assert (
                group.start_date
                <= session.date
                <= min(group.end_date, TODAY - datetime.timedelta(days=1))
            )
            slots = {s.weekday: (s.first_period, s.periods) for s in group.slots.all()}
            assert slots[session.date.weekday()] == (session.first_period, session.periods)
            assert session.content
            expected = {
                m.student_id
                for m in group.members.all()
                if m.joined_on <= session.date and (m.left_on is None or m.left_on > session.date)
            }
            assert {a.student_id for a in session.attendance.all()} == expected
        marks = SessionAttendance.objects.all()
        absent = marks.filter(present=False).count() / marks.count()
        assert 0.02 < absent < 0.2

    def test_the_demo_tutor_has_a_group_with_a_session_due_and_not_recorded(self, small):
        groups = TutoringGroup.objects.filter(
            school_year__is_current=True, tutors__username="giaovien"
        ).prefetch_related("slots", "sessions")
        assert groups.exists()
        due = []
        for group in groups:
            weekdays = {s.weekday for s in group.slots.all()}
            expected = [
                d
                for d in group.school_year.school_days(
                    group.start_date, TODAY - datetime.timedelta(days=1)
                )
                if d.weekday() in weekdays and d <= group.end_date
            ]
            recorded = {s.date for s in group.sessions.all()}
            due += [d for d in expected if d not in recorded]
            assert recorded, group
        assert due

    def test_the_demo_gvcn_has_records_of_their_class_to_confirm(self, small):
        homeroom = RoleAssignment.objects.get(user__username="gvcn", role=Role.HOMEROOM)
        mine = WeakRecord.objects.filter(
            school_year__is_current=True,
            student__enrollments__classroom=homeroom.classroom,
            student__enrollments__end_date__isnull=True,
        )
        assert mine.filter(status=WeakRecord.Status.PROPOSED).exists()

    def test_some_weak_students_of_this_year_are_not_covered_yet(self, small):
        covered = set(
            Membership.objects.filter(
                group__school_year__is_current=True, left_on__isnull=True
            ).values_list("student_id", "group__subject_id")
        ) | set(
            PeerPair.objects.filter(
                school_year__is_current=True, end_date__isnull=True
            ).values_list("helped_id", "subject_id")
        )
        weak = set(
            WeakRecord.objects.filter(school_year__is_current=True, subject__isnull=False)
            .active()
            .values_list("student_id", "subject_id")
        )
        assert weak - covered
        assert weak & covered

    def test_peer_pairs_join_a_stronger_classmate_to_a_weak_one(self, small):
        pairs = PeerPair.objects.select_related("weak_record", "school_year")
        assert pairs.filter(school_year__is_current=True).exists()
        assert (
            pairs.filter(school_year__is_current=False)
            .exclude(outcome=PeerPair.Outcome.ONGOING)
            .exists()
        )
        for pair in pairs:
            assert pair.weak_record.student_id == pair.helped_id
            assert pair.weak_record.subject_id == pair.subject_id
            classes = set(
                Enrollment.objects.filter(
                    classroom=pair.classroom, student_id__in=[pair.helper_id, pair.helped_id]
                ).values_list("student_id", flat=True)
            )
            assert classes == {pair.helper_id, pair.helped_id}
            # The helper was not weak in anything when the pair started.
            helper_records = WeakRecord.objects.filter(
                student_id=pair.helper_id, school_year=pair.school_year
            )
            assert not helper_records.filter(identified_on__lte=pair.start_date).exists()

    def test_grade_nine_is_counselled_with_a_choice(self, small):
        for school in School.objects.all():
            previous, current = years(school)
            for year in (previous, current):
                nine = set(
                    Enrollment.objects.filter(
                        classroom__school_year=year, classroom__grade=9
                    ).values_list("student_id", flat=True)
                )
                counselled = Counselling.objects.filter(school_year=year)
                assert counselled.count() >= len(nine) / 2
                assert set(counselled.values_list("student_id", flat=True)) <= nine
                for c in counselled:
                    assert year.start_date <= c.date <= min(year.end_date, TODAY)
                    assert c.note and (c.parent_names != "") == c.parents_present
        choices = Counter(Counselling.objects.values_list("choice", flat=True))
        assert choices.most_common(1)[0][0] == Counselling.Choice.UPPER_SECONDARY

    def test_plans_at_three_levels_with_goals(self, small):
        school = first_school()
        previous, current = years(school)
        plans = TutoringPlan.objects.filter(school=school)
        school_plan = plans.get(school_year=current, level=TutoringPlan.Level.SCHOOL)
        assert school_plan.status == TutoringPlan.Status.APPROVED
        assert school_plan.decided_by.username == "hieutruong"
        assert school_plan.goals.filter(subject__code="TOAN").exists()
        groups = plans.filter(school_year=current, level=TutoringPlan.Level.GROUP)
        assert {p.status for p in groups} >= {
            TutoringPlan.Status.APPROVED,
            TutoringPlan.Status.SUBMITTED,
        }
        assert all(p.parent_id == school_plan.pk and p.subject_group_id for p in groups)
        assert groups.filter(owner__username="totruong", subjects__code="TOAN").exists()
        assert plans.filter(school_year=current, level=TutoringPlan.Level.TEACHER).count() == 2
        assert plans.filter(school_year=previous, status=TutoringPlan.Status.APPROVED).exists()
        for goal in school_plan.goals.all():
            assert goal.target_percent <= goal.baseline_percent

    def test_families_are_contacted_about_learning(self, small):
        contacts = FamilyContact.objects.filter(topic="learning")
        assert contacts.exists()
        for c in contacts:
            assert c.content and c.contact_person and c.date <= TODAY
        assert "điểm" in " ".join(contacts.values_list("content", flat=True))
