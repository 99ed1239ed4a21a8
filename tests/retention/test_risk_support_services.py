"""Sponsors and support, the writes: names unique in a school, values in đồng typed the
Vietnamese way, dates, another school's sponsor, another student's case."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from retention import services_support as svc
from retention.forms_support import parse_money
from retention.models import Sponsor, Support

from .risk_helpers import make_case

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 18)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def sponsor(world, name="Công ty May Bình Minh", school=None):
    return svc.sponsor_create(
        school=school or world.school_a,
        user=world.principal,
        data={"kind": "business", "name": name, "phone": "0912345678"},
    )


def give(world, student=None, **kw):
    data = {"kind": "money", "date": datetime.date(2026, 11, 2), "value": Decimal(1500000)}
    data.update(kw)
    return svc.support_record(student=student or world.s9a1[0], user=world.gvcn, **data)


# --- money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.500.000", 1500000),
        ("1500000", 1500000),
        ("1 500 000", 1500000),
        ("1,500,000", 1500000),
        ("1.500.000 đ", 1500000),
        ("200000đ", 200000),
        ("750.000 VND", 750000),
        ("0", 0),
        ("", None),
        ("   ", None),
    ],
)
def test_money_is_typed_the_vietnamese_way(text, value):
    assert parse_money(text) == (None if value is None else Decimal(value))


@pytest.mark.parametrize("text", ["abc", "-5", "-1.500.000", "1,5", "1.50.000", "1.500,000", "1e6"])
def test_anything_else_is_refused(text):
    with pytest.raises(ValidationError):
        parse_money(text)


def test_money_is_shown_with_dots_and_dong():
    assert svc.money(Decimal(1500000)) == "1.500.000 đ"
    assert svc.money(0) == "0 đ"
    assert svc.money(None) == ""


# --- sponsors -------------------------------------------------------------------------------------


def test_a_sponsor_name_is_unique_in_the_school_whatever_the_case(world):
    s = sponsor(world)
    assert (s.school, s.name, s.kind) == (world.school_a, "Công ty May Bình Minh", "business")
    with pytest.raises(ValidationError) as caught:
        sponsor(world, name="  công ty may bình minh ")
    assert "name" in caught.value.message_dict
    sponsor(world, school=world.school_b)  # another school may have its own
    assert Sponsor.objects.count() == 2


def test_renaming_a_sponsor_to_another_ones_name_is_refused(world):
    a = sponsor(world)
    b = sponsor(world, name="Hội Khuyến học xã")
    with pytest.raises(ValidationError):
        svc.sponsor_update(sponsor=b, user=world.clerk, data={"name": a.name})
    b.refresh_from_db()
    assert b.name == "Hội Khuyến học xã"
    svc.sponsor_update(sponsor=b, user=world.clerk, data={"name": "Hội Khuyến học xã A"})
    b.refresh_from_db()
    assert b.name == "Hội Khuyến học xã A"


def test_an_empty_sponsor_name_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        sponsor(world, name="   ")
    assert "name" in caught.value.message_dict


# --- support --------------------------------------------------------------------------------------


def test_support_is_recorded_in_the_current_year(world):
    s = sponsor(world)
    case = make_case(world.s9a1[0], world.gvcn)
    x = give(world, sponsor=s, case=case, description="  Học bổng học kỳ I ")
    assert (x.school_year, x.student, x.sponsor, x.case, x.recorded_by) == (
        world.year_a,
        world.s9a1[0],
        s,
        case,
        world.gvcn,
    )
    assert x.value == Decimal(1500000) and x.description == "Học bổng học kỳ I"
    moral = give(world, kind="encouragement", value=None, sponsor=None)
    assert moral.sponsor is None and moral.value is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"value": Decimal(-1)}, "value"),
        ({"value": None}, "value"),  # money needs an amount
        ({"kind": "scholarship", "value": None}, "value"),
        ({"kind": "counselling", "value": Decimal(100000)}, "value"),
        ({"value": Decimal(10) ** 13}, "value"),
        ({"date": TODAY + datetime.timedelta(days=1)}, "date"),
        ({"date": datetime.date(2026, 9, 4)}, "date"),
        ({"kind": "other", "value": None, "description": "  "}, "description"),
    ],
)
def test_bad_support_is_refused_and_nothing_is_saved(world, data, field):
    with pytest.raises(ValidationError) as caught:
        give(world, **data)
    assert field in caught.value.message_dict
    assert not Support.objects.exists()


def test_a_sponsor_of_another_school_or_another_students_case_is_refused(world):
    outside = sponsor(world, school=world.school_b)
    with pytest.raises(ValidationError) as caught:
        give(world, sponsor=outside)
    assert "sponsor" in caught.value.message_dict
    other_case = make_case(world.s9a1[1], world.gvcn)
    with pytest.raises(ValidationError) as caught:
        give(world, case=other_case)
    assert "case" in caught.value.message_dict
    assert not Support.objects.exists()


def test_a_bicycle_may_have_no_value(world):
    x = give(world, kind="bicycle", value=None, description="Xe đạp")
    assert x.value is None and x.is_material


def test_correcting_and_deleting_support(world):
    x = give(world)
    svc.support_update(
        support=x,
        user=world.principal,
        kind="books",
        date=datetime.date(2026, 11, 3),
        value=Decimal(300000),
        description="Sách giáo khoa",
    )
    x.refresh_from_db()
    assert (x.kind, x.value, x.date, x.description) == (
        "books",
        Decimal(300000),
        datetime.date(2026, 11, 3),
        "Sách giáo khoa",
    )
    with pytest.raises(ValidationError):
        svc.support_update(
            support=x, user=world.principal, kind="money", date=TODAY, value=Decimal(-5)
        )
    x.refresh_from_db()
    assert x.kind == "books"
    svc.support_delete(support=x, user=world.principal)
    assert not Support.objects.exists()
    assert Support.history.filter(history_type="-").count() == 1
