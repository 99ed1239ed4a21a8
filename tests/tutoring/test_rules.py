"""Tests for tutoring.rules: the worked examples of REGULATIONS.md §10 and the TT58 rules."""

from decimal import Decimal

import pytest

from tutoring.rules import (
    CHUA_DAT,
    CHUA_DAT_LABEL,
    DAT,
    DAT_LABEL,
    KHA,
    TOT,
    TT26_GATE_SUBJECTS,
    AssessedBy,
    Award,
    HocLuc,
    Level,
    Outcome,
    SubjectKind,
    arts_assessment,
    award,
    comment_semester_result,
    comment_year_result,
    dropout_rate,
    end_of_year,
    is_weak_in_subject,
    learning_result,
    required_regular_assessments,
    round1,
    semester_average,
    tt58_hoc_luc,
    validate_score,
    year_average,
    year_conduct,
)

D = Decimal
SCORED_NAMES = ["Ngữ văn", "Toán", "Ngoại ngữ 1", "GDCD", "LS&ĐL", "KHTN", "Công nghệ", "Tin học"]
COMMENT_NAMES = ["GDTC", "Nghệ thuật", "HĐTN-HN", "GDĐP"]
ALL_DAT = [DAT_LABEL] * 4


def ds(*values: str) -> list[Decimal]:
    return [D(v) for v in values]


# ---- R0 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7.25", "7.3"),
        ("6.45", "6.5"),
        ("4.95", "5.0"),
        ("8.25", "8.3"),
        ("7.24", "7.2"),
        (8, "8.0"),
    ],
)
def test_round1_is_half_up(value, expected):
    assert round1(D(value) if isinstance(value, str) else value) == D(expected)


def test_round1_refuses_floats():
    with pytest.raises(ValueError, match="not float"):
        round1(8.25)


@pytest.mark.parametrize(
    ("value", "expected"), [("0", "0"), ("10", "10"), ("8,5", "8.5"), (7, "7")]
)
def test_validate_score_accepts(value, expected):
    assert validate_score(value) == D(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (D("-0.1"), "between 0 and 10"),
        (D("10.5"), "between 0 and 10"),
        (11, "between 0 and 10"),
        (D("8.25"), "at most one decimal"),
        ("7.75", "at most one decimal"),
        ("abc", "Not a number"),
        (D("NaN"), "finite"),
        (8.5, "not float"),
        (True, "not bool"),
        (None, "not NoneType"),
    ],
)
def test_validate_score_rejects(value, message):
    with pytest.raises(ValueError, match=message):
        validate_score(value)


# ---- R1 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "periods", "expected"),
    [
        (AssessedBy.COMMENT, 70, 2),
        ("comment", 105, 2),
        (AssessedBy.SCORE, 35, 2),
        (AssessedBy.SCORE, 36, 3),
        (AssessedBy.SCORE, 52, 3),  # Công nghệ grades 8-9
        (AssessedBy.SCORE, 70, 3),
        (AssessedBy.SCORE, 71, 4),
        (AssessedBy.SCORE, 140, 4),
    ],
)
def test_required_regular_assessments(kind, periods, expected):
    assert required_regular_assessments(kind, periods) == expected


@pytest.mark.parametrize(("kind", "periods"), [("oral", 35), ("score", 0), ("score", 35.0)])
def test_required_regular_assessments_rejects(kind, periods):
    with pytest.raises(ValueError):
        required_regular_assessments(kind, periods)


# ---- R2: worked examples A1-A3 --------------------------------------------------------------


def test_example_a1_toan_semesters_and_year():
    hk1 = semester_average(ds("8", "9", "7", "10"), D("7"), D("8"), required=4)
    hk2 = semester_average(ds("6", "7", "8", "9"), D("8.5"), D("7.5"), required=4)
    assert (hk1, hk2) == (D("8.0"), D("7.7"))
    assert year_average(hk1, hk2) == D("7.8")


def test_example_a2_cong_nghe_tie_rounds_half_up():
    assert semester_average(ds("8", "8", "8"), D("9"), D("8"), required=3) == D("8.3")
    assert round(66 / 8, 1) == 8.2  # the float pitfall the rule guards against


