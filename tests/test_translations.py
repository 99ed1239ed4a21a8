"""Every UI string has its Vietnamese translation, and Vietnamese is what people see."""

import contextlib
import shutil
import subprocess

import polib
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation


@pytest.fixture
def extracted_catalogue(settings, tmp_path):
    """Extract msgids into a copy of the catalogue (the repo's file stays untouched).

    makemessages writes to the ``locale`` folder nearest to each source file and also adds
    ``./locale`` of the working directory, so it runs in a mirror of the project whose code
    folders are links and whose ``locale`` is the copy."""
    mirror = tmp_path / "src"
    mirror.mkdir()
    for entry in settings.BASE_DIR.iterdir():
        if entry.name not in {"locale", ".venv", ".git", ".cache", "out", "node_modules"}:
            (mirror / entry.name).symlink_to(entry)
    locale = mirror / "locale"
    shutil.copytree(settings.BASE_DIR / "locale", locale)
    settings.LOCALE_PATHS = [locale]
    with contextlib.chdir(mirror):
        call_command(
            "makemessages",
            locale=["vi"],
            no_obsolete=True,
            no_location=True,
            symlinks=True,
            ignore_patterns=["static/*", "bench/*", "tests/*", ".venv/*"],
            verbosity=0,
        )
    return polib.pofile(str(locale / "vi" / "LC_MESSAGES" / "django.po"))


def test_every_message_has_a_vietnamese_translation(extracted_catalogue):
    missing = [
        e.msgid
        for e in extracted_catalogue
        if (not e.msgstr and not any(e.msgstr_plural.values())) or "fuzzy" in e.flags
    ]
    assert missing == [], f"{len(missing)} messages lack a Vietnamese translation: {missing[:20]}"


def test_catalogue_compiles_without_format_errors(settings, tmp_path):
    po = settings.BASE_DIR / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(tmp_path / "out.mo"), str(po)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_vietnamese_is_the_default_language(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="vi"' in response.content.decode()
    with translation.override("vi"):
        assert translation.gettext("Log in") == "Đăng nhập"
