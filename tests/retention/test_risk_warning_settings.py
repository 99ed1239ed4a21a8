"""The dropout-risk rules on the school's rules page: saved with decimal commas, kept in the
history, bad values refused with a message on the field, an empty rule back to its usual value."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from schools.forms import RISK_FIELDS, SchoolSettingsForm
from schools.models import SchoolSettings

from ..conftest import login
from .test_alerts_settings import VALID

pytestmark = pytest.mark.django_db

URL = "school_rules_edit"

RISK = {
    "warning_window_days": "45",
    "warning_absent_days": "4",
    "warning_unexcused_sessions": "3",
    "warning_conduct_events": "5",
    "warning_weak_subjects": "3",
    "warning_distance_km": "7,5",
    "warning_result_drop": "0,8",
    "visits_before_escalation": "4",
    "minute_edit_hours": "48",
}


def post(client, **changes):
    return client.post(reverse(URL), {**VALID, **RISK, **changes})


def test_the_rules_page_has_a_dropout_risk_group(client, world):
    login(client, world.principal)
    response = client.get(reverse(URL))
    with translation.override("en"):
        groups = {str(title): fields for title, fields in response.context["rules_form"].groups()}
    assert [f.name for f in groups["Dropout risk and home visits"]] == RISK_FIELDS
    page = response.content.decode()
    assert 'name="warning_distance_km" value="5,0"' in page  # the decimal comma
    assert 'name="warning_window_days" value="30"' in page


def test_a_leader_saves_the_dropout_risk_rules(client, world):
    login(client, world.vp)
    response = post(client)
    assert response.status_code == 302
    s = SchoolSettings.for_school(world.school_a)
    assert (
        s.warning_window_days,
        s.warning_absent_days,
        s.warning_unexcused_sessions,
        s.warning_conduct_events,
        s.warning_weak_subjects,
        s.visits_before_escalation,
        s.minute_edit_hours,
    ) == (45, 4, 3, 5, 3, 4, 48)
    assert (s.warning_distance_km, s.warning_result_drop) == (Decimal("7.5"), Decimal("0.8"))
    assert s.history.first().history_user == world.vp
    assert SchoolSettings.for_school(world.school_b).warning_window_days == 30


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"warning_window_days": "0"}, "warning_window_days"),
        ({"warning_window_days": "6"}, "warning_window_days"),
        ({"warning_window_days": "400"}, "warning_window_days"),
        ({"warning_absent_days": "0"}, "warning_absent_days"),
        ({"warning_absent_days": "-2"}, "warning_absent_days"),
        ({"warning_unexcused_sessions": "abc"}, "warning_unexcused_sessions"),
        ({"warning_conduct_events": "0"}, "warning_conduct_events"),
        ({"warning_weak_subjects": "15"}, "warning_weak_subjects"),
        ({"warning_distance_km": "0"}, "warning_distance_km"),
        ({"warning_distance_km": "1000"}, "warning_distance_km"),
        ({"warning_distance_km": "5,25"}, "warning_distance_km"),
        ({"warning_distance_km": "năm"}, "warning_distance_km"),
        ({"warning_result_drop": "0"}, "warning_result_drop"),
        ({"warning_result_drop": "11"}, "warning_result_drop"),
        ({"warning_result_drop": "1,05"}, "warning_result_drop"),
        ({"visits_before_escalation": "0"}, "visits_before_escalation"),
        ({"visits_before_escalation": "11"}, "visits_before_escalation"),
        ({"minute_edit_hours": "0"}, "minute_edit_hours"),
        ({"minute_edit_hours": "1000"}, "minute_edit_hours"),
    ],
)
def test_bad_dropout_risk_rules_are_refused_with_a_message(client, world, changes, field):
    login(client, world.principal)
    history = SchoolSettings.for_school(world.school_a).history.count()
    response = post(client, **changes)
    assert response.status_code == 200
    form = response.context["rules_form"]
    assert field in form.errors, form.errors
    assert form.errors[field][0]  # a message, not just a red border
    assert f'name="{field}" value="{next(iter(changes.values()))}"' in response.content.decode()
    after = SchoolSettings.for_school(world.school_a)
    assert after.history.count() == history
    assert (after.warning_window_days, after.warning_distance_km) == (30, Decimal("5.0"))


def test_an_empty_rule_takes_its_usual_value(client, world):
    login(client, world.principal)
    post(client)
    assert SchoolSettings.for_school(world.school_a).warning_window_days == 45
    response = post(client, warning_window_days="", warning_distance_km=" ")
    assert response.status_code == 302
    s = SchoolSettings.for_school(world.school_a)
    assert (s.warning_window_days, s.warning_distance_km) == (30, Decimal("5.0"))
    assert s.minute_edit_hours == 48


def test_a_form_without_the_new_rules_keeps_them(client, world):
    """A page loaded before these rules existed posts without them: nothing is reset."""
    login(client, world.principal)
    post(client)
    response = client.post(reverse(URL), VALID)
    assert response.status_code == 302
    s = SchoolSettings.for_school(world.school_a)
    assert (s.warning_window_days, s.warning_result_drop) == (45, Decimal("0.8"))


def test_the_form_alone_parses_decimal_commas(world):
    form = SchoolSettingsForm({**VALID, **RISK}, instance=SchoolSettings.for_school(world.school_a))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["warning_result_drop"] == Decimal("0.8")
