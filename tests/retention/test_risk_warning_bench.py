"""The bench of the early-warning list and coverage (``bench/risk.py``) still runs: on a tiny demo
district every page answers 200 for its demo account and every timed function runs."""

import pytest

from bench.risk import district_figures, ensure_risk_data, risk_actions, risk_pages
from bench.run import time_actions, time_pages
from retention.models import RiskCase
from schools.demo import DemoOptions, seed_district

pytestmark = pytest.mark.django_db


def test_the_risk_pages_and_functions_are_timed(db):
    seed_district(DemoOptions(schools=2, classes_per_grade=1, students_per_class=4))
    for t in time_pages(risk_pages(), n=1):
        assert t.status == 200, (t.page.label, t.status, t.note)
    for t in time_actions(risk_actions(), n=1):
        assert t.p50 is not None, (t.page.label, t.note)
    assert "2 schools" in district_figures()


def test_cases_are_added_when_the_district_has_none(db):
    seed_district(DemoOptions(schools=1, classes_per_grade=1, students_per_class=6, risk=False))
    assert not RiskCase.objects.exists()
    message = ensure_risk_data(per_school=2)
    added = RiskCase.objects.count()
    assert 0 < added <= 2 and message.endswith("cases added for the bench")
    assert all(c.visits.count() == 1 for c in RiskCase.objects.all())
    assert "already there" in ensure_risk_data()
    assert RiskCase.objects.count() == added
