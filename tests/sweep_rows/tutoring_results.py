"""Scoping-sweep rows of the results pages: School B's class for every URL with an id."""

OUTSIDE_KWARGS = {
    "results_class": lambda w: {"pk": w.c9b1.pk},
}
