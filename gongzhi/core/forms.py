"""Form helpers shared by the pages of every app (they import no app)."""
from __future__ import annotations

from django import forms

# Service error keys that name a form field differently (or no field at all: None, top of the form).
SERVICE_FIELD_ALIASES = {"location": "location_text", "lead": "lead", "channel": None, "source_ref": None}


def apply_field_errors(form: forms.Form, errors: dict[str, str]) -> None:
    """Put a service's FieldErrors next to the matching fields (others go on top of the form)."""
    for field, message in errors.items():
        name = SERVICE_FIELD_ALIASES.get(field, field)
        if name in form.fields:
            form.add_error(name, message)
        else:
            form.add_error(None, message)
