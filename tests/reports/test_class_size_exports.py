"""The XLSX and PDF files of the monthly class-size report: reopened with openpyxl, recalculated
by LibreOffice, read back with pdftotext and pdffonts, and rendered to an image."""

import datetime
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reports.class_size import class_size_report, report_from_json, report_to_json
from reports.exporters import class_size_pdf, class_size_xlsx
from reports.exporters.class_size_xlsx import FIRST_DATA_ROW, HEAD_TOP, NUMBERING_ROW, SHEET
from reports.services import class_size_report_text_save
from retention import services_classsize
from retention.services_classsize import class_size_confirm

from .scenario import worked_example

D = datetime.date
MONTH = D(2026, 10, 1)
# scripts/setup.sh installs both for `make test`: a missing tool fails these tests.
needs_soffice = pytest.mark.usefixtures("_soffice_installed")
needs_poppler = pytest.mark.usefixtures("_poppler_installed")


@pytest.fixture
def _soffice_installed():
    assert shutil.which("soffice"), "LibreOffice (soffice) is missing: run scripts/setup.sh test"


@pytest.fixture
def _poppler_installed():
    assert shutil.which("pdftotext"), "poppler-utils are missing: run scripts/setup.sh test"


@pytest.fixture
def report(world, monkeypatch):
    day = D(2026, 11, 23)
    monkeypatch.setattr(services_classsize, "today", lambda: day)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    world.school_a.governing_body = "UBND xã Long Phú"
    world.school_a.commune = "Xã Long Phú"
    world.school_a.save()
    worked_example(world)
    for classroom in (world.c9a1, world.c8a1):  # 9A2 stays unconfirmed
        class_size_confirm(
            classroom=classroom, month=MONTH, user=world.gvcn, explanation="x", on=D(2026, 11, 2)
        )
    class_size_report_text_save(
        school=world.school_a,
        month=MONTH,
        user=world.principal,
        data={"number": "7", "measures": "GVCN đến nhà vận động em Bình trở lại lớp."},
    )
    return class_size_report(world.school_a, MONTH, today=day, include_names=True)


# --- XLSX -------------------------------------------------------------------------------------


def _sheet(content: bytes):
    return load_workbook(io.BytesIO(content))[SHEET]


def _rows_by_label(ws):
    return {
        str(ws.cell(row=r, column=2).value).removesuffix(" (*)"): r
        for r in range(FIRST_DATA_ROW, ws.max_row + 1)
        if ws.cell(row=r, column=2).value
    }


def test_xlsx_has_the_heading_and_the_merged_head_of_the_form(report):
    ws = _sheet(class_size_xlsx(report))
    assert ws["A1"].value == "UBND XÃ LONG PHÚ"
    assert ws["A2"].value == "TRƯỜNG THCS A"
    assert ws["A3"].value == "Số: 07/BC-THCS"
    assert ws["M1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert ws["M3"].value == "Long Phú, ngày 23 tháng 11 năm 2026"
    assert ws["A5"].value == "BÁO CÁO SĨ SỐ HỌC SINH THÁNG 10/2026"
    merged = {str(r) for r in ws.merged_cells.ranges}
    top, mid = HEAD_TOP, HEAD_TOP + 1
    for cells in (
        f"A{top}:A{top + 2}",  # TT
        f"D{top}:F{top}",  # Sĩ số đầu năm
        f"H{top}:I{top}",  # Tăng trong tháng
        f"J{top}:L{top}",  # Giảm trong tháng
        f"P{top}:U{top}",  # Lũy kế
        f"R{mid}:T{mid}",  # Bỏ học (lũy kế)
        f"W{top}:W{top + 2}",  # Ghi chú
    ):
        assert cells in merged
    assert ws[f"D{top}"].value == "Sĩ số đầu năm"
    assert ws[f"R{mid}"].value == "Bỏ học"
    assert [ws.cell(row=NUMBERING_ROW, column=c).value for c in (1, 13, 23)] == [
        "(1)",
        "(13)",
        "(23)",
    ]


def test_xlsx_counts_are_numbers_and_totals_and_rates_are_formulas(report):
    ws = _sheet(class_size_xlsx(report))
    rows = _rows_by_label(ws)
    a1 = rows["9A1"]
    row = next(r for r in report.class_rows if r.label == "9A1")
    assert [ws.cell(row=a1, column=c).value for c in range(3, 21)] == row.values[:18]
    assert ws.cell(row=a1, column=21).value == f"=IF(D{a1}>0,R{a1}/D{a1}*100,0)"
    assert ws.cell(row=a1, column=21).number_format == "0.00"
    block9, total = rows["Khối 9"], rows["Tổng cộng"]
    assert ws.cell(row=block9, column=4).value == f"=SUM(D{block9 + 1}:D{block9 + 2})"
    # Chi's move 9A1 → 9A2 is taken out of the block's (8) and (10), in the formula itself.
    assert ws.cell(row=block9, column=8).value == f"=SUM(H{block9 + 1}:H{block9 + 2})-1"
    block8 = rows["Khối 8"]
    assert ws.cell(row=total, column=13).value == f"=M{block8}+M{block9}"
    assert ws.cell(row=total, column=8).value == f"=H{block8}+H{block9}-1"  # Dương 8A1 → 9A1
    assert "chưa xác nhận" in str(ws.cell(row=rows["9A2"], column=23).value).lower()
    for r in range(1, ws.max_row + 1):
        for c in range(1, 24):
            cell = ws.cell(row=r, column=c)
            if cell.value is not None:
                assert cell.font.name == "Times New Roman", cell.coordinate


def test_xlsx_is_set_up_for_printing(report):
    ws = _sheet(class_size_xlsx(report))
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.freeze_panes == f"C{FIRST_DATA_ROW}"
    assert ws.print_area.startswith("'Sĩ số'!$A$1:$W$")
    assert ws.print_title_rows.replace("$", "") == f"{HEAD_TOP}:{NUMBERING_ROW}"


def test_xlsx_dropout_list_sheet(report):
    wb = load_workbook(io.BytesIO(class_size_xlsx(report)))
    ws = wb["DS bỏ học"]
    names = [ws.cell(row=r, column=2).value for r in range(7, 9)]
    assert sorted(names) == sorted(d.full_name for d in report.dropouts)
    assert any("nhiều nguyên nhân" in str(ws.cell(row=r, column=1).value) for r in range(9, 13))


@needs_soffice
def test_libreoffice_opens_the_xlsx_and_its_formulas_give_the_reports_figures(report, tmp_path):
    source = tmp_path / "report.xlsx"
    source.write_bytes(class_size_xlsx(report))
    out = tmp_path / "out"
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        timeout=180,
    )
    ws = load_workbook(out / "report.xlsx", data_only=True)[SHEET]
    rows = _rows_by_label(ws)
    for row in report.rows:
        excel = rows[row.label]
        got = [ws.cell(row=excel, column=c).value for c in range(3, 23)]
        expected = row.values
        assert got[:18] == expected[:18], row.label
        assert round(got[18], 2) == float(expected[18]), row.label
        assert got[19] == expected[19], row.label


