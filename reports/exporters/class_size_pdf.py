"""The monthly class-size report as PDF: a Mẫu 1.4 "BÁO CÁO" (NĐ 30/2020) with the narrative and
the signature on portrait pages, then the S3 table and the dropout list on landscape appendix
pages."""

from reports.class_size import ClassSizeReport
from reports.pdf import OfficialDocument, render_pdf


def class_size_document(report: ClassSizeReport) -> OfficialDocument:
    return OfficialDocument(
        governing_body=report.governing_body,
        issuer=report.school_name,
        number_line=report.document_number,
        place_date=report.place_date,
        kind="BÁO CÁO",
        subject=f"Sĩ số học sinh tháng {report.month_label}",
        recipients=report.recipients,
        signer_title="HIỆU TRƯỞNG",
        signer_name=report.signer_name,
    )


def class_size_pdf(report: ClassSizeReport) -> bytes:
    """PDF bytes of the report (names of dropouts only if the data object carries them)."""
    return render_pdf(
        "reports/class_size_pdf.html",
        {"report": report, "doc": class_size_document(report)},
        appendices=["reports/class_size_pdf_appendix.html"],
    )
