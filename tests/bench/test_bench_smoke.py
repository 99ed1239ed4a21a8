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