# --- PDF --------------------------------------------------------------------------------------


def _pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@needs_poppler
def test_pdf_text_is_searchable_vietnamese_with_every_font_embedded(report, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(class_size_pdf(report))
    text = _pdftotext(path)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND XÃ LONG PHÚ",
        "TRƯỜNG THCS A",
        "Số: 07/BC-THCS",
        "Long Phú, ngày 23 tháng 11 năm 2026",
        "BÁO CÁO",
        "Sĩ số học sinh tháng 10/2026",
        "GVCN đến nhà vận động em Bình trở lại lớp.",
        "Nơi nhận:",
        "HIỆU TRƯỞNG",
        "PHỤ LỤC",
        "9A1",
        "Khối 9",
        "Tổng cộng",
        "22,22",  # the school's dropout rate, Vietnamese decimal comma
        "DANH SÁCH HỌC SINH BỎ HỌC TRONG THÁNG 10/2026",
        "Phạm Văn Bình",
        "tổng các nguyên nhân có thể lớn hơn số học sinh bỏ học",
    ):
        assert expected in text, expected
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts
    for line in fonts:
        columns = line.split()
        assert columns[-5] == "yes", line  # emb
        assert columns[-3] == "yes", line  # uni


@needs_poppler
def test_pdf_pages_number_from_two_and_the_appendix_on_its_own(report, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(class_size_pdf(report))
    pages = _pdftotext(path).split("\f")
    first_lines = [p.strip().splitlines()[0].strip() if p.strip() else "" for p in pages]
    assert first_lines[0].startswith("UBND")  # page 1: no number
    appendix = next(i for i, p in enumerate(pages) if "PHỤ LỤC" in p)
    assert first_lines[appendix] == "PHỤ LỤC"  # the appendix's page 1: no number
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "9", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "841.89 x 595.276" in info or "842 x 595" in info  # a landscape page is there
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "2", str(path), str(tmp_path / "p")],
        check=True,
    )
    assert list(tmp_path.glob("p-*.png"))


def test_exporters_make_no_queries(report, django_assert_num_queries):
    with django_assert_num_queries(0):
        class_size_xlsx(report)
        class_size_pdf(report)


def test_the_office_files_carry_no_names(world, report):
    office = class_size_report(world.school_a, MONTH, today=D(2026, 11, 23), include_names=False)
    wb = load_workbook(io.BytesIO(class_size_xlsx(office)))
    assert wb.sheetnames == [SHEET]
    pdf = class_size_pdf(office)
    assert "Bình".encode() not in pdf


def test_a_frozen_report_gives_the_same_files(report):
    """A submitted report is a snapshot (issue 7): JSON in, the same figures out."""
    frozen = json.loads(json.dumps(report_to_json(report)))
    again = report_from_json(frozen)
    assert again == report
    before, after = _sheet(class_size_xlsx(report)), _sheet(class_size_xlsx(again))
    for r in range(1, before.max_row + 1):
        for c in range(1, 24):
            assert before.cell(row=r, column=c).value == after.cell(row=r, column=c).value
