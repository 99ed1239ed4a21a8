from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TutoringConfig(AppConfig):
    name = "tutoring"
    verbose_name = _("Tutoring")

    def ready(self) -> None:
        from . import panels  # noqa: F401 - registers the home and student panels
