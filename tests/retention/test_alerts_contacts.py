"""Contacts with families: a contact acknowledges the student's open alerts (all, or the ticked
ones); the GVCN of the class and the leaders record them; everyone else is refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from retention.models import AbsenceAlert, FamilyContact
from retention.services_alerts import (
    MSG_CONTACT_ALERT_LATER,
    MSG_CONTACT_ALERT_OTHER,
    MSG_CONTACT_FUTURE,
    family_contact_record,
)
from students.models import Guardian

from ..conftest import login
from .test_alerts_helpers import alert, d, today_is_fixture  # noqa: F401 - the fixture today_is

Kind = AbsenceAlert.Kind
pytestmark = pytest.mark.django_db


def record(world, student, **kwargs):
    data = {
        "student": student,
        "date": d(18),
        "method": FamilyContact.Method.PHONE,
        "contact_person": "Nguyễn Văn Bố (Bố)",
        "content": "Em bị sốt, thứ Sáu đi học lại.",
        "recorded_by": world.gvcn,
    }
    return family_contact_record(**{**data, **kwargs})


def form_data(**extra):
    return {
        "date": "18/11/2026",
        "method": "phone",
        "contact_person": "Nguyễn Văn Bố (Bố)",
        "content": "Em bị sốt, thứ Sáu đi học lại.",
        **extra,
    }


# --- the service ------------------------------------------------------------------------------


def test_a_contact_acknowledges_all_open_alerts_of_the_student(world):
    ana = world.s9a1[0]
    a1 = alert(ana, world.c9a1, Kind.CONSECUTIVE)
    a2 = alert(ana, world.c9a1, Kind.UNEXCUSED)
    other = alert(world.s9a1[1], world.c9a1, Kind.CONSECUTIVE)
    contact = record(world, ana)
    for a in (a1, a2):
        a.refresh_from_db()
        assert a.acknowledged_by == world.gvcn and a.acknowledged_at is not None
    assert set(contact.alerts.all()) == {a1, a2}
    other.refresh_from_db()
    assert other.is_open
    # The acknowledgement is in the audit history, with who did it.
    assert a1.history.first().acknowledged_by_id == world.gvcn.pk


def test_a_contact_acknowledges_only_the_ticked_alerts(world):
    ana = world.s9a1[0]
    a1 = alert(ana, world.c9a1, Kind.CONSECUTIVE)
    a2 = alert(ana, world.c9a1, Kind.UNEXCUSED)
    record(world, ana, alerts=[a2])
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert a1.is_open and not a2.is_open


def test_a_contact_about_something_else_acknowledges_nothing_it_did_not_tick(world):
    ana = world.s9a1[0]
    a1 = alert(ana, world.c9a1)
    contact = record(world, ana, alerts=[])
    a1.refresh_from_db()
    assert a1.is_open and contact.alerts.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"date": timezone.localdate() + datetime.timedelta(days=1)}, "date", MSG_CONTACT_FUTURE),
        ({"date": d(1, 9)}, "date", None),  # before the school year
    ],
)
def test_bad_dates_are_refused_and_nothing_is_saved(world, kwargs, field, message):
    ana = world.s9a1[0]
    a1 = alert(ana, world.c9a1)
    with pytest.raises(ValidationError) as excinfo:
        record(world, ana, **kwargs)
    assert field in excinfo.value.message_dict
    if message:
        assert str(message) in excinfo.value.message_dict[field]
    assert FamilyContact.objects.count() == 0
    a1.refresh_from_db()
    assert a1.is_open


def test_another_students_or_an_answered_alert_is_refused(world):
    ana, anh = world.s9a1[0], world.s9a1[1]
    theirs = alert(anh, world.c9a1)
    answered = alert(ana, world.c9a1, Kind.WINDOW)
    answered.acknowledged_at = timezone.now()
    answered.save()
    for wrong in (theirs, answered):
        with pytest.raises(ValidationError) as excinfo:
            record(world, ana, alerts=[wrong])
        assert str(MSG_CONTACT_ALERT_OTHER) in excinfo.value.message_dict["alerts"]
    assert FamilyContact.objects.count() == 0


def test_an_alert_that_starts_after_the_contact_is_refused_when_ticked(world):
    ana = world.s9a1[0]
    later = alert(ana, world.c9a1, opened_on=d(20), first=d(19), last=d(20))
    with pytest.raises(ValidationError) as excinfo:
        record(world, ana, date=d(18), alerts=[later])
    assert str(MSG_CONTACT_ALERT_LATER % {"reason": later.reason}) in excinfo.value.messages
    # "All of them" answers only the alerts begun by the contact's date.
    record(world, ana, date=d(18))
    later.refresh_from_db()
    assert later.is_open


def test_a_double_submit_saves_one_contact(world):
    ana = world.s9a1[0]
    first = record(world, ana)
    again = record(world, ana)
    assert first.pk == again.pk
    assert FamilyContact.objects.count() == 1


# --- the page ---------------------------------------------------------------------------------


def test_the_form_is_prefilled_with_the_main_guardian_and_a_phone_link(client, world, today_is):
    today_is(d(18))
    ana = world.s9a1[0]
    Guardian.objects.create(
        student=ana,
        full_name="Trần Thị Mẹ",
        relation="mother",
        phone="0987 654 321",
        is_primary=True,
    )
    a1 = alert(ana, world.c9a1)
    login(client, world.gvcn)
    response = client.get(reverse("family_contact_create", args=[ana.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["contact_person"].value() == "Trần Thị Mẹ (Mẹ)"
    assert form["date"].value() == d(18)
    assert form["alerts"].value() == [a1.pk]
    assert 'href="tel:0987654321"' in response.content.decode()


def test_the_gvcn_records_a_contact_and_the_alert_leaves_the_open_list(client, world, today_is):
    today_is(d(18))
    ana = world.s9a1[0]
    a1 = alert(ana, world.c9a1)
    login(client, world.gvcn)
    url = reverse("family_contact_create", args=[ana.pk])
    response = client.post(url, form_data(alerts=[a1.pk], next=reverse("alert_list")))
    assert response.status_code == 302
    assert response["Location"] == reverse("alert_list")
    a1.refresh_from_db()
    assert not a1.is_open and a1.acknowledged_by == world.gvcn
    contact = FamilyContact.objects.get()
    assert (contact.recorded_by, contact.date, contact.method) == (world.gvcn, d(18), "phone")
    # Listed on the alert and on the student's page.
    page = client.get(reverse("alert_detail", args=[a1.pk])).content.decode()
    assert "Em bị sốt, thứ Sáu đi học lại." in page
    page = client.get(reverse("student_detail", args=[ana.pk])).content.decode()
    assert "Em bị sốt, thứ Sáu đi học lại." in page and 'id="alerts-panel"' in page


def test_an_outside_next_is_ignored(client, world, today_is):
    today_is(d(18))
    ana = world.s9a1[0]
    login(client, world.principal)
    url = reverse("family_contact_create", args=[ana.pk])
    response = client.post(url, form_data(next="https://evil.example/"))
    assert response["Location"] == reverse("student_detail", args=[ana.pk])


@pytest.mark.parametrize(
    "data",
    [
        form_data(date="31/02/2026"),
        form_data(date="not a date"),
        form_data(method="carrier pigeon"),
        form_data(content="   "),
        form_data(contact_person=""),
        form_data(alerts=["abc"]),
        form_data(alerts=["999999"]),
        form_data(date=(timezone.localdate() + datetime.timedelta(days=3)).strftime("%d/%m/%Y")),
    ],
)
def test_bad_input_shows_the_form_again_and_saves_nothing(client, world, today_is, data):
    today_is(d(18))
    ana = world.s9a1[0]
    a1 = alert(ana, world.c9a1)
    login(client, world.gvcn)
    response = client.post(reverse("family_contact_create", args=[ana.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert FamilyContact.objects.count() == 0
    a1.refresh_from_db()
    assert a1.is_open


def test_a_tampered_alert_of_another_student_is_refused(client, world, today_is):
    today_is(d(18))
    ana, anh = world.s9a1[0], world.s9a1[1]
    theirs = alert(anh, world.c9a1)
    login(client, world.gvcn)
    response = client.post(
        reverse("family_contact_create", args=[ana.pk]), form_data(alerts=[theirs.pk])
    )
    assert response.status_code == 200
    assert FamilyContact.objects.count() == 0
    theirs.refresh_from_db()
    assert theirs.is_open


@pytest.mark.parametrize(
    ("role", "student", "status"),
    [
        ("gvcn", "s9a1", 200),
        ("principal", "s8a1", 200),
        ("vp", "s9a2", 200),
        ("gvcn", "s9a2", 404),  # not their class: they cannot even see the student
        ("teacher", "s8a1", 403),  # sees the student (teaches 8A1), does not record
        ("youth", "s9a1", 403),
        ("clerk", "s9a1", 403),
        ("group_head", "s9a1", 404),
        ("principal_b", "s9a1", 404),
        ("office", "s9a1", 404),
    ],
)
def test_who_may_record_a_contact(client, world, today_is, role, student, status):
    today_is(d(18))
    target = getattr(world, student)[0]
    login(client, getattr(world, role))
    url = reverse("family_contact_create", args=[target.pk])
    assert client.get(url).status_code == status
    response = client.post(url, form_data())
    assert response.status_code == (302 if status == 200 else status)
    assert FamilyContact.objects.count() == (1 if status == 200 else 0)


def test_what_a_family_said_is_not_shown_to_a_subject_teacher(client, world, today_is):
    """The 8A1 subject teacher sees Dương's alert, not the family contacts (on the student page
    and on the alert); the leadership and the mentor do; only leaders and GVCNs get the button to
    open a risk case."""
    from .risk_helpers import make_mentorship

    today_is(d(18))
    duong = world.s8a1[0]
    a1 = alert(duong, world.c8a1)  # stays open
    a2 = alert(duong, world.c8a1, AbsenceAlert.Kind.UNEXCUSED)  # answered by the contact
    login(client, world.principal)
    client.post(
        reverse("family_contact_create", args=[duong.pk]),
        form_data(alerts=[a2.pk], content="Mẹ em nói em phải trông em nhỏ."),
    )
    assert FamilyContact.objects.filter(student=duong).count() == 1
    said = "Mẹ em nói em phải trông em nhỏ."
    student_url = reverse("student_detail", args=[duong.pk])
    alert_url = reverse("alert_detail", args=[a2.pk])
    open_alert_url = reverse("alert_detail", args=[a1.pk])
    open_url = reverse("risk_case_open_from_alert", args=[a1.pk])

    for user, shown in ((world.teacher, False), (world.principal, True), (world.vp, True)):
        login(client, user)
        student_page = client.get(student_url).content.decode()
        alert_page = client.get(alert_url).content.decode()
        assert 'id="alerts-panel"' in student_page
        assert (said in student_page, said in alert_page) == (shown, shown), user
        assert (open_url in client.get(open_alert_url).content.decode()) == shown, user
        list_page = client.get(reverse("alert_list")).content.decode()
        assert (open_url in list_page) == shown, user

    make_mentorship(world.teacher, duong)
    login(client, world.teacher)
    assert said in client.get(student_url).content.decode()
