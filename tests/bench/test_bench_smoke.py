"""The bench script's page list still works: every page it times answers 200 for the demo
account it logs in as (a tiny district, one request each; the real run is `make bench`)."""

from bench.run import demo_pages, format_table, time_pages
from schools.demo import DemoOptions, seed_district


def test_every_benchmarked_page_answers_200_for_its_demo_account(db):
    seed_district(DemoOptions(schools=2, classes_per_grade=1, students_per_class=2))
    results = time_pages(demo_pages(), n=1)
    for t in results:
        assert t.status == 200 or t.note.startswith("skipped"), (t.page.label, t.status)
    assert "p50 ms" in format_table(results, 1)
