"""Bench of issue 6's early-warning list and coverage page, used by ``bench/run.py``.

* ``ensure_risk_data()``: the demo district seeds risk cases, visits and mentors
  (``retention.demo_risk``); when a database has none (an older bench file), a few cases with a
  visit are added for the students the early-warning list shows, so the pages have cases to mark.
* ``risk_pages()``: the early-warning list (principal, GVCN), the coverage page, the home panel
  and the office's counts per school, each with the demo account that uses it.
* ``risk_actions()``: ``early_warning`` and ``coverage`` for the biggest school, then for every
  school of the district one after another (one run = all schools), and ``office_summary`` over
  the whole district.

Anything not there yet (a URL name, a function) is skipped with a note.
"""

from __future__ import annotations

SKIP_NO_WARNING = "skipped: no retention.selectors_warning yet"


# --- data ---------------------------------------------------------------------------------------


def ensure_risk_data(per_school: int = 5) -> str:
    """Add up to ``per_school`` open cases (owner: the school's principal, one failed visit)
    for listed students of every school when the database has no risk case at all."""
    try:
        from retention.models import HomeVisit, RiskCase
        from retention.selectors_warning import at_risk_student_ids
    except ImportError:
        return SKIP_NO_WARNING
    if RiskCase.objects.exists():
        return f"Risk data: {RiskCase.objects.count():,} cases already there"
    import datetime

    from django.utils import timezone

    from bench.tutoring import _principal_of
    from schools.models import SchoolYear

    added = 0
    for year in SchoolYear.objects.filter(is_current=True).select_related("school"):
        owner = _principal_of(year.school_id)
        if owner is None:
            continue
        opened = min(max(timezone.localdate(), year.start_date), year.end_date)
        for sid in sorted(at_risk_student_ids(year))[:per_school]:
            case = RiskCase.objects.create(
                school_year=year,
                student_id=sid,
                owner=owner,
                opened_on=opened,
                opened_by=owner,
                source=RiskCase.Source.WARNING,
                risk_factors="absences",
            )
            HomeVisit.objects.create(
                case=case,
                number=1,
                author=owner,
                started_at=timezone.make_aware(
                    datetime.datetime.combine(opened, datetime.time(15))
                ),
                content="Bench",
                outcome=HomeVisit.Outcome.NOBODY_HOME,
                signature_kind=HomeVisit.Signature.NONE,
            )
            added += 1
    return f"Risk data: {added:,} cases added for the bench"


# --- pages --------------------------------------------------------------------------------------


def risk_pages() -> list:
    """The issue-6 warning and coverage pages, as ``bench.run.Page`` rows."""
    from bench.run import Page

    try:
        import retention.views_warning  # noqa: F401
    except ImportError:
        return [Page("early-warning list", "warning_list", "hieutruong", skip=SKIP_NO_WARNING)]
    return [
        Page("early-warning list (principal)", "warning_list", "hieutruong"),
        Page("early-warning list (GVCN)", "warning_list", "gvcn"),
        Page(
            "early-warning, without a case", "warning_list", "hieutruong", query="without_case=on"
        ),
        Page("coverage (principal)", "coverage", "hieutruong"),
        Page("coverage (GVCN)", "coverage", "gvcn"),
        Page("early-warning home panel", "warning_home_panel", "hieutruong"),
        Page("risk counts per school (office)", "risk_office_summary", "phong"),
    ]


# --- actions ------------------------------------------------------------------------------------


def risk_actions() -> list:
    from bench.run import Action

    return [
        Action("early_warning, biggest school", "-", _prepare_biggest("early_warning")),
        Action("coverage, biggest school", "-", _prepare_biggest("coverage")),
        Action("early_warning, every school", "-", _prepare_every("early_warning")),
        Action("coverage, every school", "-", _prepare_every("coverage")),
        Action("office_summary, whole district", "-", _prepare_office),
    ]


def _function(name: str):
    if name == "early_warning":
        from retention.selectors_warning import early_warning

        return early_warning
    from retention.selectors_coverage import coverage

    return coverage


def _current_years() -> list:
    """Every school's current year, biggest school first (students enrolled now)."""
    from django.db.models import Count, Q

    from schools.models import SchoolYear

    return list(
        SchoolYear.objects.filter(is_current=True)
        .annotate(
            students=Count(
                "classrooms__enrollments",
                filter=Q(classrooms__enrollments__end_date__isnull=True),
            )
        )
        .select_related("school")
        .order_by("-students", "school__code")
    )


def _prepare_biggest(name: str):
    def prepare():
        try:
            run = _function(name)
        except ImportError:
            return SKIP_NO_WARNING
        years = _current_years()
        if not years:
            return "skipped: no school with a current year"
        year = years[0]
        return lambda _n: run(year)

    return prepare


def _prepare_every(name: str):
    def prepare():
        try:
            run = _function(name)
        except ImportError:
            return SKIP_NO_WARNING
        years = _current_years()
        if not years:
            return "skipped: no school with a current year"

        def every(_n):
            return [run(year) for year in years]

        return every

    return prepare


def _prepare_office():
    try:
        from retention.selectors_coverage import office_summary
    except ImportError:
        return SKIP_NO_WARNING
    from schools.models import School

    ids = set(School.objects.values_list("pk", flat=True))
    if not ids:
        return "skipped: no school"
    return lambda _n: office_summary(ids)


def district_figures() -> str:
    """One line: what the early-warning list and coverage find over the whole district."""
    try:
        from retention.selectors_coverage import office_summary
    except ImportError:
        return SKIP_NO_WARNING
    from schools.models import School

    data = office_summary(set(School.objects.values_list("pk", flat=True)))
    t = data.total
    share = "—" if t.percent is None else f"{t.percent} %"
    return (
        f"Risk: {len(data.rows)} schools, {t.students:,} students, {t.listed:,} on the "
        f"early-warning list, {t.active_cases:,} active cases ({t.escalated:,} escalated), "
        f"{t.visits:,} home visits this year, {t.covered:,} of {t.needing:,} needing someone "
        f"covered ({share})"
    )
