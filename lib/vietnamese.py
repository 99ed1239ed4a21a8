"""Vietnamese text helpers with no Django state: unaccenting, sort keys, names.

Sorting follows the Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y),
letters first, then tones as a tie-breaker (không dấu, huyền, hỏi, ngã, sắc, nặng), the way a
class list (danh sách lớp) is ordered: by tên, then họ đệm.
"""

import re
import unicodedata

ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
# Letters outside the Vietnamese alphabet (f, j, w, z: foreign and some ethnic-minority names)
# are placed after their nearest neighbour so every name still sorts deterministically.
_EXTRA = {"f": "e~", "j": "i~", "w": "v~", "z": "y~"}

# Combining marks for the five tones, in dictionary order after the unmarked tone.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Combining marks that make a different letter (ă â ê ô ơ ư), kept when stripping tones.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}


def _base_letters(ch: str) -> tuple[str, int]:
    """Split one character into (letter without tone, tone number)."""
    decomposed = unicodedata.normalize("NFD", ch)
    tone = 0
    kept = []
    for c in decomposed:
        if c in _TONES:
            tone = _TONES[c]
        else:
            kept.append(c)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _chunk(index: int) -> str:
    # Two lowercase ASCII letters per symbol: orders the same under every database collation.
    return chr(97 + index // 26) + chr(97 + index % 26)


_ORDER: dict[str, int] = {}
for _i, _letter in enumerate(ALPHABET):
    _ORDER[_letter] = 10 + _i * 2
for _letter, _after in _EXTRA.items():
    _ORDER[_letter] = _ORDER[_after[0]] + 1
for _digit in "0123456789":
    _ORDER[_digit] = 2 + int(_digit) // 2  # digits before letters (rare in names)
_SEPARATOR = _chunk(1)
_UNKNOWN = _chunk(99)


def collation_key(text: str) -> str:
    """A string that sorts like ``text`` in Vietnamese order under any collation (ASCII only)."""
    letters = []
    tones = []
    for ch in normalize_spaces(text).lower():
        if ch == " ":
            letters.append(_SEPARATOR)
            continue
        base, tone = _base_letters(ch)
        letters.append(_chunk(_ORDER[base]) if base in _ORDER else _UNKNOWN)
        tones.append(_chunk(tone))
    return "".join(letters) + _SEPARATOR + "".join(tones)


def name_sort_key(family_name: str, given_name: str) -> str:
    """Sort key for a person: tên first, then họ đệm (letters), then tones."""
    # The tên is compared whole (letters, then tones) before the họ đệm: "Nguyễn Anh" < "Lê Ánh".
    return collation_key(given_name) + _chunk(0) + collation_key(family_name)


def unaccent(text: str) -> str:
    """Lowercase ASCII form for searching: 'Đặng Thị Ánh' -> 'dang thi anh'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return normalize_spaces(stripped).lower()


_SPACES = re.compile(r"\s+")


def normalize_spaces(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def split_full_name(full_name: str) -> tuple[str, str]:
    """'Nguyễn Thị Ánh' -> ('Nguyễn Thị', 'Ánh'). The last word is the tên."""
    parts = normalize_spaces(full_name).split(" ")
    if len(parts) == 1:
        return "", parts[0]
    return " ".join(parts[:-1]), parts[-1]


def title_name(text: str) -> str:
    """Capitalise each word of a name the Vietnamese way ('nguyễn văn  an' -> 'Nguyễn Văn An')."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in normalize_spaces(text).split(" ") if w)
