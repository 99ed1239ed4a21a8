"""Login throttling, forced password change, security headers, no personal data in URLs."""

from django.urls import reverse

from schools.services import password_set

from .conftest import login


def _try(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_repeated_failures_lock_the_account_with_a_clear_message(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _try(client, "gvcn", "wrong-password")
        assert response.status_code == 200
    locked = _try(client, "gvcn", "wrong-password")
    assert locked.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    # Even the right password is refused while locked.
    assert _try(client, "gvcn", "demo1234").status_code == 429


def test_right_password_logs_in(client, world):
    response = _try(client, "gvcn", "demo1234")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_reset_password_must_be_changed_before_anything_else(client, world):
    password_set(user=world.gvcn, password="TamThoi-2026")
    login(client, world.gvcn)
    response = client.get(reverse("student_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "TamThoi-2026",
            "new_password1": "Rieng-Cua-Toi-2026",
            "new_password2": "Rieng-Cua-Toi-2026",
        },
    )
    assert response.status_code == 302
    client.get(response["Location"])
    world.gvcn.refresh_from_db()
    assert world.gvcn.must_change_password is False
    assert client.get(reverse("student_list")).status_code == 200


def test_pages_carry_a_strict_content_security_policy(client, world):
    login(client, world.principal)
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_scripts(settings):
    from pathlib import Path

    offenders = []
    for path in Path(settings.BASE_DIR).glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for chunk in text.split("<script")[1:]:
            if "src=" not in chunk.split(">")[0]:
                offenders.append(str(path))
        if " onclick=" in text or " onsubmit=" in text:
            offenders.append(str(path))
    assert offenders == []


def test_logging_in_does_not_add_to_the_audit_trail(client, world):
    before = world.gvcn.history.count()
    _try(client, "gvcn", "demo1234")
    assert world.gvcn.history.count() == before


def test_page_title_names_the_page_then_the_app(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "<title>Đăng nhập · Đồng Hành</title>" in html
