"""Issue 6 in Chromium: a GVCN on a 390 px phone opens a risk case from an absence alert, records
a home visit with the parent's signature drawn on the screen, downloads the minute PDF (rendered
to PNG); after two more visits without a return the case is on the principal's escalated list."""

import datetime
import shutil
import subprocess

from django.utils import timezone
from playwright.sync_api import expect

from retention.models import AbsenceAlert, HomeVisit, RiskCase, VisitAttachment

from .conftest import SCREENSHOTS, ui_login


def _alert(world) -> AbsenceAlert:
    today = timezone.localdate()
    return AbsenceAlert.objects.create(
        student=world.s9a1[0],
        school_year=world.year_a,
        classroom=world.c9a1,
        kind=AbsenceAlert.Kind.CONSECUTIVE,
        level=0,
        reason="Nghỉ 4 ngày liên tiếp",
        first_day=today - datetime.timedelta(days=5),
        last_day=today - datetime.timedelta(days=1),
        opened_on=today - datetime.timedelta(days=1),
    )


def _draw(page, selector: str) -> None:
    """A signature: three strokes across the box with the mouse (pointer events)."""
    box = page.locator(selector).bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    for row in (0.35, 0.55, 0.7):
        page.mouse.move(x + w * 0.1, y + h * row)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(x + w * (0.1 + 0.07 * step), y + h * (row + (0.12 if step % 2 else 0)))
        page.mouse.up()


def _visit_without_anyone(phone, live_server, case: RiskCase, note: str) -> None:
    phone.goto(f"{live_server.url}/van-dong/ho-so/{case.pk}/tham-gia-dinh/")
    phone.get_by_label("Không gặp được gia đình").check()
    phone.locator("textarea[name=content]").fill(note)
    phone.get_by_label("Không có người ký").check()
    phone.locator("button[type=submit]", has_text="Lưu biên bản").click()
    phone.wait_for_load_state("networkidle")
    expect(phone.locator(".alert-success")).to_be_visible()


def test_gvcn_opens_a_case_from_an_alert_and_records_a_signed_visit(
    live_server, world, phone, desktop, shot, tmp_path
):
    alert = _alert(world)
    student = world.s9a1[0]
    refused = []  # what the Content-Security-Policy blocked on any page of the journey
    phone.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    ui_login(phone, live_server, "gvcn")

    # The alert list → "Open a risk case": the form comes pre-filled from the alert.
    phone.goto(f"{live_server.url}/si-so/canh-bao/")
    phone.locator(f'[data-alert="{alert.pk}"] a', has_text="Mở hồ sơ nguy cơ").click()
    phone.wait_for_load_state("networkidle")
    assert "Nghỉ 4 ngày liên tiếp" in phone.locator("textarea[name=summary]").input_value()
    shot(phone, "issue6-journey-open-case-390")
    phone.locator("button[type=submit]", has_text="Mở hồ sơ").last.click()
    phone.wait_for_load_state("networkidle")
    case = RiskCase.objects.get(student=student)
    assert case.source == RiskCase.Source.ALERT and case.alert_id == alert.pk
    assert case.owner == world.gvcn and case.status == RiskCase.Status.OPEN

    # Record the first visit at the family's home; the mother signs on the screen.
    phone.locator("#btn-visit").click()
    phone.wait_for_load_state("networkidle")
    phone.locator("input[name=person_0_name]").fill("Nguyễn Thị Hằng")
    phone.locator("select[name=person_0_relation]").select_option("mother")
    phone.locator("input[name=person_0_phone]").fill("0912345678")
    phone.locator("textarea[name=content]").fill("Em nghỉ 4 ngày để trông em nhỏ cho mẹ đi làm.")
    phone.locator("textarea[name=family_view]").fill("Gia đình khó khăn, xin cho em nghỉ ít hôm.")
    phone.get_by_label("Gia đình sẽ suy nghĩ thêm").check()
    phone.locator("textarea[name=commitments]").fill("Mẹ hứa sẽ thu xếp để em đi học lại.")
    phone.get_by_label("Ký trên màn hình").check()
    phone.locator("#signature-pad").scroll_into_view_if_needed()
    _draw(phone, "#signature-pad")
    phone.locator("input[name=signer_name]").fill("Nguyễn Thị Hằng")
    phone.screenshot(path=str(SCREENSHOTS / "issue6-journey-signature-390-viewport.png"))
    shot(phone, "issue6-journey-visit-form-390")
    phone.locator("button[type=submit]", has_text="Lưu biên bản").click()
    phone.wait_for_load_state("networkidle")
    visit = HomeVisit.objects.get(case=case)
    assert visit.number == 1 and visit.outcome == HomeVisit.Outcome.WILL_THINK
    assert visit.people_met[0]["name"] == "Nguyễn Thị Hằng"
    signature = VisitAttachment.objects.get(visit=visit, kind=VisitAttachment.Kind.SIGNATURE)
    assert bytes(signature.content).startswith(b"\x89PNG")
    expect(phone.locator("#signature-image")).to_be_visible()
    shot(phone, "issue6-journey-visit-detail-390")

    # Download the minute and look at it as a picture.
    with phone.expect_download() as download:
        phone.locator("a", has_text="Tải biên bản").first.click()
    pdf = tmp_path / "bien-ban.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "BIÊN BẢN" in text and "Nguyễn Thị Hằng" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert all(" yes " in line for line in fonts.splitlines()[2:]), fonts
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    shutil.copy(next(tmp_path.glob("p*.png")), SCREENSHOTS / "issue6-journey-minute-pdf.png")

    # Two more visits, nobody at home: the third failed visit escalates the case.
    _visit_without_anyone(phone, live_server, case, "Lần 2: gia đình đi vắng cả ngày.")
    case.refresh_from_db()
    assert case.escalated_at is None
    _visit_without_anyone(phone, live_server, case, "Lần 3: nhà khóa cửa, hàng xóm nói đi làm xa.")
    case.refresh_from_db()
    assert case.escalated_at is not None and case.visits.count() == 3
    assert refused == []

    # The principal sees it on the escalated list, with its visits.
    ui_login(desktop, live_server, "principal")
    desktop.goto(f"{live_server.url}/van-dong/bao-cao-len/")
    card = desktop.locator("body")
    expect(card).to_contain_text(student.full_name)
    expect(card).to_contain_text("9A1")
    shot(desktop, "issue6-journey-escalated-1280")
