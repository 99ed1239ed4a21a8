"""Exporters: pure functions from one report data object to bytes (no queries, no clock).

The web page, these files, the Phụ lục issue's consolidated downloads and the ``export_report``
command all read the same data object, so they cannot disagree.
"""

from .class_size_pdf import class_size_pdf
from .class_size_xlsx import class_size_xlsx

__all__ = ["class_size_pdf", "class_size_xlsx"]
