"""PDF rendering for every official document (WeasyPrint), laid out per Nghị định 30/2020.

``render_pdf(template, context)`` renders a Django template to PDF bytes. Templates extend
``reports/document_base.html``, which draws the NĐ 30 frame from an ``OfficialDocument`` passed as
``doc``: the two-column header (governing body / issuing unit / number; quốc hiệu / tiêu ngữ /
place and date), the title, the body, and the "Nơi nhận" + signature block kept together; A4
portrait, margins T20 B20 L30 R15 mm, page numbers top-centre from page 2. Wide tables go in
appendices (``reports/appendix_base.html``, A4 landscape), each rendered as its own part so it is
numbered on its own, and joined after the document.

Fonts: Times New Roman where installed, else Liberation Serif (metric-compatible, full Vietnamese
coverage — a deviation to flag to districts that require TNR itself), embedded by WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string

FONT_STACK = '"Times New Roman", "Liberation Serif", "DejaVu Serif", serif'


@dataclass
class OfficialDocument:
    """What the NĐ 30 frame prints around a document's body."""

    governing_body: str  # cơ quan chủ quản, upright caps (e.g. "UBND XÃ LONG PHÚ")
    issuer: str  # the issuing unit, bold caps (e.g. "TRƯỜNG THCS LONG PHÚ")
    number_line: str  # "Số: 05/BC-THCS"
    place_date: str  # "Long Phú, ngày 20 tháng 11 năm 2026" (empty for a biên bản)
    kind: str  # tên loại: "BÁO CÁO"
    subject: str = ""  # trích yếu
    recipients: list[str] = field(default_factory=list)
    signer_title: str = "HIỆU TRƯỞNG"
    signer_name: str = ""

    @property
    def governing_body_caps(self) -> str:
        return self.governing_body.upper()

    @property
    def issuer_caps(self) -> str:
        return self.issuer.upper()


def render_pdf(template_name: str, context: dict, *, appendices: Sequence[str] = ()) -> bytes:
    """Render a document template, then each appendix template (``appendix_base.html``), with
    the same context, into one PDF. Each part is laid out on its own so an appendix numbers its
    pages from 1. No queries: the context holds plain data."""
    from weasyprint import HTML  # imported on first use: ~2 s

    context = {"font_stack": FONT_STACK, **context}
    parts = [
        HTML(string=render_to_string(name, context), base_url=str(settings.BASE_DIR)).render()
        for name in (template_name, *appendices)
    ]
    pages = [page for part in parts for page in part.pages]
    return parts[0].copy(pages).write_pdf()
