"""Forms of the results pages: they parse and normalise; the services decide."""

from __future__ import annotations

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from schools.models import Subject

from .models import Term
from .selectors_results import ResultGrid
from .services_results import Cell, Value, clean_value

DAMAGED = _("The form was damaged on the way. Reload the page and enter the results again.")
BAD_CELLS = ngettext_lazy(
    "%(n)s cell is not valid; nothing was saved. Correct it and save again.",
    "%(n)s cells are not valid; nothing was saved. Correct them and save again.",
    "n",
)
_KEY = re.compile(r"^(\d{1,12})-(\d{1,12})$")
MAX_TYPED = 20


class TermForm(forms.Form):
    """``?term=0|1|2|3``: anything else is simply no term (the page picks one)."""

    term = forms.TypedChoiceField(
        choices=Term.choices, coerce=int, required=False, empty_value=None
    )


class ResultGridForm(forms.Form):
    """A results grid as posted: one ``c-<student>-<subject>`` input per editable cell, plus
    the values the grid showed when it was opened (``loaded``, JSON) to detect changes made by
    someone else meanwhile.

    ``cleaned_data["values"]``: {(student id, subject id): value or None} for every posted cell;
    ``cleaned_data["loaded"]``: the same for the loaded grid. Bad cells end up in
    ``cell_errors`` (field name → message) and ``typed`` keeps what was typed.
    """

    loaded = forms.CharField(required=False, max_length=200_000, widget=forms.HiddenInput)

    def __init__(self, *args, grid: ResultGrid, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = grid
        self.cell_errors: dict[str, str] = {}
        self.typed: dict[str, str] = {}
        self.subjects: dict[int, Subject] = {c.subject.pk: c.subject for c in grid.columns}

    def clean_loaded(self) -> dict[Cell, Value]:
        raw = self.cleaned_data["loaded"] or "{}"
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError
            loaded = {}
            for key, text in data.items():
                match = _KEY.match(key)
                subject = self.subjects.get(int(match[2])) if match else None
                if subject is None or not isinstance(text, str):
                    raise ValueError
                loaded[int(match[1]), subject.pk] = clean_value(subject, text)
            return loaded
        except (ValueError, TypeError, ValidationError):
            raise ValidationError(DAMAGED, code="damaged") from None

    def clean(self):
        cleaned = super().clean()
        values: dict[Cell, Value] = {}
        for row in self.grid.rows:
            for cell in row.cells:
                if not cell.editable or cell.name not in self.data:
                    continue
                typed = (self.data.get(cell.name) or "")[:MAX_TYPED]
                self.typed[cell.name] = typed
                try:
                    values[row.student.pk, cell.subject.pk] = clean_value(cell.subject, typed)
                except ValidationError as error:
                    self.cell_errors[cell.name] = error.messages[0]
        if self.cell_errors:
            self.add_error(None, BAD_CELLS % {"n": len(self.cell_errors)})
        cleaned["values"] = values
        return cleaned


def loaded_json(grid: ResultGrid) -> str:
    """The grid's values as the form carries them: {"<student>-<subject>": "8.5" | "D" | "CD"}."""
    return json.dumps(
        {
            f"{s}-{subject}": str(v)
            for (s, subject), v in sorted(grid.loaded.items())
            if v is not None
        },
        separators=(",", ":"),
    )


class SubjectReportForm(forms.Form):
    """``?grade=9&subject=<id>&term=1`` of the by-subject page."""

    grade = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_("Grade"))
    subject = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label=_("Subject")
    )
    term = forms.TypedChoiceField(
        choices=Term.choices, coerce=int, required=False, empty_value=None, label=_("Term")
    )

    def __init__(self, *args, grades: list[int], subjects: list[Subject], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [(g, _("Grade %(n)s") % {"n": g}) for g in grades]
        self.fields["subject"].choices = [(s.pk, s.name) for s in subjects]
        for name in self.fields:
            self.fields[name].widget.attrs["class"] = "form-select"
