"""The bench script's page list still works: every page it times answers 200 for the demo
account it logs in as, and the roll-call save runs (a tiny district with its attendance, one
request each; the real run is `make bench`)."""

from bench.run import (
    attendance_counts,
    demo_actions,
    demo_pages,
    format_table,
    time_actions,
    time_pages,
)
from schools.demo import DemoOptions, seed_district


def test_every_benchmarked_page_answers_200_for_its_demo_account(db):
    seed_district(DemoOptions(schools=2, classes_per_grade=1, students_per_class=4))
    results = time_pages(demo_pages(), n=1)
    for t in results:
        assert t.status == 200 or t.note.startswith("skipped"), (t.page.label, t.status)
    actions = time_actions(demo_actions(), n=2)
    for t in actions:
        assert t.p50 is not None, (t.page.label, t.note)
    assert "p50 ms" in format_table(results + actions, 1)
    assert "roll calls" in attendance_counts()


def test_the_tutoring_pages_are_timed_and_a_district_import_runs(db):
    from bench.tutoring import time_district_import, tutoring_actions, tutoring_pages
    from tutoring.models import ResultImport, SubjectResult, Term

    seed_district(DemoOptions(schools=2, classes_per_grade=1, students_per_class=4))
    for t in time_pages(tutoring_pages(), n=1):
        assert t.status == 200, (t.page.label, t.status, t.note)
    (imported,) = time_actions(tutoring_actions(), n=2)
    assert imported.p50 is not None, imported.note
    this_year = SubjectResult.objects.filter(term=Term.HK1, school_year__is_current=True)
    assert this_year.values("classroom_id").distinct().count() == 1  # the GVCN's class
    assert this_year.count() == 12 * this_year.values("student_id").distinct().count() > 0

    out = time_district_import(limit=3)
    assert (out.classes, out.failures, len(out.times)) == (3, [], 3)
    assert out.students > 0 and out.results == 12 * out.students
    assert ResultImport.objects.filter(status="applied").count() == 3 + 3  # the action's 3 too
    assert "per class: p50" in out.format()
