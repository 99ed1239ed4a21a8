"""Assessment rules of Thông tư 22/2021/TT-BGDĐT (and the old Thông tư 58/2011 học lực) as code.

Pure functions only: no models, no database. Every number is a ``Decimal``; floats are rejected.
The rule numbers (R0–R10) refer to REGULATIONS.md §10 "Rules as code"; TT58 refers to §2.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum, IntEnum, StrEnum

ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")
SCORE_MIN = Decimal("0")
SCORE_MAX = Decimal("10")

# Plain labels (not gettext): these are the legal terms printed in the học bạ.
DAT_LABEL = "Đạt"
CHUA_DAT_LABEL = "Chưa đạt"

MIN_SUBJECTS_FOR_LEVEL = 6  # "ít nhất 06 môn" in TT22 Điều 9 khoản 2
MAX_ABSENCES = 45  # TT22 Điều 12 khoản 1 điểm c
WEAK_THRESHOLD = Decimal("5.0")


# --------------------------------------------------------------------------------------------
# R0. Numbers and rounding
# --------------------------------------------------------------------------------------------


def round1(x: Decimal | int | str) -> Decimal:
    """Round to one decimal, half-up (7.25 -> 7.3). TT22 Điều 5 khoản 3 điểm b; R0.

    Floats are refused: binary floats cannot represent 8.25 tie-breaking reliably.
    """
    return _to_decimal(x).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _to_decimal(x: object) -> Decimal:
    if isinstance(x, bool) or isinstance(x, float):
        raise ValueError(f"Use Decimal, int or str for scores, not {type(x).__name__}: {x!r}.")
    if isinstance(x, Decimal):
        value = x
    elif isinstance(x, int | str):
        try:
            value = Decimal(str(x).strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"Not a number: {x!r}.") from None
    else:
        raise ValueError(f"Use Decimal, int or str for scores, not {type(x).__name__}: {x!r}.")
    if not value.is_finite():
        raise ValueError(f"Score must be a finite number, got {x!r}.")
    return value


def validate_score(x: Decimal | int | str) -> Decimal:
    """Check one assessment score: in [0, 10] with at most one decimal. TT22 Điều 5 khoản 3; R0.

    Accepts a decimal comma ("8,5"). Returns the score as a Decimal; raises ValueError otherwise.
    """
    value = _to_decimal(x)
    if value < SCORE_MIN or value > SCORE_MAX:
        raise ValueError(f"Score must be between 0 and 10, got {x!r}.")
    if value != value.quantize(ONE_DECIMAL):
        raise ValueError(f"Score may have at most one decimal place, got {x!r}.")
    return value


# --------------------------------------------------------------------------------------------
# Levels and comment results
# --------------------------------------------------------------------------------------------


class Level(IntEnum):
    """The four TT22 levels, ordered: Chưa đạt < Đạt < Khá < Tốt (Điều 8 and Điều 9 khoản 2)."""

    CHUA_DAT = 0
    DAT = 1
    KHA = 2
    TOT = 3

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]


_LEVEL_LABELS = {
    Level.TOT: "Tốt",
    Level.KHA: "Khá",
    Level.DAT: DAT_LABEL,
    Level.CHUA_DAT: CHUA_DAT_LABEL,
}

TOT, KHA, DAT, CHUA_DAT = Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT

_PASS_SPELLINGS = {"đạt", "đ"}
_FAIL_SPELLINGS = {"chưa đạt", "cđ"}


def comment_passed(result: str | None) -> bool:
    """True for "Đạt" ("Đ"), False for "Chưa đạt" ("CĐ") or a missing result; else ValueError."""
    if result is None:
        return False
    key = result.strip().lower()
    if key in _PASS_SPELLINGS:
        return True
    if key in _FAIL_SPELLINGS:
        return False
    raise ValueError(f"Comment result must be {DAT_LABEL!r} or {CHUA_DAT_LABEL!r}, got {result!r}.")


def _comment_label(passed: bool) -> str:
    return DAT_LABEL if passed else CHUA_DAT_LABEL


# --------------------------------------------------------------------------------------------
# R1. Required number of regular assessments
# --------------------------------------------------------------------------------------------


class AssessedBy(StrEnum):
    """How a subject is assessed (TT22 Điều 5)."""

    COMMENT = "comment"
    SCORE = "score"


def required_regular_assessments(assessed_by: AssessedBy | str, periods_per_year: int) -> int:
    """Number of regular assessments (ĐĐGtx) per semester. TT22 Điều 6 khoản 2; R1.

    Comment subjects: 2. Scored subjects: 2 up to 35 periods/year, 3 up to 70, 4 above 70.
    One mid-term and one end-of-term assessment come on top, for both kinds (Điều 7).
    """
    kind = AssessedBy(assessed_by)
    if isinstance(periods_per_year, bool) or not isinstance(periods_per_year, int):
        raise ValueError(f"periods_per_year must be an integer, got {periods_per_year!r}.")
    if periods_per_year <= 0:
        raise ValueError(f"periods_per_year must be positive, got {periods_per_year}.")
    if kind is AssessedBy.COMMENT:
        return 2
    if periods_per_year <= 35:
        return 2
    if periods_per_year <= 70:
        return 3
    return 4


# --------------------------------------------------------------------------------------------
# R2. Scored subject averages
# --------------------------------------------------------------------------------------------


def semester_average(
    regular: Sequence[Decimal | int | str],
    midterm: Decimal | int | str,
    final: Decimal | int | str,
    *,
    required: int | None = None,
    at_least: bool = False,
) -> Decimal:
    """ĐTBmhk = round1((ΣTX + 2·GK + 3·CK) / (nTX + 5)). TT22 Điều 9 khoản 1 điểm b; R2.

    ``required`` (from R1) makes the count strict: exactly that many regular scores, or at least
    that many with ``at_least=True``. Raises ValueError when the average is not computable.
    """
    scores = [validate_score(s) for s in regular]
    if not scores:
        raise ValueError("At least one regular assessment score is required.")
    if required is not None:
        if at_least and len(scores) < required:
            raise ValueError(f"Need at least {required} regular scores, got {len(scores)}.")
        if not at_least and len(scores) != required:
            raise ValueError(f"Need exactly {required} regular scores, got {len(scores)}.")
    total = sum(scores, Decimal(0)) + 2 * validate_score(midterm) + 3 * validate_score(final)
    return round1(total / Decimal(len(scores) + 5))


def year_average(hk1: Decimal | int | str, hk2: Decimal | int | str) -> Decimal:
    """ĐTBmcn = round1((ĐTBmhkI + 2·ĐTBmhkII) / 3). TT22 Điều 9 khoản 1 điểm b; R2.

    The inputs are the rounded semester averages as printed in the học bạ (one decimal).
    """
    return round1((validate_score(hk1) + 2 * validate_score(hk2)) / Decimal(3))


# --------------------------------------------------------------------------------------------
# R3. Comment-only subject results
# --------------------------------------------------------------------------------------------


def comment_semester_result(
    regular: Sequence[str | None],
    midterm: str | None,
    final: str | None,
    *,
    required_regular: int = 2,
) -> str:
    """Semester result of a comment subject. TT22 Điều 9 khoản 1 điểm a; R3.

    "Đạt" iff all required assessments exist (``required_regular`` TX + GK + CK) and all are Đạt.
    A missing assessment is ``None``.
    """
    assessments = [*regular, midterm, final]
    if len(regular) < required_regular:
        return CHUA_DAT_LABEL
    return _comment_label(all(comment_passed(a) for a in assessments))


def comment_year_result(hk1: str | None, hk2: str | None) -> str:
    """Year result of a comment subject = the semester II result. TT22 Điều 9 khoản 1 điểm a; R3.

    ``hk1`` is accepted for symmetry and ignored, as the Circular says.
    """
    return _comment_label(comment_passed(hk2))


def arts_assessment(music: str | None, fine_arts: str | None) -> str:
    """One Nghệ thuật assessment is Đạt only if both its Âm nhạc and Mĩ thuật parts are Đạt. R3."""
    return _comment_label(comment_passed(music) and comment_passed(fine_arts))


def is_weak_in_subject(result: Decimal | int | str, threshold: Decimal = WEAK_THRESHOLD) -> bool:
    """A subject result below the pass mark: a score < ``threshold`` or a "Chưa đạt" comment.

    Used by TT22 Điều 14 (re-test subjects) and TT29 eligibility (R11).
    """
    if isinstance(result, str):
        try:
            return not comment_passed(result)
        except ValueError:
            pass  # maybe a score written as text, e.g. "4,5"
    return validate_score(result) < threshold


# --------------------------------------------------------------------------------------------
# R4 / R5. Learning result (kết quả học tập) with the one-subject adjustment
# --------------------------------------------------------------------------------------------


class SubjectKind(StrEnum):
    SCORED = "scored"
    COMMENT = "comment"


@dataclass(frozen=True)
class LearningResult:
    """Result of R4 + R5. ``trigger_*`` name the single subject behind an adjustment."""

    base_level: Level
    level: Level
    trigger_index: int | None = None
    trigger_kind: SubjectKind | None = None
    needs_review: bool = False

    @property
    def adjusted(self) -> bool:
        return self.level != self.base_level


def _base_level(scored: Sequence[Decimal], comments_passed: Sequence[bool]) -> Level:
    """R4 thresholds (TT22 Điều 9 khoản 2), all inclusive, on rounded values."""
    n_cd = sum(1 for ok in comments_passed if not ok)
    lowest = min(scored) if scored else None

    def cnt(t: str) -> int:
        return sum(1 for s in scored if s >= Decimal(t))

    if lowest is None:
        return CHUA_DAT
    if n_cd == 0 and lowest >= Decimal("6.5") and cnt("8.0") >= MIN_SUBJECTS_FOR_LEVEL:
        return TOT
    if n_cd == 0 and lowest >= Decimal("5.0") and cnt("6.5") >= MIN_SUBJECTS_FOR_LEVEL:
        return KHA
    if n_cd <= 1 and lowest >= Decimal("3.5") and cnt("5.0") >= MIN_SUBJECTS_FOR_LEVEL:
        return DAT
    return CHUA_DAT


def learning_result(
    scored: Sequence[Decimal | int | str], comments: Sequence[str | None]
) -> LearningResult:
    """Semester or year kết quả học tập. TT22 Điều 9 khoản 2 (R4) and khoản 3 (R5).

    ``scored``: ĐTBmhk (semester) or ĐTBmcn (year) of every scored subject; ``comments``: the
    comment-subject results of the same period. If removing one single subject (of either
    kind) would lift the level by two steps or more, the level is raised to the adjacent one.
    Fewer than 6 scored subjects cannot reach Đạt: ``needs_review`` flags that for a human.
    """
    values = [validate_score(s) for s in scored]
    passed = [comment_passed(c) for c in comments]
    base = _base_level(values, passed)

    best, trigger_index, trigger_kind = base, None, None
    for i in range(len(values)):
        ref = _base_level(values[:i] + values[i + 1 :], passed)
        if ref > best:
            best, trigger_index, trigger_kind = ref, i, SubjectKind.SCORED
    for i in range(len(passed)):
        ref = _base_level(values, passed[:i] + passed[i + 1 :])
        if ref > best:
            best, trigger_index, trigger_kind = ref, i, SubjectKind.COMMENT

    needs_review = len(values) < MIN_SUBJECTS_FOR_LEVEL
    if best - base >= 2:
        return LearningResult(base, Level(base + 1), trigger_index, trigger_kind, needs_review)
    return LearningResult(base, base, needs_review=needs_review)


# --------------------------------------------------------------------------------------------
# R6. Rèn luyện for the year
# --------------------------------------------------------------------------------------------


def year_conduct(hk1: Level, hk2: Level) -> Level:
    """Year kết quả rèn luyện from the two semester levels. TT22 Điều 8; R6."""
    hk1, hk2 = Level(hk1), Level(hk2)
    if hk2 is TOT:
        return TOT if hk1 >= KHA else KHA
    if hk2 is KHA:
        return KHA if hk1 >= DAT else DAT
    if hk2 is DAT:
        return KHA if hk1 is TOT else DAT
    return CHUA_DAT


# --------------------------------------------------------------------------------------------
# R7. End of year
# --------------------------------------------------------------------------------------------


class Outcome(StrEnum):
    PROMOTED = "promoted"  # lên lớp / hoàn thành chương trình THCS (grade 9)
    SUMMER_TRAINING = "summer_training"  # rèn luyện trong kì nghỉ hè (Điều 13), pending
    RETEST = "retest"  # kiểm tra, đánh giá lại (Điều 14), pending
    RETAINED = "retained"  # ở lại lớp


@dataclass(frozen=True)
class EndOfYearDecision:
    outcome: Outcome
    conduct: Level  # after summer re-assessment when given
    learning: LearningResult  # after re-tests when given
    retest_subjects: tuple[str, ...] = ()


def end_of_year(
    conduct: Level,
    scored: Mapping[str, Decimal | int | str],
    comments: Mapping[str, str | None],
    absences: int,
    *,
    summer_conduct: Level | None = None,
    retest_results: Mapping[str, Decimal | int | str] | None = None,
) -> EndOfYearDecision:
    """Promotion decision. TT22 Điều 12 (promotion), 13 (summer training), 14 (re-tests); R7.

    ``conduct`` is the year rèn luyện, ``scored`` maps subject -> ĐTBmcn, ``comments`` maps
    subject -> year result, ``absences`` counts excused and unexcused sessions. Call again with
    ``summer_conduct`` (the principal's re-assessment) and/or ``retest_results`` (subject -> new
    score or comment result, one for every subject listed) once the summer work is done.
    Pending summer steps return SUMMER_TRAINING or RETEST. Students with disabilities are decided
    by the principal (Điều 12 khoản 4) and are out of scope here.
    """
    if isinstance(absences, bool) or not isinstance(absences, int) or absences < 0:
        raise ValueError(f"absences must be a non-negative integer, got {absences!r}.")
    conduct = Level(conduct)
    scores = {name: validate_score(v) for name, v in scored.items()}
    results = {name: _comment_label(comment_passed(v)) for name, v in comments.items()}
    learning = learning_result(list(scores.values()), list(results.values()))

    if conduct >= DAT and learning.level >= DAT and absences <= MAX_ABSENCES:
        return EndOfYearDecision(Outcome.PROMOTED, conduct, learning)
    if absences > MAX_ABSENCES:
        return EndOfYearDecision(Outcome.RETAINED, conduct, learning)

    if conduct is CHUA_DAT:
        if summer_conduct is None:
            return EndOfYearDecision(Outcome.SUMMER_TRAINING, conduct, learning)
        conduct = Level(summer_conduct)

    if conduct >= DAT and learning.level is CHUA_DAT:
        to_retest = tuple(
            [name for name, v in scores.items() if v < WEAK_THRESHOLD]
            + [name for name, v in results.items() if not comment_passed(v)]
        )
        if retest_results is None:
            return EndOfYearDecision(Outcome.RETEST, conduct, learning, to_retest)
        missing = [name for name in to_retest if name not in retest_results]
        if missing:
            raise ValueError(f"Missing re-test results for: {', '.join(missing)}.")
        for name in to_retest:
            if name in scores:
                scores[name] = validate_score(retest_results[name])
            else:
                results[name] = _comment_label(comment_passed(str(retest_results[name])))
        learning = learning_result(list(scores.values()), list(results.values()))
        outcome = Outcome.PROMOTED if learning.level >= DAT else Outcome.RETAINED
        return EndOfYearDecision(outcome, conduct, learning, to_retest)

    outcome = Outcome.PROMOTED if conduct >= DAT and learning.level >= DAT else Outcome.RETAINED
    return EndOfYearDecision(outcome, conduct, learning)


# --------------------------------------------------------------------------------------------
# R8. Awards
# --------------------------------------------------------------------------------------------


class Award(Enum):
    EXCELLENT = "Học sinh Xuất sắc"
    GOOD = "Học sinh Giỏi"

    @property
    def label(self) -> str:
        return self.value


def award(
    conduct_year: Level, learning_year: Level, scored_year: Sequence[Decimal | int | str]
) -> Award | None:
    """Year title. TT22 Điều 15; R8.

    Xuất sắc: rèn luyện Tốt, học tập Tốt and at least 6 ĐTBmcn >= 9.0. Giỏi: both Tốt.
    """
    if Level(conduct_year) is not TOT or Level(learning_year) is not TOT:
        return None
    high = sum(1 for s in scored_year if validate_score(s) >= Decimal("9.0"))
    return Award.EXCELLENT if high >= MIN_SUBJECTS_FOR_LEVEL else Award.GOOD


# --------------------------------------------------------------------------------------------
# R10. Dropout rate
# --------------------------------------------------------------------------------------------


def dropout_rate(dropouts: int, enrolled_at_start: int) -> Decimal | None:
    """100 · dropouts / enrolment at the start of the year, half-up to 2 decimals. R10 (GSO).

    Returns None when nobody was enrolled (the rate is undefined). The same formula gives the
    repeat rate with repeaters as the numerator.
    """
    for name, value in (("dropouts", dropouts), ("enrolled_at_start", enrolled_at_start)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}.")
    if enrolled_at_start == 0:
        return None
    rate = Decimal(100) * Decimal(dropouts) / Decimal(enrolled_at_start)
    return rate.quantize(TWO_DECIMALS, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# TT58/2011 học lực (historical records only)
# --------------------------------------------------------------------------------------------


class HocLuc(IntEnum):
    """TT58 Điều 13 học lực levels, ordered Kém < Yếu < Trung bình < Khá < Giỏi."""

    KEM = 0
    YEU = 1
    TRUNG_BINH = 2
    KHA = 3
    GIOI = 4

    @property
    def label(self) -> str:
        return _HOC_LUC_LABELS[self]


_HOC_LUC_LABELS = {
    HocLuc.GIOI: "Giỏi",
    HocLuc.KHA: "Khá",
    HocLuc.TRUNG_BINH: "Trung bình",
    HocLuc.YEU: "Yếu",
    HocLuc.KEM: "Kém",
}

TT58_GATE_SUBJECTS = ("Toán", "Ngữ văn")
TT26_GATE_SUBJECTS = ("Toán", "Ngữ văn", "Ngoại ngữ")  # from 2020-21 (TT26/2020)

# TT58 Điều 13 khoản 6: (level X qualifies for, level reached) -> adjusted level.
_TT58_ADJUSTMENTS = {
    (HocLuc.GIOI, HocLuc.TRUNG_BINH): HocLuc.KHA,
    (HocLuc.GIOI, HocLuc.YEU): HocLuc.TRUNG_BINH,
    (HocLuc.KHA, HocLuc.YEU): HocLuc.TRUNG_BINH,
    (HocLuc.KHA, HocLuc.KEM): HocLuc.YEU,
}


@dataclass(frozen=True)
class HocLucResult:
    average: Decimal  # ĐTBhk / ĐTBcn, the plain mean rounded to one decimal (Điều 11)
    base_level: HocLuc
    level: HocLuc
    trigger_subject: str | None = None

    @property
    def adjusted(self) -> bool:
        return self.level != self.base_level


def _tt58_level(
    average: Decimal,
    scored: Mapping[str, Decimal],
    comments_ok: bool,
    gate_subjects: Collection[str],
) -> HocLuc:
    lowest = min(scored.values())
    gate = max((scored[g] for g in gate_subjects if g in scored), default=Decimal(-1))
    for level, t, floor in (
        (HocLuc.GIOI, "8.0", "6.5"),
        (HocLuc.KHA, "6.5", "5.0"),
        (HocLuc.TRUNG_BINH, "5.0", "3.5"),
    ):
        if (
            average >= Decimal(t)
            and gate >= Decimal(t)
            and lowest >= Decimal(floor)
            and comments_ok
        ):
            return level
    if average >= Decimal("3.5") and lowest >= Decimal("2.0"):
        return HocLuc.YEU
    return HocLuc.KEM


def tt58_hoc_luc(
    scored: Mapping[str, Decimal | int | str],
    comments: Mapping[str, str | None] | Sequence[str | None] = (),
    *,
    gate_subjects: Collection[str] = TT58_GATE_SUBJECTS,
) -> HocLucResult:
    """Học lực under TT58/2011 Điều 13 (with the khoản 6 adjustment), for historical records.

    ``scored`` maps subject -> ĐTBmhk/ĐTBmcn; ``comments`` are the Đ/CĐ subject results.
    ``gate_subjects``: at least one must reach the level's threshold (Toán or Ngữ văn; pass
    ``TT26_GATE_SUBJECTS`` to add Ngoại ngữ from 2020-21). The average X is the plain mean of
    the scored subjects (no coefficients), rounded half-up to one decimal.
    Adjustment: when X reaches Giỏi/Khá but one single subject pulls the level down, the four
    cases of khoản 6 apply. "One subject" is tested by treating that one subject as perfect
    (score 10 or Đạt) while X stays as computed.
    """
    if not scored:
        raise ValueError("At least one scored subject is required.")
    if not any(g in scored for g in gate_subjects):
        raise ValueError(f"None of the gate subjects {', '.join(gate_subjects)} is present.")
    values = {name: validate_score(v) for name, v in scored.items()}
    comment_items = (
        list(comments.items()) if isinstance(comments, Mapping) else list(enumerate(comments))
    )
    passed = {key: comment_passed(v) for key, v in comment_items}
    average = round1(sum(values.values(), Decimal(0)) / Decimal(len(values)))
    base = _tt58_level(average, values, all(passed.values()), gate_subjects)

    for name in values:
        ref = _tt58_level(average, {**values, name: SCORE_MAX}, all(passed.values()), gate_subjects)
        if (ref, base) in _TT58_ADJUSTMENTS:
            return HocLucResult(average, base, _TT58_ADJUSTMENTS[ref, base], name)
    for key in passed:
        ref = _tt58_level(average, values, all({**passed, key: True}.values()), gate_subjects)
        if (ref, base) in _TT58_ADJUSTMENTS:
            return HocLucResult(average, base, _TT58_ADJUSTMENTS[ref, base], str(key))
    return HocLucResult(average, base, base)
