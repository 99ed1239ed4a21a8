"""The school's attendance and alert rules (SchoolSettings), edited by the leaders from the
school set-up page, validated, and kept in the audit history."""

from decimal import Decimal

import pytest
from django.urls import reverse

from schools.models import SchoolSettings

from ..conftest import login

pytestmark = pytest.mark.django_db

URL = "school_rules_edit"

VALID = {
    "sessions": "both",
    "official_session": "morning",
    "attendance_edit_days": "5",
    "alert_absent_days": "3",
    "alert_window_days": "10",
    "alert_unexcused_sessions": "2",
    "alert_escalation_days": "2",
    "session_warning_levels": "40, 30;30",
    "session_limit": "45",
    "confirm_from_day": "15",
    "confirm_to_day": "25",
    "dropout_target_percent": "1,5",
    "weak_threshold": "5,0",
    "progress_rule": "not_weak",
    "progress_margin": "1,0",
    "group_max_students": "45",
    "weekly_periods_limit": "2",
}


def post(client, **changes):
    return client.post(reverse(URL), {**VALID, **changes})


def test_the_setup_page_links_to_the_rules(client, world):
    login(client, world.principal)
    assert reverse(URL) in client.get(reverse("school_settings")).content.decode()


def test_a_leader_saves_the_rules_with_history(client, world):
    login(client, world.vp)
    page = client.get(reverse(URL))
    assert page.status_code == 200
    assert "Cảnh báo khi nghỉ quá (ngày học)" in page.content.decode()
    response = post(client)
    assert response.status_code == 302
    s = SchoolSettings.for_school(world.school_a)
    assert (s.sessions, s.attendance_edit_days, s.session_warning_levels) == ("both", 5, "30,40")
    assert s.dropout_target_percent == Decimal("1.5")
    latest = s.history.first()
    assert latest.history_user == world.vp and latest.session_warning_levels == "30,40"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"confirm_from_day": "26"}, "confirm_to_day"),  # from > to
        ({"confirm_to_day": "32"}, "confirm_to_day"),
        ({"confirm_from_day": "0"}, "confirm_from_day"),
        ({"session_warning_levels": "30,45"}, "session_warning_levels"),  # not below the limit
        ({"session_warning_levels": "30,abc"}, "session_warning_levels"),
        ({"session_warning_levels": "0"}, "session_warning_levels"),
        ({"session_warning_levels": "-5"}, "session_warning_levels"),
        ({"alert_window_days": "3"}, "alert_window_days"),  # not longer than 3 days
        ({"alert_absent_days": "0"}, "alert_absent_days"),
        ({"alert_absent_days": "99"}, "alert_absent_days"),
        ({"alert_unexcused_sessions": "0"}, "alert_unexcused_sessions"),
        ({"alert_escalation_days": "x"}, "alert_escalation_days"),
        ({"session_limit": "100000"}, "session_limit"),
        ({"sessions": "afternoon"}, "official_session"),  # official morning not taught
        ({"sessions": "evening"}, "sessions"),
        ({"dropout_target_percent": "150"}, "dropout_target_percent"),
        ({"dropout_target_percent": "2,345"}, "dropout_target_percent"),
        ({"attendance_edit_days": "-1"}, "attendance_edit_days"),
    ],
)
def test_bad_rules_are_refused_with_a_message_on_the_field(client, world, changes, field):
    login(client, world.principal)
    before = SchoolSettings.for_school(world.school_a)
    history = before.history.count()
    response = post(client, **changes)
    assert response.status_code == 200
    assert field in response.context["rules_form"].errors, response.context["rules_form"].errors
    after = SchoolSettings.for_school(world.school_a)
    assert after.history.count() == history
    assert (after.sessions, after.session_warning_levels) == (before.sessions, "30,40")


def test_the_window_message_is_vietnamese(client, world):
    login(client, world.principal)
    response = post(client, alert_window_days="3")
    assert "ít nhất 4 ngày học" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [("gvcn", 403), ("teacher", 403), ("clerk", 403), ("youth", 403), ("office", 403)],
)
def test_only_leaders_edit_the_rules(client, world, role, status):
    login(client, getattr(world, role))
    assert client.get(reverse(URL)).status_code == status
    assert post(client, session_limit="30").status_code == status
    assert SchoolSettings.for_school(world.school_a).session_limit == 45


def test_another_schools_leader_edits_their_own_school_only(client, world):
    login(client, world.principal_b)
    post(client, session_limit="40", session_warning_levels="20,30")
    assert SchoolSettings.for_school(world.school_b).session_limit == 40
    assert SchoolSettings.for_school(world.school_a).session_limit == 45


def test_tutoring_limits_are_school_settings_with_decimal_commas(client, world):
    login(client, world.principal)
    response = post(
        client,
        weak_threshold="4,5",
        progress_rule="margin",
        progress_margin="0,5",
        group_max_students="30",
        weekly_periods_limit="1",
        gifted_training="on",
    )
    assert response.status_code == 302
    s = SchoolSettings.for_school(world.school_a)
    assert (s.weak_threshold, s.progress_rule, s.progress_margin) == (
        Decimal("4.5"),
        "margin",
        Decimal("0.5"),
    )
    assert (s.group_max_students, s.weekly_periods_limit, s.gifted_training) == (30, 1, True)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"group_max_students": "46"}, "group_max_students"),  # TT29: at most 45
        ({"weak_threshold": "11"}, "weak_threshold"),
        ({"weekly_periods_limit": "0"}, "weekly_periods_limit"),
        ({"progress_margin": "abc"}, "progress_margin"),
    ],
)
def test_tutoring_limits_outside_the_law_or_sense_are_refused(client, world, changes, field):
    login(client, world.principal)
    response = post(client, **changes)
    assert response.status_code == 200
    assert field in response.context["rules_form"].errors
    assert SchoolSettings.for_school(world.school_a).group_max_students == 45
