"""The principal imports a class list exported from SMAS and sees the class, in Vietnamese order."""

from playwright.sync_api import expect

from lib.samples import SAMPLE_ROWS, roster_xlsx
from students.models import Student

from .conftest import ui_login


def test_principal_imports_a_roster_and_sees_the_class(live_server, world, desktop, shot, tmp_path):
    sample = tmp_path / "danh-sach-9A2.xlsx"
    sample.write_bytes(roster_xlsx("Trường THCS A", "9A2", SAMPLE_ROWS))
    ui_login(desktop, live_server, "principal")
    desktop.goto(f"{live_server.url}/hoc-sinh/")
    desktop.get_by_role("link", name="Nhập danh sách lớp").click()
    desktop.set_input_files("input[type=file]", str(sample))
    shot(desktop, "roster-upload")
    desktop.locator("#roster-upload button[type=submit]").click()
    desktop.wait_for_load_state("networkidle")
    expect(desktop.locator("#import-actions")).to_be_visible()
    expect(desktop.locator("body")).to_contain_text("Thạch Thị Sa Rây")
    shot(desktop, "roster-preview")
    desktop.once("dialog", lambda dialog: dialog.accept())  # "Import these students now?"
    desktop.locator("#import-actions button[value=apply]").click()
    desktop.wait_for_load_state("networkidle")
    assert Student.objects.filter(school=world.school_a, code__startswith="HS26").count() == 8
    shot(desktop, "roster-applied")

    desktop.goto(f"{live_server.url}/hoc-sinh/lop/{world.c9a2.pk}/")
    names = desktop.locator("#class-list tbody tr td:nth-child(2)").all_inner_texts()
    # Trần Văn Bình was already in 9A2. Order by tên: Anh < Ánh < Ân < Bảo < Bình < Đức …
    assert names == [
        "Lê Văn Anh",
        "Nguyễn Thị Ánh",
        "Trần Ngọc Ân",
        "Đặng Quốc Bảo",
        "Trần Văn Bình",
        "Võ Minh Đức",
        "Thạch Thị Sa Rây",
        "Danh Sơn",
        "Huỳnh Thị Yến",
    ]
    shot(desktop, "roster-class-9A2")
