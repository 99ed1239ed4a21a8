"""Home panel of the results import (see lib/panels.py): the gradebook files the user uploaded
and has not confirmed or discarded yet, so none is forgotten half-way. Nothing when there is
none; one query otherwise."""

from lib.panels import register
from schools.scoping import scope_for

from .models import ResultImport
from .scoping import in_school

WAITING_SHOWN = 5


@register("home", order=35)
def import_home_panel(request, obj=None):
    scope = scope_for(request.user)
    if not in_school(scope):
        return None
    waiting = list(
        ResultImport.objects.for_user(request.user)
        .filter(created_by=request.user, status=ResultImport.Status.PREVIEW)
        .select_related("classroom")
        .defer("data")
        .order_by("-created_at")[: WAITING_SHOWN + 1]
    )
    if not waiting:
        return None
    return "tutoring/import/home_panel.html", {
        "waiting": waiting[:WAITING_SHOWN],
        "more": len(waiting) > WAITING_SHOWN,
    }