@pytest.mark.parametrize(("hk1", "hk2", "expected"), [("7.9", "8.0", "8.0"), ("7.8", "8.0", "7.9")])
def test_example_a3_year_average_from_rounded_semesters(hk1, hk2, expected):
    assert year_average(D(hk1), D(hk2)) == D(expected)


def test_semester_average_count_policy():
    with pytest.raises(ValueError, match="exactly 4"):
        semester_average(ds("8", "9", "7"), D("7"), D("8"), required=4)
    with pytest.raises(ValueError, match="at least 3"):
        semester_average(ds("8", "9"), D("7"), D("8"), required=3, at_least=True)
    assert semester_average(ds("8", "8", "8", "8"), D("8"), D("8"), required=3, at_least=True)
    with pytest.raises(ValueError, match="At least one regular"):
        semester_average([], D("7"), D("8"))
    with pytest.raises(ValueError, match="at most one decimal"):
        year_average(D("7.85"), D("8.0"))


# ---- R3 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regular", "gk", "ck", "expected"),
    [
        (["Đạt", "Đạt"], "Đạt", "Đạt", DAT_LABEL),
        (["Đ", "Đ"], "Đ", "Đ", DAT_LABEL),
        (["Đạt", "Chưa đạt"], "Đạt", "Đạt", CHUA_DAT_LABEL),
        (["Đạt"], "Đạt", "Đạt", CHUA_DAT_LABEL),  # one regular assessment missing
        (["Đạt", None], "Đạt", "Đạt", CHUA_DAT_LABEL),
        (["Đạt", "Đạt"], "Đạt", None, CHUA_DAT_LABEL),
    ],
)
def test_comment_semester_result(regular, gk, ck, expected):
    assert comment_semester_result(regular, gk, ck) == expected


@pytest.mark.parametrize(
    ("hk1", "hk2", "expected"),
    [
        ("Chưa đạt", "Đạt", DAT_LABEL),
        ("Đạt", "Chưa đạt", CHUA_DAT_LABEL),
        ("Đạt", "Đạt", DAT_LABEL),
    ],
)
def test_comment_year_result_is_semester_two(hk1, hk2, expected):
    assert comment_year_result(hk1, hk2) == expected


def test_arts_needs_both_parts_and_bad_comment_rejected():
    assert arts_assessment("Đạt", "Đạt") == DAT_LABEL
    assert arts_assessment("Đạt", "Chưa đạt") == CHUA_DAT_LABEL
    with pytest.raises(ValueError, match="Comment result must be"):
        comment_year_result("Đạt", "Tốt")


# ---- R4/R5: worked examples 1-8 ------------------------------------------------------------

# Order: Ngữ văn, Toán, Ngoại ngữ 1 (3.2), GDCD, LS&ĐL, KHTN (4.5), Công nghệ, Tin học.
EXAMPLE_8_SCORED = ds("6.0", "6.0", "3.2", "6.0", "6.0", "4.5", "6.0", "6.0")


