"""Shared helpers for the tutoring tests: subjects by code and a quick way to put results."""

from decimal import Decimal

import pytest

from schools.models import Subject
from tutoring.models import Comment, SubjectResult

SCORED = ["NV", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN"]
COMMENTED = ["GDTC", "NT", "HDTN", "GDDP"]


@pytest.fixture
def subjects(db) -> dict[str, Subject]:
    return {s.code: s for s in Subject.objects.all()}


def put_results(student, classroom, term, values: dict[str, object], *, source="manual"):
    """Create or replace SubjectResult rows: ``{"TOAN": "4,5", "GDTC": "CD", ...}``.

    Scores may be str with a decimal comma, int or Decimal; comments are "D" or "CD".
    Returns the rows. Does not classify: call the results service for that.
    """
    rows = []
    by_code = {s.code: s for s in Subject.objects.filter(code__in=values)}
    for code, value in values.items():
        subject = by_code[code]
        score, comment = None, ""
        if subject.assessment == Subject.Assessment.COMMENT:
            comment = Comment.PASS if value in ("D", "Đ", "Đạt") else Comment.FAIL
        else:
            score = Decimal(str(value).replace(",", "."))
        row, _ = SubjectResult.objects.update_or_create(
            student=student,
            school_year=classroom.school_year,
            subject=subject,
            term=term,
            defaults={
                "classroom": classroom,
                "score": score,
                "comment": comment,
                "source": source,
            },
        )
        rows.append(row)
    return rows


def full_results(scores=None, comments=None) -> dict[str, object]:
    """A whole term: 8 scored subjects (default 7,0) and 4 comment subjects (default Đạt)."""
    values: dict[str, object] = dict.fromkeys(SCORED, "7,0")
    values.update(dict.fromkeys(COMMENTED, "D"))
    values.update(scores or {})
    values.update(comments or {})
    return values
