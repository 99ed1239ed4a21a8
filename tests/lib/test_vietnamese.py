import random

import pytest

from lib.formatting import format_number, parse_date
from lib.vietnamese import collation_key, name_sort_key, split_full_name, unaccent


def test_alphabet_order_of_single_letters():
    letters = list("aăâbcdđeêghiklmnoôơpqrstuưvxy")
    shuffled = letters[:]
    random.Random(4).shuffle(shuffled)
    assert sorted(shuffled, key=collation_key) == letters


def test_names_sort_by_given_name_then_family_name():
    names = [
        ("Hà", "Zô"),
        ("Bùi", "Đặng"),
        ("Lê", "Ánh"),
        ("Trần", "Ân"),
        ("Nguyễn", "Anh"),
        ("Đỗ", "Dương"),
        ("Phạm", "Bình"),
        ("Lò Văn", "An"),
        ("Nguyễn Thị", "Ánh"),
    ]
    ordered = sorted(names, key=lambda n: name_sort_key(*n))
    assert [f"{a} {b}" for a, b in ordered] == [
        "Lò Văn An",
        "Nguyễn Anh",
        "Lê Ánh",
        "Nguyễn Thị Ánh",
        "Trần Ân",
        "Phạm Bình",
        "Đỗ Dương",
        "Bùi Đặng",
        "Hà Zô",
    ]


def test_family_name_breaks_ties_with_d_before_đ():
    assert name_sort_key("Dương Văn", "An") < name_sort_key("Đào Văn", "An")
    assert name_sort_key("Đào Văn", "An") < name_sort_key("Em Văn", "An")


def test_sort_key_is_plain_ascii_so_every_database_orders_it_alike():
    key = name_sort_key("Đặng Thị", "Ưng")
    assert key.isascii() and key.islower() and key.isalpha()


def test_tones_order_after_letters():
    # ngang < huyền < hỏi < ngã < sắc < nặng
    words = ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sorted(reversed(words), key=collation_key) == words


def test_unaccent_folds_diacritics_case_and_đ():
    assert unaccent("  Đặng   Thị ÁNH ") == "dang thi anh"
    assert unaccent("Ưng Ơn Ôn Ăn Ân Ê") == "ung on on an an e"


def test_split_full_name_takes_last_word_as_given_name():
    assert split_full_name(" Nguyễn  Thị   Ánh ") == ("Nguyễn Thị", "Ánh")
    assert split_full_name("Páo") == ("", "Páo")


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (6.5, 1, "6,5"),
        (8.25, 1, "8,3"),
        (1254, 0, "1.254"),
        ("1254567.891", 2, "1.254.567,89"),
        (-0.5, 1, "-0,5"),
    ],
)
def test_numbers_use_decimal_comma_and_dot_thousands(value, places, text):
    assert format_number(value, places) == text


def test_parse_date_reads_day_first():
    assert parse_date("05/09/2026").isoformat() == "2026-09-05"
    assert parse_date("5/9/2026").isoformat() == "2026-09-05"
    assert parse_date("2026-09-05").isoformat() == "2026-09-05"
    assert parse_date("31/02/2026") is None
    assert parse_date("hôm qua") is None


def test_vndate_shows_local_time_not_utc():
    import datetime as dt

    from lib.templatetags.vn import vndate

    moment = dt.datetime(2026, 11, 23, 11, 51, tzinfo=dt.UTC)
    assert vndate(moment) == "23/11/2026 18:51"
    assert vndate(dt.date(2026, 9, 5)) == "05/09/2026"