@pytest.mark.parametrize(
    ("scored", "comments", "base", "expected", "trigger"),
    [
        pytest.param(
            ds("8.5", "8.0", "8.0", "9.0", "8.2", "8.0", "6.5", "7.9"),
            ALL_DAT,
            TOT,
            TOT,
            None,
            id="1-bounds-inclusive",
        ),
        pytest.param(
            ds("8.5", "7.9", "8.5", "8.5", "8.5", "8.5", "7.0", "7.0"),
            ALL_DAT,
            KHA,
            KHA,
            None,
            id="2-toan-7.9-khá",
        ),
        pytest.param(
            ds("8.5", "8.0", "8.5", "8.5", "8.5", "8.5", "7.0", "7.0"),
            ALL_DAT,
            TOT,
            TOT,
            None,
            id="2-toan-8.0-tốt",
        ),
        pytest.param(
            [D("8.5")] * 7 + [D("4.0")],
            ALL_DAT,
            DAT,
            KHA,
            (7, SubjectKind.SCORED),
            id="3-one-scored-drags-tot-to-dat",
        ),
        pytest.param(
            [D("9.0")] * 6 + ds("7.0", "3.4"),
            ALL_DAT,
            CHUA_DAT,
            DAT,
            (7, SubjectKind.SCORED),
            id="4-adjacent-level-only",
        ),
        pytest.param(
            [D("9.0")] * 8,
            [CHUA_DAT_LABEL, DAT_LABEL, DAT_LABEL, DAT_LABEL],
            DAT,
            KHA,
            (0, SubjectKind.COMMENT),
            id="5-one-comment-subject",
        ),
        pytest.param(
            [D("9.0")] * 8,
            [CHUA_DAT_LABEL, DAT_LABEL, CHUA_DAT_LABEL, DAT_LABEL],
            CHUA_DAT,
            CHUA_DAT,
            None,
            id="6-two-comment-subjects",
        ),
        pytest.param(
            [D("7.0")] * 6 + ds("4.9", "4.0"),
            ALL_DAT,
            DAT,
            DAT,
            None,
            id="7-two-low-no-retest",
        ),
        pytest.param(EXAMPLE_8_SCORED, ALL_DAT, CHUA_DAT, CHUA_DAT, None, id="8-before-summer"),
    ],
)
def test_learning_result_worked_examples(scored, comments, base, expected, trigger):
    result = learning_result(scored, comments)
    assert result.base_level is base
    assert result.level is expected
    assert result.adjusted is (base is not expected)
    if trigger is None:
        assert (result.trigger_index, result.trigger_kind) == (None, None)
    else:
        assert (result.trigger_index, result.trigger_kind) == trigger
    assert result.needs_review is False


def test_example_2_rounding_decides_the_level():
    scored = ds("8.5", "0", "8.5", "8.5", "8.5", "8.5", "7.0", "7.0")
    scored[1] = year_average(D("7.8"), D("8.0"))
    assert learning_result(scored, ALL_DAT).level is KHA
    scored[1] = year_average(D("7.9"), D("8.0"))
    assert learning_result(scored, ALL_DAT).level is TOT


def test_fewer_than_six_scored_subjects_flagged():
    result = learning_result([D("9.0")] * 5, ALL_DAT)
    assert result.level is CHUA_DAT
    assert result.needs_review is True


def test_level_labels_and_order():
    assert [lvl.label for lvl in sorted(Level, reverse=True)] == ["Tốt", "Khá", "Đạt", "Chưa đạt"]
    assert CHUA_DAT < DAT < KHA < TOT


# ---- R6: all 16 cells -----------------------------------------------------------------------

R6_TABLE = {  # hk2 -> [result for hk1 = Tốt, Khá, Đạt, Chưa đạt]
    TOT: [TOT, TOT, KHA, KHA],
    KHA: [KHA, KHA, KHA, DAT],
    DAT: [KHA, DAT, DAT, DAT],
    CHUA_DAT: [CHUA_DAT, CHUA_DAT, CHUA_DAT, CHUA_DAT],
}


@pytest.mark.parametrize(
    ("hk1", "hk2", "expected"),
    [
        pytest.param(hk1, hk2, row[i], id=f"hk1={hk1.label}-hk2={hk2.label}")
        for hk2, row in R6_TABLE.items()
        for i, hk1 in enumerate([TOT, KHA, DAT, CHUA_DAT])
    ],
)
def test_year_conduct_table(hk1, hk2, expected):
    assert year_conduct(hk1, hk2) is expected


# ---- R7 -------------------------------------------------------------------------------------


def named(values, names):
    return dict(zip(names, values, strict=True))


def test_example_7_promoted_without_retest():
    scored = named([D("7.0")] * 6 + ds("4.9", "4.0"), SCORED_NAMES)
    decision = end_of_year(TOT, scored, named(ALL_DAT, COMMENT_NAMES), 10)
    assert decision.outcome is Outcome.PROMOTED
    assert decision.retest_subjects == ()


