"""The early-warning panel of the home page (see lib/panels.py): leaders see the school's students
on the list without a case and the share covered; a GVCN the same for their class."""

from lib.panels import register
from schools.scoping import scope_for

from .scoping_cases import can_read_warning


@register("home", order=25)
def warning_home_panel(request, obj=None):
    """A placeholder the page fills with htmx from ``warning_home_panel``: the home page itself
    costs no query more, and the summary's own queries are pinned on its URL."""
    scope = scope_for(request.user)
    if scope.year is None or not can_read_warning(request.user):
        return None
    return "retention/warning/home_panel.html", {"leader": scope.is_leader}
