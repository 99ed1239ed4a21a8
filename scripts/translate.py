"""Refresh the Vietnamese catalogue: extract msgids, fill empty ones from locale/vi_parts/*.json.

Usage: DJANGO_DEBUG=1 .venv/bin/python scripts/translate.py [--check]
Prints every msgid still without a translation (and exits 1 with --check when there is one).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def main() -> int:
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "vi",
            "--no-obsolete",
            "--no-location",
            "--ignore=static/*",
            "--ignore=bench/*",
            "--ignore=tests/*",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    parts: dict[str, str] = {}
    for path in sorted((ROOT / "locale" / "vi_parts").glob("*.json")):
        parts.update(json.loads(path.read_text(encoding="utf-8")))
    po = polib.pofile(str(PO), wrapwidth=0)
    po.metadata["Language"] = "vi"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    missing = []
    for entry in po:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = {}
        text = parts.get(entry.msgid)
        if entry.msgid_plural:
            if not entry.msgstr_plural.get(0):
                if text:
                    entry.msgstr_plural = {0: text}
                else:
                    missing.append(entry.msgid)
        elif not entry.msgstr:
            if text:
                entry.msgstr = text
            else:
                missing.append(entry.msgid)
    po.save()
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"{len(po)} messages, {len(missing)} untranslated")
    return 1 if missing and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