def test_example_8_summer_retest_flow():
    scored = named([D("6.0")] * 8, SCORED_NAMES)
    scored["KHTN"], scored["Ngoại ngữ 1"] = D("4.5"), D("3.2")
    comments = named(ALL_DAT, COMMENT_NAMES)
    first = end_of_year(TOT, scored, comments, 10)
    assert first.outcome is Outcome.RETEST
    assert first.learning.level is CHUA_DAT
    assert set(first.retest_subjects) == {"KHTN", "Ngoại ngữ 1"}

    final = end_of_year(
        TOT, scored, comments, 10, retest_results={"KHTN": D("5.5"), "Ngoại ngữ 1": D("4.0")}
    )
    assert final.learning.level is DAT
    assert final.outcome is Outcome.PROMOTED


def test_example_6_retests_both_comment_subjects():
    comments = named([CHUA_DAT_LABEL, DAT_LABEL, CHUA_DAT_LABEL, DAT_LABEL], COMMENT_NAMES)
    scored = named([D("9.0")] * 8, SCORED_NAMES)
    decision = end_of_year(KHA, scored, comments, 0)
    assert decision.outcome is Outcome.RETEST
    assert decision.retest_subjects == ("GDTC", "HĐTN-HN")
    final = end_of_year(
        KHA, scored, comments, 0, retest_results={"GDTC": "Đạt", "HĐTN-HN": "Chưa đạt"}
    )
    assert final.learning.level is KHA  # adjusted: one comment subject drags Tốt to Đạt
    assert final.outcome is Outcome.PROMOTED
    failed = end_of_year(
        KHA, scored, comments, 0, retest_results={"GDTC": "Chưa đạt", "HĐTN-HN": "Chưa đạt"}
    )
    assert failed.outcome is Outcome.RETAINED


def test_retest_results_must_cover_every_listed_subject():
    comments = named([CHUA_DAT_LABEL, DAT_LABEL, CHUA_DAT_LABEL, DAT_LABEL], COMMENT_NAMES)
    with pytest.raises(ValueError, match="HĐTN-HN"):
        end_of_year(
            KHA, named([D("9.0")] * 8, SCORED_NAMES), comments, 0, retest_results={"GDTC": "Đạt"}
        )


@pytest.mark.parametrize(("absences", "outcome"), [(45, Outcome.PROMOTED), (46, Outcome.RETAINED)])
def test_absences_limit(absences, outcome):
    scored = named([D("9.0")] * 8, SCORED_NAMES)
    assert end_of_year(TOT, scored, named(ALL_DAT, COMMENT_NAMES), absences).outcome is outcome


def test_too_many_absences_retained_even_if_summer_work_pending():
    scored = named([D("4.0")] * 8, SCORED_NAMES)
    decision = end_of_year(CHUA_DAT, scored, named(ALL_DAT, COMMENT_NAMES), 50)
    assert decision.outcome is Outcome.RETAINED


def test_summer_training_then_retest():
    scored = named([D("6.0")] * 7 + [D("3.0")], SCORED_NAMES)
    comments = named(ALL_DAT, COMMENT_NAMES)
    assert end_of_year(CHUA_DAT, scored, comments, 5).outcome is Outcome.SUMMER_TRAINING
    after = end_of_year(CHUA_DAT, scored, comments, 5, summer_conduct=DAT)
    assert after.outcome is Outcome.RETEST
    assert after.retest_subjects == ("Tin học",)
    done = end_of_year(
        CHUA_DAT, scored, comments, 5, summer_conduct=DAT, retest_results={"Tin học": "5"}
    )
    assert (done.outcome, done.conduct) == (Outcome.PROMOTED, DAT)


@pytest.mark.parametrize(
    ("summer", "outcome"), [(DAT, Outcome.PROMOTED), (CHUA_DAT, Outcome.RETAINED)]
)
def test_summer_training_only(summer, outcome):
    scored = named([D("7.0")] * 8, SCORED_NAMES)
    comments = named(ALL_DAT, COMMENT_NAMES)
    assert end_of_year(CHUA_DAT, scored, comments, 0, summer_conduct=summer).outcome is outcome


def test_failed_summer_training_means_no_retest():
    scored = named([D("4.0")] * 8, SCORED_NAMES)
    decision = end_of_year(
        CHUA_DAT, scored, named(ALL_DAT, COMMENT_NAMES), 0, summer_conduct=CHUA_DAT
    )
    assert decision.outcome is Outcome.RETAINED
    assert decision.retest_subjects == ()


