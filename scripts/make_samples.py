"""Write the sample import files shipped in docs/samples/ (python scripts/make_samples.py)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.samples import SAMPLE_ROWS, roster_xlsx  # noqa: E402

out = ROOT / "docs" / "samples" / "danh-sach-lop-6A1-mau.xlsx"
out.write_bytes(roster_xlsx("Trường THCS Long Phú", "6A1", SAMPLE_ROWS))
print(out)
