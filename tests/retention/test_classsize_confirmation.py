"""The homeroom teacher's monthly class-size confirmation: the window, the explanation, who may
confirm, and what the principal and vice-principals see."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from retention import services_classsize
from retention.models import ClassSizeConfirmation
from retention.services_classsize import (
    MSG_EXPLAIN,
    MSG_NOT_OPEN,
    MSG_STALE,
    class_size_confirm,
    confirmation_window,
    figures_fingerprint,
    live_figures,
)
from schools.models import SchoolSettings
from students.services import Movement

from .. import factories as f
from ..conftest import login
from ..reports.scenario import move

D = datetime.date
NOVEMBER = D(2026, 11, 1)


@pytest.fixture
def on(monkeypatch):
    """Stand on a given day: the app's clock and the movement service's."""

    def set_day(day):
        monkeypatch.setattr(services_classsize, "today", lambda: day)
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
        return day

    set_day(D(2026, 11, 20))
    return set_day


def _page(world, month=NOVEMBER):
    return reverse("classsize_class", args=[world.c9a1.pk]) + f"?thang={month:%Y-%m}"


def _post(client, world, month=NOVEMBER, explanation="", fingerprint=None, on_day=None):
    if fingerprint is None:
        figures, _s, _e = live_figures(world.c9a1, month, on=on_day or D(2026, 11, 20))
        fingerprint = figures_fingerprint(figures)
    return client.post(
        reverse("classsize_class", args=[world.c9a1.pk]),
        {"month": f"{month:%Y-%m}", "explanation": explanation, "fingerprint": fingerprint},
    )


# --- the window -----------------------------------------------------------------------------------


def test_the_gvcn_confirms_the_month_inside_the_window(client, world, on):
    login(client, world.gvcn)
    response = _post(client, world)
    assert response.status_code == 302
    confirmation = ClassSizeConfirmation.objects.get(classroom=world.c9a1, month=NOVEMBER)
    assert confirmation.confirmed_by == world.gvcn
    counts = confirmation.figures["counts"]
    assert (counts["start_total"], counts["end_total"], counts["dropped"]) == (3, 3, 0)
    assert confirmation.figures["start"] == "2026-11-01"
    assert confirmation.figures["end"] == "2026-11-20"
    page = client.get(_page(world)).content.decode()
    assert "Confirmed by" in page or "Đã xác nhận" in page or world.gvcn.full_name in page


def test_before_the_window_opens_nothing_is_confirmed(client, world, on):
    on(D(2026, 11, 10))
    login(client, world.gvcn)
    page = client.get(_page(world))
    assert page.context["window"].state == "not_open"
    assert b'name="explanation"' not in page.content
    response = _post(client, world, on_day=D(2026, 11, 10))
    assert response.status_code == 200
    assert not ClassSizeConfirmation.objects.exists()
    expected = str(MSG_NOT_OPEN % {"month": "11/2026", "date": "15/11/2026"})
    assert expected in response.content.decode()


def test_after_the_window_a_confirmation_is_allowed_and_marked_late(client, world, on):
    on(D(2026, 11, 27))
    login(client, world.gvcn)
    assert client.get(_page(world)).context["window"].state == "late"
    assert _post(client, world, on_day=D(2026, 11, 27)).status_code == 302
    page = client.get(_page(world))
    assert page.context["confirmation_late"] is True


def test_a_past_month_can_still_be_confirmed_late_with_its_whole_month(world, on):
    confirmation = class_size_confirm(
        classroom=world.c9a1, month=D(2026, 10, 1), user=world.gvcn, on=D(2026, 11, 20)
    )
    assert confirmation.figures["end"] == "2026-10-31"
    settings = SchoolSettings.for_school(world.school_a)
    assert services_classsize.is_late(confirmation, settings)


def test_the_window_follows_the_school_settings(world, on):
    settings = SchoolSettings.for_school(world.school_a)
    settings.confirm_from_day, settings.confirm_to_day = 5, 31
    settings.save()
    window = confirmation_window(settings, D(2027, 2, 1), on=D(2027, 2, 28))
    assert (window.opens_on, window.closes_on, window.state) == (
        D(2027, 2, 5),
        D(2027, 2, 28),
        "open",
    )
    on(D(2026, 11, 6))
    class_size_confirm(classroom=world.c9a1, month=NOVEMBER, user=world.gvcn)
    assert ClassSizeConfirmation.objects.count() == 1


def test_a_month_not_started_or_outside_the_year_is_refused(world, on):
    for month in (D(2026, 12, 1), D(2026, 8, 1), D(2027, 7, 1)):
        with pytest.raises(ValidationError):
            class_size_confirm(classroom=world.c9a1, month=month, user=world.gvcn)
    assert not ClassSizeConfirmation.objects.exists()


# --- explanation, freshness, replacing --------------------------------------------------------


def test_a_change_in_the_month_needs_an_explanation(client, world, on):
    move(world.s9a1[0], Movement.TRANSFER_OUT, D(2026, 11, 5))
    login(client, world.gvcn)
    response = _post(client, world)
    assert response.status_code == 200
    assert str(MSG_EXPLAIN) in response.content.decode()
    assert not ClassSizeConfirmation.objects.exists()
    assert (
        _post(client, world, explanation="Em Ánh chuyển trường theo gia đình.").status_code == 302
    )
    confirmation = ClassSizeConfirmation.objects.get()
    assert confirmation.explanation == "Em Ánh chuyển trường theo gia đình."
    assert confirmation.figures["counts"]["transfer_out"] == 1


def test_a_size_different_from_last_month_needs_an_explanation(world, on):
    class_size_confirm(classroom=world.c9a1, month=D(2026, 10, 1), user=world.gvcn)
    # A movement dated in October but recorded after October was confirmed.
    move(world.s9a1[0], Movement.TRANSFER_OUT, D(2026, 10, 30))
    with pytest.raises(ValidationError) as error:
        class_size_confirm(classroom=world.c9a1, month=NOVEMBER, user=world.gvcn)
    assert MSG_EXPLAIN in error.value.message_dict["explanation"]


def test_figures_that_moved_while_the_teacher_read_them_are_not_confirmed(client, world, on):
    login(client, world.gvcn)
    figures, _s, _e = live_figures(world.c9a1, NOVEMBER, on=D(2026, 11, 20))
    seen = figures_fingerprint(figures)
    move(world.s9a1[0], Movement.DROPPED_OUT, D(2026, 11, 19), causes=["1b"])
    response = _post(client, world, explanation="Bỏ học", fingerprint=seen)
    assert response.status_code == 200
    assert str(MSG_STALE) in response.content.decode()
    assert not ClassSizeConfirmation.objects.exists()
    # The page now carries the fresh digest: confirming again works.
    fresh = response.context["form"].data["fingerprint"]
    assert _post(client, world, explanation="Bỏ học", fingerprint=fresh).status_code == 302


def test_confirming_again_replaces_the_figures_and_keeps_the_history(client, world, on):
    login(client, world.gvcn)
    assert _post(client, world).status_code == 302
    move(world.s9a1[0], Movement.TRANSFER_OUT, D(2026, 11, 20))
    assert _post(client, world, explanation="Chuyển trường").status_code == 302
    confirmation = ClassSizeConfirmation.objects.get()
    assert confirmation.figures["counts"]["end_total"] == 2
    assert confirmation.history.count() == 2


def test_a_double_submit_leaves_one_confirmation(client, world, on):
    login(client, world.gvcn)
    _post(client, world)
    _post(client, world)
    assert ClassSizeConfirmation.objects.count() == 1


def test_a_tampered_month_confirms_nothing(client, world, on):
    login(client, world.gvcn)
    for month in ("2025-01", "2026-12", "x"):
        response = client.post(
            reverse("classsize_class", args=[world.c9a1.pk]),
            {"month": month, "explanation": "", "fingerprint": "0"},
        )
        assert response.status_code == 302
    assert not ClassSizeConfirmation.objects.exists()


# --- who -----------------------------------------------------------------------------------


def test_only_the_homeroom_teacher_confirms_their_class(client, world, on):
    url = reverse("classsize_class", args=[world.c9a1.pk])
    data = {"month": "2026-11", "explanation": "x", "fingerprint": "0"}
    for user in (world.principal, world.vp, world.office):
        login(client, user)
        assert client.get(url).status_code == 200  # they read the figures
        assert client.post(url, data).status_code == 403
    for user in (world.teacher, world.clerk, world.youth, world.group_head):
        login(client, user)
        assert client.get(url).status_code in (403, 404)
        assert client.post(url, data).status_code in (403, 404)
    # The GVCN of 9A1 cannot reach 9A2.
    login(client, world.gvcn)
    assert client.get(reverse("classsize_class", args=[world.c9a2.pk])).status_code == 404
    assert not ClassSizeConfirmation.objects.exists()


def test_the_service_refuses_someone_elses_class(world, on):
    with pytest.raises(ValidationError):
        class_size_confirm(
            classroom=world.c9a2,
            month=NOVEMBER,
            user=world.gvcn,
            homeroom_class_ids={world.c9a1.pk},
        )


def test_office_staff_read_the_figures_without_names(client, world, on):
    move(world.s9a1[0], Movement.TRANSFER_OUT, D(2026, 11, 5))
    login(client, world.principal)
    assert world.s9a1[0].given_name in client.get(_page(world)).content.decode()
    login(client, world.office)
    page = client.get(_page(world))
    assert page.status_code == 200
    assert world.s9a1[0].given_name not in page.content.decode()
    assert page.context["movements"] == []


def test_a_bad_month_in_the_address_is_said_and_the_latest_month_shown(client, world, on):
    login(client, world.gvcn)
    page = client.get(reverse("classsize_class", args=[world.c9a1.pk]) + "?thang=13-2026")
    assert page.status_code == 200
    assert page.context["month"] == NOVEMBER
    assert any("MM/YYYY" in str(m) or "11/2026" in str(m) for m in page.context["messages"])


# --- the status page and the home panel ---------------------------------------------------


def test_leaders_see_who_has_confirmed_with_their_blocks_first(client, world, on):
    c6 = f.ClassroomFactory(school_year=world.year_a, name="6A1", grade=6)
    f.enroll(f.StudentFactory(school=world.school_a), c6)
    class_size_confirm(classroom=world.c9a1, month=NOVEMBER, user=world.gvcn)
    login(client, world.vp)  # grades 8 and 9
    page = client.get(reverse("classsize_status"))
    assert page.status_code == 200
    grades = [b["block"].grade for b in page.context["blocks"]]
    assert grades == [8, 9, 6]
    assert (page.context["confirmed_count"], page.context["class_count"]) == (1, 4)
    rows = {r["classroom"].name: r for b in page.context["blocks"] for r in b["rows"]}
    assert rows["9A1"]["confirmation"] and not rows["9A2"]["confirmation"]
    login(client, world.principal)
    assert [
        b["block"].grade for b in client.get(reverse("classsize_status")).context["blocks"]
    ] == [
        6,
        8,
        9,
    ]


def test_the_status_page_sends_a_gvcn_to_their_class_and_office_staff_to_schools(client, world, on):
    login(client, world.gvcn)
    response = client.get(reverse("classsize_status"))
    assert response.status_code == 302
    assert response["Location"] == reverse("classsize_class", args=[world.c9a1.pk])
    login(client, world.office)
    page = client.get(reverse("classsize_status"))
    assert page.status_code == 200
    assert [r["school"] for r in page.context["rows"]] == [world.school_a, world.school_b]
    login(client, world.teacher)
    assert client.get(reverse("classsize_status")).status_code == 403


def test_the_status_page_costs_the_same_for_many_classes(
    client, world, on, django_assert_max_num_queries
):
    login(client, world.principal)
    SchoolSettings.for_school(world.school_a)
    url = reverse("classsize_status")

    def count():
        with django_assert_max_num_queries(20) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(8):
        extra = f.ClassroomFactory(school_year=world.year_a, name=f"7C{i}", grade=7)
        for _ in range(4):
            f.enroll(f.StudentFactory(school=world.school_a), extra)
        class_size_confirm(classroom=extra, month=NOVEMBER, user=world.gvcn)
    assert count() == few


def test_the_home_panel_reminds_a_gvcn_while_the_confirmation_is_due(client, world, on):
    login(client, world.gvcn)
    on(D(2026, 11, 10))
    assert "retention/classsize/panel.html" not in _panel_names(client)
    on(D(2026, 11, 16))
    home = client.get(reverse("home")).content.decode()
    assert reverse("classsize_class", args=[world.c9a1.pk]) in home
    class_size_confirm(classroom=world.c9a1, month=NOVEMBER, user=world.gvcn)
    home = client.get(reverse("home")).content.decode()
    assert reverse("classsize_class", args=[world.c9a1.pk]) not in home
    login(client, world.principal)
    assert "retention/classsize/panel.html" not in _panel_names(client)


def _panel_names(client):
    panels = client.get(reverse("home")).context["panels"]
    return [p.template for p in panels]