def test_end_of_year_rejects_negative_absences():
    with pytest.raises(ValueError, match="absences"):
        end_of_year(TOT, named([D("9.0")] * 8, SCORED_NAMES), {}, -1)


# ---- R8 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conduct", "learning", "scored", "expected"),
    [
        (TOT, TOT, [D("9.0")] * 6 + [D("8.0")] * 2, Award.EXCELLENT),
        (TOT, TOT, [D("9.0")] * 5 + [D("8.9")] * 3, Award.GOOD),
        (KHA, TOT, [D("9.5")] * 8, None),
        (TOT, KHA, [D("9.5")] * 8, None),
    ],
)
def test_awards(conduct, learning, scored, expected):
    assert award(conduct, learning, scored) is expected


def test_award_labels():
    assert (Award.EXCELLENT.label, Award.GOOD.label) == ("Học sinh Xuất sắc", "Học sinh Giỏi")


# ---- R10 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dropouts", "enrolled", "expected"),
    [
        (3, 400, D("0.75")),
        (1, 3, D("33.33")),
        (2, 3, D("66.67")),
        (0, 250, D("0.00")),
        (1, 0, None),
        (0, 0, None),
    ],
)
def test_dropout_rate(dropouts, enrolled, expected):
    assert dropout_rate(dropouts, enrolled) == expected


@pytest.mark.parametrize(("dropouts", "enrolled"), [(-1, 10), (1, -10), (1.0, 10)])
def test_dropout_rate_rejects(dropouts, enrolled):
    with pytest.raises(ValueError):
        dropout_rate(dropouts, enrolled)


# ---- is_weak_in_subject ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "threshold", "expected"),
    [
        (D("4.9"), D("5.0"), True),
        (D("5.0"), D("5.0"), False),
        ("4,5", D("5.0"), True),
        (CHUA_DAT_LABEL, D("5.0"), True),
        (DAT_LABEL, D("5.0"), False),
        (D("6.0"), D("6.5"), True),
    ],
)
def test_is_weak_in_subject(value, threshold, expected):
    assert is_weak_in_subject(value, threshold) is expected


# ---- TT58 học lực ---------------------------------------------------------------------------


def tt58(toan, van, others, comments=("Đ", "Đ", "Đ"), **kwargs):
    scored = {"Toán": D(toan), "Ngữ văn": D(van)}
    scored.update({f"Môn {i}": D(v) for i, v in enumerate(others)})
    return tt58_hoc_luc(scored, list(comments), **kwargs)


@pytest.mark.parametrize(
    ("toan", "van", "others", "comments", "average", "expected"),
    [
        pytest.param(
            "8.0",
            "7.0",
            ["8.0"] * 6 + ["8.5"],
            "ĐĐĐ",
            "7.9",
            HocLuc.KHA,
            id="X-7.944-rounds-to-7.9",
        ),
        pytest.param(
            "8.0",
            "7.0",
            ["8.0"] * 6 + ["8.6"],
            "ĐĐĐ",
            "8.0",
            HocLuc.GIOI,
            id="X-7.956-rounds-to-8.0",
        ),
        pytest.param("8.0", "7.0", ["8.5"] * 7, "ĐĐĐ", "8.3", HocLuc.GIOI, id="gioi"),
        pytest.param("7.9", "7.9", ["8.5"] * 7, "ĐĐĐ", "8.4", HocLuc.KHA, id="gioi-gate-fails"),
        pytest.param("6.5", "6.0", ["7.0"] * 7, "ĐĐĐ", "6.8", HocLuc.KHA, id="kha"),
        pytest.param("5.0", "5.0", ["5.5"] * 7, "ĐĐĐ", "5.4", HocLuc.TRUNG_BINH, id="tb"),
        pytest.param("4.0", "4.0", ["4.0"] * 7, "ĐĐĐ", "4.0", HocLuc.YEU, id="yeu"),
        pytest.param(
            "6.0", "6.0", ["6.0"] * 7, ["Đ", "CĐ", "Đ"], "6.0", HocLuc.YEU, id="yeu-comment-cd"
        ),
        pytest.param("3.0", "3.0", ["3.0"] * 7, "ĐĐĐ", "3.0", HocLuc.KEM, id="kem-average"),
        pytest.param(
            "5.0", "5.0", ["5.0"] * 6 + ["1.5"], "ĐĐĐ", "4.6", HocLuc.KEM, id="kem-subject-below-2"
        ),
    ],
)
def test_tt58_levels(toan, van, others, comments, average, expected):
    result = tt58(toan, van, others, list(comments))
    assert result.average == D(average)
    assert result.level is expected
    assert result.adjusted is False


