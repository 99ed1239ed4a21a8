"""Peer pairs (đôi bạn cùng tiến): the rules of a pair, who may set one up, the helpers the form
suggests, ending a pair, the list by class and its query count."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from tutoring import selectors_family as sel
from tutoring import services_peers as services
from tutoring.models import PeerPair, Term

from ..conftest import login
from .conftest import put_results
from .test_plans_helpers import (  # noqa: F401 - the fixture today
    d,
    math_teacher,
    pair,
    students_in,
    subject,
    today_fixture,
    weak,
)

pytestmark = pytest.mark.django_db


def create(world, helper, helped, code="TOAN", note="", classroom=None, start=None):
    return services.create_pair(
        classroom=classroom or world.c9a1,
        subject=subject(code),
        helper=helper,
        helped=helped,
        start_date=start or d(23, 11),
        user=world.gvcn,
        note=note,
        on=d(23, 11),
    )


def errors_of(excinfo) -> str:
    return " ".join(m for ms in excinfo.value.message_dict.values() for m in ms)


# --- the rules ----------------------------------------------------------------------------------


def test_a_stronger_classmate_helps_a_weak_student(world, today):
    anh, anh2, an = world.s9a1
    record = weak(world, anh, "TOAN")
    new = create(world, helper=anh2, helped=anh)
    assert (new.helper, new.helped, new.weak_record, new.outcome) == (anh2, anh, record, "ongoing")
    assert new.classroom == world.c9a1 and new.school_year == world.year_a


def test_a_student_without_a_weak_record_needs_a_reason(world, today):
    anh, anh2, _an = world.s9a1
    with pytest.raises(ValidationError) as excinfo:
        create(world, helper=anh2, helped=anh)
    assert "note" in excinfo.value.message_dict
    new = create(world, helper=anh2, helped=anh, note="Em mới chuyển đến, hổng kiến thức lớp 8")
    assert new.weak_record is None and new.note.startswith("Em mới")


def test_a_helper_weak_in_the_subject_is_refused(world, today):
    anh, anh2, _an = world.s9a1
    weak(world, anh, "TOAN")
    weak(world, anh2, "TOAN")
    with pytest.raises(ValidationError) as excinfo:
        create(world, helper=anh2, helped=anh)
    assert anh2.full_name in errors_of(excinfo)
    # Weak in another subject, or no longer weak: may help.
    PeerPair.objects.all().delete()
    anh2.weak_records.update(resolved_term=Term.HK1)
    assert create(world, helper=anh2, helped=anh).helper == anh2


def test_both_students_must_be_in_the_class_now(world, today):
    anh = world.s9a1[0]
    binh = world.s9a2[0]
    weak(world, anh, "TOAN")
    with pytest.raises(ValidationError) as excinfo:
        create(world, helper=binh, helped=anh)
    assert excinfo.value.message_dict["helper"] == [
        str(services.MSG_NOT_IN_CLASS % {"name": binh.full_name, "classroom": "9A1"})
    ]
    with pytest.raises(ValidationError):
        create(world, helper=anh, helped=anh, note="x")


def test_a_helper_takes_at_most_two_students(world, today):
    helper, *helped = students_in(world.c9a1, 4, world.school_a)
    for student in helped:
        weak(world, student, "TOAN")
    create(world, helper=helper, helped=helped[0])
    create(world, helper=helper, helped=helped[1])
    with pytest.raises(ValidationError) as excinfo:
        create(world, helper=helper, helped=helped[2])
    assert str(services.MSG_HELPER_BUSY % {"name": helper.full_name, "count": 2, "limit": 2}) in (
        errors_of(excinfo)
    )
    # An ended pair frees a place.
    PeerPair.objects.filter(helped=helped[0]).update(end_date=d(23, 11), outcome="progressed")
    assert create(world, helper=helper, helped=helped[2]).helped == helped[2]


def test_one_active_pair_per_student_and_subject_even_in_a_race(world, today, monkeypatch):
    anh, anh2, an = world.s9a1
    weak(world, anh, "TOAN")
    create(world, helper=anh2, helped=anh)
    with pytest.raises(ValidationError) as excinfo:
        create(world, helper=an, helped=anh)
    message = str(services.MSG_ALREADY_PAIRED % {"name": anh.full_name, "subject": "Toán"})
    assert excinfo.value.message_dict["helped"] == [message]
    # Two teachers at once: the check passes for both, the database constraint answers.
    monkeypatch.setattr(services, "already_paired", lambda *a: False)
    with pytest.raises(ValidationError) as excinfo:
        create(world, helper=an, helped=anh)
    assert excinfo.value.message_dict["helped"] == [message]
    assert PeerPair.objects.count() == 1
    # Another subject is another pair.
    assert (
        create(world, helper=an, helped=anh, code="NV", note="Cần luyện đọc").subject.code == "NV"
    )


def test_ending_a_pair(world, today):
    anh, anh2, _an = world.s9a1
    weak(world, anh)
    p = create(world, helper=anh2, helped=anh, start=d(2, 11))
    for outcome, end, field in [
        ("ongoing", d(20, 11), "outcome"),  # ending needs an outcome
        ("progressed", None, "end_date"),  # progressed ends the pair: a date
        ("stopped", d(1, 11), "end_date"),  # before the start
        ("stopped", d(24, 11), "end_date"),  # in the future
    ]:
        with pytest.raises(ValidationError) as excinfo:
            services.pair_update(
                pair=p, outcome=outcome, end_date=end, note="", user=world.gvcn, on=d(23, 11)
            )
        assert field in excinfo.value.message_dict, (outcome, end)
    services.pair_update(
        pair=p, outcome="not_yet", end_date=None, note="Tiến bộ chậm", user=world.gvcn
    )
    ended = services.pair_update(
        pair=p,
        outcome="progressed",
        end_date=d(20, 11),
        note="Đã thoát yếu",
        user=world.gvcn,
        on=d(23, 11),
    )
    assert (ended.outcome, ended.end_date) == ("progressed", d(20, 11))
    with pytest.raises(ValidationError) as excinfo:
        services.pair_update(pair=p, outcome="ongoing", end_date=None, note="", user=world.gvcn)
    assert "end_date" in excinfo.value.message_dict
    assert p.history.count() == 3


# --- the pages ----------------------------------------------------------------------------------


def test_the_gvcn_sets_up_a_pair_from_the_student_page_link(client, world, today):
    anh, anh2, _an = world.s9a1
    weak(world, anh, "TOAN")
    login(client, world.gvcn)
    url = reverse("peer_pair_create") + f"?student={anh.pk}&subject={subject('TOAN').pk}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial["helped"] == anh.pk
    response = client.post(
        reverse("peer_pair_create") + f"?classroom={world.c9a1.pk}",
        {
            "helped": anh.pk,
            "subject": subject("TOAN").pk,
            "helper": anh2.pk,
            "start_date": "23/11/2026",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("peer_pair_list") + f"?classroom={world.c9a1.pk}"
    assert PeerPair.objects.get().helper == anh2


def test_a_refused_pair_keeps_what_was_typed(client, world, today):
    anh, anh2, _an = world.s9a1
    login(client, world.gvcn)
    response = client.post(
        reverse("peer_pair_create") + f"?classroom={world.c9a1.pk}",
        {
            "helped": anh.pk,
            "subject": subject("TOAN").pk,
            "helper": anh2.pk,
            "start_date": "23/11/2026",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "note" in form.errors
    assert form.data["helper"] == str(anh2.pk)
    response = client.post(
        reverse("peer_pair_create") + f"?classroom={world.c9a1.pk}",
        {"helped": "999999", "subject": "abc", "helper": anh2.pk, "start_date": "31/02/2026"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"helped", "subject", "start_date"}
    assert PeerPair.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("gvcn", 200),
        ("vp", 200),
        ("principal", 200),
        ("teacher", 403),
        ("group_head", 403),
        ("clerk", 403),
        ("youth", 403),
    ],
)
def test_who_may_set_up_a_pair_in_9a1(client, world, today, role, status):
    login(client, getattr(world, role))
    response = client.get(reverse("peer_pair_create") + f"?classroom={world.c9a1.pk}")
    assert response.status_code == status


def test_a_subject_teacher_of_the_class_may_and_others_may_not(client, world, today):
    colleague = math_teacher(world, classroom=world.c9a1, username="toan9a1")
    login(client, colleague)
    assert (
        client.get(reverse("peer_pair_create") + f"?classroom={world.c9a1.pk}").status_code == 200
    )
    assert (
        client.get(reverse("peer_pair_create") + f"?classroom={world.c9a2.pk}").status_code == 403
    )
    # The teacher of 8A1 cannot even see 9A1's students.
    login(client, world.teacher)
    assert (
        client.get(reverse("peer_pair_create") + f"?student={world.s9a1[0].pk}").status_code == 404
    )


def test_another_schools_class_student_and_pair_are_404(client, world, today):
    from tests import factories as f

    other = f.StudentFactory(school=world.school_b)
    f.enroll(other, world.c9b1)
    outside = PeerPair.objects.create(
        school_year=world.year_b,
        classroom=world.c9b1,
        subject=subject("TOAN"),
        helper=other,
        helped=world.s9b1[0],
        start_date=d(2, 11),
        created_by=world.principal_b,
    )
    login(client, world.principal)
    assert (
        client.get(reverse("peer_pair_create") + f"?classroom={world.c9b1.pk}").status_code == 404
    )
    assert (
        client.get(reverse("peer_pair_create") + f"?student={world.s9b1[0].pk}").status_code == 404
    )
    url = reverse("peer_pair_update", args=[outside.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"outcome": "stopped", "end_date": "20/11/2026"}).status_code == 404
    outside.refresh_from_db()
    assert (outside.outcome, outside.end_date) == ("ongoing", None)
    data = client.get(reverse("peer_pair_list") + f"?classroom={world.c9b1.pk}").context["data"]
    assert data.blocks == [] and data.chosen is None


def test_the_form_suggests_the_best_classmates_in_one_query(
    world, today, django_assert_num_queries
):
    anh, anh2, an = world.s9a1
    extra = students_in(world.c9a1, 3, world.school_a, prefix="Giỏi")
    scores = {anh: "3,5", anh2: "9,0", an: "8,5", extra[0]: "9,5", extra[1]: "7,0", extra[2]: "6,0"}
    for student, score in scores.items():
        put_results(student, world.c9a1, Term.HK1, {"TOAN": "2,0"})  # an older term: ignored
        put_results(student, world.c9a1, Term.HK2, {"TOAN": score})
    weak(world, extra[1], "TOAN")  # weak on record: cannot help
    helped_by_extra0 = students_in(world.c9a1, 2, world.school_a, prefix="Yếu")
    for s in helped_by_extra0:
        pair(world, extra[0], s, note="x")  # already helps two
    toan = subject("TOAN")
    with django_assert_num_queries(1):
        found = sel.helper_suggestions(world.c9a1, toan, anh.pk, d(23, 11))
    assert [(s.student, s.result) for s in found] == [
        (anh2, "9,0"),
        (an, "8,5"),
        (extra[2], "6,0"),
        (extra[0], "9,5"),
        (extra[1], "7,0"),
    ]
    assert [s.available for s in found] == [True, True, True, False, False]
    assert (found[3].busy, found[4].weak) == (2, True)
    assert all(s.term == Term.HK2 for s in found)


def test_suggestions_show_on_the_form_and_choosing_one_preselects_it(client, world, today):
    anh, anh2, _an = world.s9a1
    put_results(anh2, world.c9a1, Term.HK1, {"TOAN": "9,0"})
    login(client, world.gvcn)
    response = client.post(
        reverse("peer_pair_create") + f"?classroom={world.c9a1.pk}",
        {"helped": anh.pk, "subject": subject("TOAN").pk, "suggest": "1", "note": "Ghi chú"},
    )
    assert response.status_code == 200
    assert [s.student for s in response.context["suggestions"]] == [anh2]
    assert response.context["form"].errors == {}  # asking for suggestions saves and blames nothing
    assert PeerPair.objects.count() == 0
    page = response.content.decode()
    assert f"helper={anh2.pk}" in page and "9,0" in page and "Ghi chú" in page
    assert f"({Term.HK1.label})" in page  # the term the results come from
    query = f"student={anh.pk}&subject={subject('TOAN').pk}&helper={anh2.pk}"
    response = client.get(reverse("peer_pair_create") + f"?classroom={world.c9a1.pk}&{query}")
    assert response.context["form"].initial["helper"] == anh2.pk


def test_the_outcome_page_ends_a_pair(client, world, today):
    anh, anh2, _an = world.s9a1
    p = pair(world, anh2, anh)
    login(client, world.teacher)
    assert client.get(reverse("peer_pair_update", args=[p.pk])).status_code == 404
    login(client, world.gvcn)
    url = reverse("peer_pair_update", args=[p.pk])
    response = client.post(url, {"outcome": "ongoing", "end_date": "20/11/2026", "note": ""})
    assert response.status_code == 200 and "outcome" in response.context["form"].errors
    response = client.post(url, {"outcome": "progressed", "end_date": "20/11/2026", "note": "Tốt"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert (p.outcome, p.end_date, p.note) == ("progressed", d(20, 11), "Tốt")


def test_the_list_shows_each_class_its_pairs(client, world, today):
    anh, anh2, _an = world.s9a1
    p1 = pair(world, anh2, anh)
    others = students_in(world.c9a2, 1, world.school_a)
    p2 = pair(world, others[0], world.s9a2[0], classroom=world.c9a2)
    login(client, world.gvcn)
    data = client.get(reverse("peer_pair_list")).context["data"]
    assert [(b.classroom, b.pairs) for b in data.blocks] == [(world.c9a1, [p1])]
    login(client, world.vp)
    data = client.get(reverse("peer_pair_list")).context["data"]
    assert [b.pairs for b in data.blocks] == [[p1], [p2]]
    data = client.get(reverse("peer_pair_list") + f"?classroom={world.c9a2.pk}").context["data"]
    assert [b.pairs for b in data.blocks] == [[p2]] and data.chosen == world.c9a2
    for role in ("clerk", "group_head", "youth"):
        login(client, getattr(world, role))
        assert client.get(reverse("peer_pair_list")).status_code == 403


def test_the_list_costs_the_same_with_many_pairs(
    client, world, today, django_assert_max_num_queries
):
    # session, user, scope (school, year, assignments), classes, pairs: 7 at most.
    anh, anh2, _an = world.s9a1
    pair(world, anh2, anh)
    login(client, world.principal)
    url = reverse("peer_pair_list")
    with django_assert_max_num_queries(7) as few:
        assert client.get(url).status_code == 200
    helpers = students_in(world.c9a2, 10, world.school_a, prefix="Giúp")
    helped = students_in(world.c9a2, 20, world.school_a, prefix="Cần")
    for i, student in enumerate(helped):
        pair(world, helpers[i // 2], student, classroom=world.c9a2, code="TOAN")
    with django_assert_max_num_queries(7) as many:
        response = client.get(url)
    assert response.context["data"].active == 21
    assert len(few.captured_queries) == len(many.captured_queries)
    assert _("Peer pairs") in response.content.decode()


def test_two_teachers_updating_a_pair_at_once_do_not_overwrite_each_other(client, world, today):
    anh, anh2, _an = world.s9a1
    p = pair(world, anh2, anh)
    url = reverse("peer_pair_update", args=[p.pk])
    login(client, world.gvcn)
    loaded = client.get(url).context["form"].initial["loaded"]
    login(client, world.principal)
    data = {"outcome": "not_yet", "end_date": "", "note": "Cô Hiệu trưởng ghi", "loaded": loaded}
    assert client.post(url, data).status_code == 302
    login(client, world.gvcn)
    data = {
        "outcome": "stopped",
        "end_date": "20/11/2026",
        "note": "Cô chủ nhiệm ghi",
        "loaded": loaded,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(services.MSG_PAIR_STALE)]
    page = response.content.decode()
    assert "Cô Hiệu trưởng ghi" in page and "Cô chủ nhiệm ghi" in page  # now, and what was typed
    p.refresh_from_db()
    assert (p.outcome, p.note) == ("not_yet", "Cô Hiệu trưởng ghi")
    data["loaded"] = response.context["form"].data["loaded"]  # saving again, knowingly
    assert client.post(url, data).status_code == 302
    p.refresh_from_db()
    assert (p.outcome, p.end_date) == ("stopped", d(20, 11))
