"""People's writes on the register: referral, causes, confirmation, dismissal, a whole class;
stale forms are refused, never silently applied."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tutoring import services_weak as svc
from tutoring.models import WeakRecord

from .test_weak_helpers import HK1, put_results, record, subject

pytestmark = pytest.mark.django_db
Origin, Status = WeakRecord.Origin, WeakRecord.Status


# --- referral -----------------------------------------------------------------------------------


def test_a_teacher_refers_a_student_with_evidence_and_causes(world):
    s = world.s8a1[0]
    r, created = svc.weak_record_refer(
        student=s,
        subject=subject("TOAN"),
        school_year=world.year_a,
        evidence="Khảo sát đầu năm: Toán 3,5",
        causes=["motivation", "foundation"],
        user=world.teacher,
    )
    assert created
    assert (r.origin, r.status, r.identified_by) == (
        Origin.REFERRAL,
        Status.PROPOSED,
        world.teacher,
    )
    assert r.causes == "foundation,motivation"  # in the list's order
    assert "Khảo sát đầu năm: Toán 3,5" in r.evidence
    assert world.teacher.full_name in r.evidence
    assert r.history.first().history_user == world.teacher


def test_referring_again_adds_to_the_record_instead_of_a_duplicate(world):
    s = world.s9a1[0]
    put_results(s, world.c9a1, HK1, {"TOAN": "4,0"})
    svc.sync_from_results(world.year_a, [s.pk])
    existing = WeakRecord.objects.get()
    existing.status = Status.DISMISSED
    existing.save()
    r, created = svc.weak_record_refer(
        student=s,
        subject=subject("TOAN"),
        school_year=world.year_a,
        evidence="Bài kiểm tra 15 phút: 2 điểm",
        causes=["attendance"],
        user=world.gvcn,
    )
    assert not created
    assert r.pk == existing.pk and WeakRecord.objects.count() == 1
    assert r.origin == Origin.RESULTS  # how it was first found
    assert r.status == Status.PROPOSED  # a new referral brings a dismissed record back
    assert r.causes == "attendance"
    assert (r.term, r.score) == (HK1, Decimal("4.0"))


def test_an_overall_referral_is_a_record_without_subject(world):
    r, created = svc.weak_record_refer(
        student=world.s9a1[1],
        subject=None,
        school_year=world.year_a,
        evidence="Yếu nhiều môn",
        user=world.gvcn,
    )
    assert created and r.subject is None


@pytest.mark.parametrize("evidence", ["", "   "])
def test_a_referral_needs_evidence(world, evidence):
    with pytest.raises(ValidationError) as error:
        svc.weak_record_refer(
            student=world.s9a1[0],
            subject=None,
            school_year=world.year_a,
            evidence=evidence,
            user=world.gvcn,
        )
    assert error.value.message_dict == {"evidence": [str(svc.EVIDENCE_NEEDED)]}
    assert not WeakRecord.objects.exists()


def test_a_referral_refuses_another_schools_student_and_unknown_causes(world):
    with pytest.raises(ValidationError):
        svc.weak_record_refer(
            student=world.s9b1[0],
            subject=None,
            school_year=world.year_a,
            evidence="x",
            user=world.principal,
        )
    with pytest.raises(ValidationError):
        svc.weak_record_refer(
            student=world.s9a1[0],
            subject=None,
            school_year=world.year_a,
            evidence="x",
            causes=["lazy"],
            user=world.principal,
        )
    assert not WeakRecord.objects.exists()


# --- the GVCN's decisions -------------------------------------------------------------------------


def test_the_gvcn_records_causes_and_confirms(world):
    r = record(world.s9a1[0], "TOAN", score=Decimal("4"))
    saved = svc.weak_record_update(
        record=r,
        version=svc.record_version(r),
        causes=["family", "health"],
        cause_note="Bố mẹ đi làm xa",
        evidence="",
        user=world.gvcn,
        confirm=True,
    )
    assert (saved.status, saved.confirmed_by, saved.causes) == (
        Status.CONFIRMED,
        world.gvcn,
        "family,health",
    )
    assert saved.confirmed_at is not None
    assert saved.history.first().history_user == world.gvcn


def test_confirming_needs_a_cause(world):
    r = record(world.s9a1[0], "TOAN")
    with pytest.raises(ValidationError) as error:
        svc.weak_record_update(
            record=r,
            version=svc.record_version(r),
            causes=[],
            cause_note="  ",
            evidence="",
            user=world.gvcn,
            confirm=True,
        )
    assert error.value.message_dict == {"causes": [str(svc.CAUSE_NEEDED)]}
    r.refresh_from_db()
    assert r.status == Status.PROPOSED


def test_a_stale_form_is_refused_and_nothing_is_lost(world):
    r = record(world.s9a1[0], "TOAN")
    loaded = svc.record_version(r)
    svc.weak_record_update(
        record=r,
        version=loaded,
        causes=["health"],
        cause_note="",
        evidence="",
        user=world.principal,
    )
    with pytest.raises(ValidationError) as error:
        svc.weak_record_update(
            record=r,
            version=loaded,
            causes=["language"],
            cause_note="",
            evidence="",
            user=world.gvcn,
        )
    assert error.value.code == "stale"
    r.refresh_from_db()
    assert r.causes == "health"
    with pytest.raises(ValidationError):
        svc.weak_record_dismiss(record=r, version=loaded, reason="x", user=world.gvcn)


def test_dismissing_keeps_the_reason_in_the_evidence_and_reopening_undoes_it(world):
    r = record(world.s9a1[0], "TOAN", evidence="KS 4,0")
    r = svc.weak_record_update(
        record=r,
        version=svc.record_version(r),
        causes=["health"],
        cause_note="",
        evidence="KS 4,0",
        user=world.gvcn,
        confirm=True,
    )
    with pytest.raises(ValidationError):
        svc.weak_record_dismiss(
            record=r, version=svc.record_version(r), reason=" ", user=world.gvcn
        )
    r = svc.weak_record_dismiss(
        record=r, version=svc.record_version(r), reason="Ốm khi thi học kì", user=world.gvcn
    )
    assert (r.status, r.confirmed_by, r.confirmed_at) == (Status.DISMISSED, None, None)
    assert r.evidence.startswith("KS 4,0\n[")
    assert "Ốm khi thi học kì" in r.evidence and world.gvcn.full_name in r.evidence
    r = svc.weak_record_reopen(record=r, version=svc.record_version(r), user=world.gvcn)
    assert r.status == Status.PROPOSED


# --- a whole class --------------------------------------------------------------------------------


def _entry(student, records, **kw):
    return svc.ClassEntry(student_id=student.pk, version=svc.student_version(records), **kw)


def test_a_whole_class_is_saved_at_once(world):
    a, b = world.s9a1[0], world.s9a1[1]
    a_toan, a_nv = record(a, "TOAN"), record(a, "NV", causes="health")
    b_toan = record(b, "TOAN")
    changed = svc.weak_class_save(
        school_year=world.year_a,
        entries=[
            _entry(a, [a_toan, a_nv], causes=["family"], confirm=True),
            _entry(b, [b_toan], cause_note="Chưa chăm", confirm=False),
        ],
        user=world.gvcn,
    )
    assert changed == 3
    a_toan.refresh_from_db()
    a_nv.refresh_from_db()
    b_toan.refresh_from_db()
    assert (a_toan.causes, a_nv.causes) == ("family", "family")
    assert a_toan.status == a_nv.status == Status.CONFIRMED
    assert a_toan.confirmed_by == world.gvcn
    assert (b_toan.cause_note, b_toan.status, b_toan.causes) == ("Chưa chăm", Status.PROPOSED, "")
    assert a_toan.history.first().history_user == world.gvcn


def test_the_class_save_is_all_or_nothing(world):
    a, b = world.s9a1[0], world.s9a1[1]
    a_toan, b_toan = record(a, "TOAN"), record(b, "TOAN")
    with pytest.raises(ValidationError) as error:
        svc.weak_class_save(
            school_year=world.year_a,
            entries=[
                _entry(a, [a_toan], causes=["family"], confirm=True),
                _entry(b, [b_toan], confirm=True),  # no cause
            ],
            user=world.gvcn,
        )
    assert error.value.message_dict == {str(b.pk): [str(svc.CAUSE_NEEDED)]}
    a_toan.refresh_from_db()
    assert (a_toan.causes, a_toan.status) == ("", Status.PROPOSED)


def test_the_class_save_refuses_a_student_changed_meanwhile(world):
    a = world.s9a1[0]
    a_toan = record(a, "TOAN")
    loaded = svc.student_version([a_toan])
    record(a, "NV")  # a new weak subject appears after the page was loaded
    with pytest.raises(ValidationError) as error:
        svc.weak_class_save(
            school_year=world.year_a,
            entries=[svc.ClassEntry(student_id=a.pk, version=loaded, causes=["family"])],
            user=world.gvcn,
        )
    assert error.value.message_dict == {str(a.pk): [str(svc.STALE_STUDENT)]}
    assert not WeakRecord.objects.filter(causes="family").exists()


def test_the_class_save_leaves_dismissed_records_and_unchanged_fields_alone(world):
    a = world.s9a1[0]
    kept = record(a, "TOAN", cause_note="Riêng môn Toán")
    dismissed = record(a, "NV", status=Status.DISMISSED)
    changed = svc.weak_class_save(
        school_year=world.year_a,
        entries=[_entry(a, [kept], causes=["health"])],
        user=world.gvcn,
    )
    assert changed == 1
    kept.refresh_from_db()
    dismissed.refresh_from_db()
    assert (kept.causes, kept.cause_note) == ("health", "Riêng môn Toán")
    assert dismissed.causes == ""


def test_the_class_save_costs_the_same_for_one_student_or_many(
    world, django_assert_max_num_queries
):
    from .test_weak_helpers import students

    pupils = students(world.c9a1, 12, world.school_a)
    recs = {p.pk: [record(p, "TOAN"), record(p, "NV")] for p in pupils}
    with django_assert_max_num_queries(6):
        svc.weak_class_save(
            school_year=world.year_a,
            entries=[_entry(pupils[0], recs[pupils[0].pk], causes=["family"], confirm=True)],
            user=world.gvcn,
        )
    with django_assert_max_num_queries(6):
        svc.weak_class_save(
            school_year=world.year_a,
            entries=[_entry(p, recs[p.pk], causes=["health"], confirm=True) for p in pupils[1:]],
            user=world.gvcn,
        )
    assert WeakRecord.objects.filter(status=Status.CONFIRMED).count() == 24