@pytest.mark.parametrize(
    ("toan", "van", "others", "comments", "base", "expected", "trigger"),
    [
        pytest.param(
            "9.0",
            "9.0",
            ["9.0"] * 6 + ["4.0"],
            "ĐĐĐ",
            HocLuc.TRUNG_BINH,
            HocLuc.KHA,
            "Môn 6",
            id="gioi-to-tb-becomes-kha",
        ),
        pytest.param(
            "9.0",
            "9.0",
            ["9.0"] * 6 + ["3.0"],
            "ĐĐĐ",
            HocLuc.YEU,
            HocLuc.TRUNG_BINH,
            "Môn 6",
            id="gioi-to-yeu-becomes-tb",
        ),
        pytest.param(
            "9.0",
            "9.0",
            ["9.0"] * 7,
            ["Đ", "CĐ", "Đ"],
            HocLuc.YEU,
            HocLuc.TRUNG_BINH,
            "1",
            id="gioi-to-yeu-by-comment-becomes-tb",
        ),
        pytest.param(
            "7.0",
            "7.0",
            ["7.0"] * 6 + ["3.0"],
            "ĐĐĐ",
            HocLuc.YEU,
            HocLuc.TRUNG_BINH,
            "Môn 6",
            id="kha-to-yeu-becomes-tb",
        ),
        pytest.param(
            "7.5",
            "7.5",
            ["7.5"] * 6 + ["1.5"],
            "ĐĐĐ",
            HocLuc.KEM,
            HocLuc.YEU,
            "Môn 6",
            id="kha-to-kem-becomes-yeu",
        ),
        pytest.param(
            "4.0",
            "9.0",
            ["9.0"] * 7,
            "ĐĐĐ",
            HocLuc.TRUNG_BINH,
            HocLuc.KHA,
            "Toán",
            id="gioi-to-tb-by-toan",
        ),
    ],
)
def test_tt58_adjustments(toan, van, others, comments, base, expected, trigger):
    result = tt58(toan, van, others, list(comments))
    assert (result.base_level, result.level, result.trigger_subject) == (base, expected, trigger)
    assert result.adjusted is True


@pytest.mark.parametrize(
    ("toan", "van", "others", "expected"),
    [
        pytest.param("9.0", "9.0", ["9.0"] * 6 + ["6.0"], HocLuc.KHA, id="gioi-to-kha-one-step"),
        pytest.param(
            "9.0",
            "9.0",
            ["9.0"] * 5 + ["4.0", "4.0"],
            HocLuc.TRUNG_BINH,
            id="two-subjects-no-adjustment",
        ),
    ],
)
def test_tt58_no_adjustment(toan, van, others, expected):
    result = tt58(toan, van, others)
    assert result.level is expected
    assert result.adjusted is False


def test_tt58_foreign_language_gate_from_2020():
    scored = {"Toán": D("7.5"), "Ngữ văn": D("7.5"), "Ngoại ngữ": D("9.0")}
    scored.update({f"Môn {i}": D("8.5") for i in range(6)})
    assert tt58_hoc_luc(scored).level is HocLuc.KHA
    assert tt58_hoc_luc(scored, gate_subjects=TT26_GATE_SUBJECTS).level is HocLuc.GIOI


def test_tt58_labels_and_errors():
    assert [h.label for h in sorted(HocLuc, reverse=True)] == [
        "Giỏi",
        "Khá",
        "Trung bình",
        "Yếu",
        "Kém",
    ]
    with pytest.raises(ValueError, match="gate subjects"):
        tt58_hoc_luc({"Lịch sử": D("8.0")})
    with pytest.raises(ValueError, match="At least one"):
        tt58_hoc_luc({})
