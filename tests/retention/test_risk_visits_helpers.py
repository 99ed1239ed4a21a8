"""Helpers of the visit tests: images (a drawn signature, photos), the form's POST data, a case
opened a month ago, and PDF readers."""

import base64
import datetime
import io
import subprocess
import uuid
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from retention.models import HomeVisit

from .risk_helpers import make_case


def png_bytes(size=(300, 120), *, blank=False, color=(11, 31, 77, 255)) -> bytes:
    """A transparent canvas like the browser's, with a stroke unless ``blank``."""
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    if not blank:
        ImageDraw.Draw(image).line([(10, 90), (80, 20), (150, 100), (280, 30)], fill=color, width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def data_url(raw: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(raw).decode()}"


def signature_url(**kw) -> str:
    return data_url(png_bytes(**kw))


def jpeg_bytes(size=(400, 300), color=(200, 180, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def noisy_png(target_bytes: int) -> bytes:
    """A real PNG larger than ``target_bytes`` (random pixels do not compress)."""
    import os

    side = int((target_bytes / 3) ** 0.5) + 20
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def visit_day() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


def when(day=None, hour=15, minute=0) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day or visit_day(), datetime.time(hour, minute))
    )


def open_case(world, student=None, owner=None, **kw):
    """An open case of a 9A1 student (owner: the GVCN), opened 30 days ago."""
    student = student or world.s9a1[0]
    kw.setdefault("opened_on", timezone.localdate() - datetime.timedelta(days=30))
    return make_case(student, owner or world.gvcn, **kw)


def post_data(world, *, client_id=None, **overrides) -> dict:
    """What the visit form posts: yesterday 15:00–16:00 at home, the GVCN present, the mother
    met, the family will think about it, signed on the screen."""
    data = {
        "client_id": str(client_id or uuid.uuid4()),
        "date": visit_day().strftime("%d/%m/%Y"),
        "start_time": "15:00",
        "end_time": "16:00",
        "place": HomeVisit.Place.HOME,
        "address": "Thôn 3, xã Long Phú",
        "latitude": "",
        "longitude": "",
        "staff": [str(world.gvcn.pk)],
        "person_0_name": "Nguyễn Thị Mẹ",
        "person_0_relation": "mother",
        "person_0_phone": "0912345678",
        "content": "Trao đổi về việc em nghỉ học nhiều ngày.",
        "family_view": "Gia đình khó khăn, em phải trông em nhỏ.",
        "causes": ["1b"],
        "outcome": HomeVisit.Outcome.WILL_THINK,
        "commitments": "Gia đình hứa sẽ suy nghĩ.",
        "next_step": "Thăm lại gia đình",
        "signature_kind": HomeVisit.Signature.DRAWN,
        "signature": signature_url(),
        "signer_name": "Nguyễn Thị Mẹ",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def service_data(**overrides) -> dict:
    """What ``visit_record`` takes as ``data`` (yesterday at 15:00, the mother met)."""
    data = {
        "started_at": when(),
        "ended_at": datetime.time(16, 0),
        "place": HomeVisit.Place.HOME,
        "address": "Thôn 3",
        "people_met": [{"name": "Nguyễn Thị Mẹ", "relation": "mother", "phone": "0912"}],
        "content": "Trao đổi về việc em nghỉ học.",
        "causes": ["1b", "2c"],
        "outcome": HomeVisit.Outcome.WILL_THINK,
        "signature_kind": HomeVisit.Signature.NONE,
        "signer_name": "",
    }
    data.update(overrides)
    return data


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "minute.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_fonts(content: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(content)
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [line.split() for line in lines]


def pdf_images(content: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "images.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]


@pytest.fixture(name="case")
def case_fixture(world):
    """An open case of Nguyễn Thị Ánh (9A1), the GVCN in charge, opened 30 days ago."""
    return open_case(world)
