"""Home-page panel: a homeroom teacher whose monthly class-size confirmation is due."""

from django.core.exceptions import ValidationError

from lib.panels import register
from schools.models import Classroom, SchoolSettings
from schools.scoping import scope_for

from . import services_classsize
from .models import ClassSizeConfirmation
from .services_classsize import check_report_month, confirmation_window, first_of_month


@register("home", order=30)
def classsize_confirmation_due(request, obj=None):
    """Shown from the day the window opens until the teacher's classes are confirmed (late ones
    too). Three queries, and none for anyone who is not a homeroom teacher."""
    scope = scope_for(request.user)
    if not scope.homeroom_class_ids or scope.year is None:
        return None
    on = services_classsize.today()
    month = first_of_month(on)
    try:
        check_report_month(scope.year, month, on=on)
    except ValidationError:
        return None
    window = confirmation_window(SchoolSettings.for_school(scope.year.school_id), month, on=on)
    if not window.is_open:
        return None
    classes = (
        Classroom.objects.filter(pk__in=scope.homeroom_class_ids, school_year=scope.year)
        .exclude(pk__in=ClassSizeConfirmation.objects.filter(month=month).values("classroom_id"))
        .order_by("grade", "name")
    )
    classes = list(classes)
    if not classes:
        return None
    return "retention/classsize/panel.html", {"classes": classes, "window": window, "month": month}
