"""Sweep rows for the results import: School B's waiting file, out of School A's reach."""

from tutoring.models import ResultImport


def _school_b_result_import(w):
    return ResultImport.objects.create(
        school=w.school_b,
        school_year=w.year_b,
        classroom=w.c9b1,
        term=1,
        file_name="b.xlsx",
        created_by=w.principal_b,
        data={"rows": [], "columns": []},
    )


OUTSIDE_KWARGS = {
    "results_import_preview": lambda w: {"pk": _school_b_result_import(w).pk},
}
