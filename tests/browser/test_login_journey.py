import re

from playwright.sync_api import expect

from .conftest import ui_login


def test_gvcn_on_a_phone_sees_only_their_class(live_server, world, phone, shot):
    ui_login(phone, live_server, "gvcn")
    expect(phone.locator("h1")).to_contain_text("Phạm Thị Chủ")
    phone.goto(f"{live_server.url}/hoc-sinh/")
    rows = phone.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(phone.locator("tbody")).to_contain_text("Ánh")
    expect(phone.locator("tbody")).not_to_contain_text("Bình")
    shot(phone, "gvcn-student-list-390")
    # Another school's class page answers 404.
    response = phone.goto(f"{live_server.url}/hoc-sinh/lop/{world.c9b1.pk}/")
    assert response.status == 404


def test_wrong_password_shows_a_clear_message(live_server, world, desktop):
    ui_login(desktop, live_server, "gvcn", password="sai-mat-khau")
    expect(desktop).to_have_url(re.compile(r"/dang-nhap/"))
    expect(desktop.locator(".alert, .invalid-feedback, .errorlist").first).to_contain_text(
        "mật khẩu"
    )
