"""Form helpers shared by the pages of every app (they import no app): the date widgets every date
field uses, several files in one input, and service errors put next to their fields."""
from __future__ import annotations

from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; what they contain is checked by the services (core.uploads, by
    content, not name). `accept` is the browser's hint of the types the service takes."""

    def __init__(self, *args, accept: str = "", **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept} if accept else None))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class DateInput(forms.DateInput):
    """<input type="date">, whose value is always ISO (YYYY-MM-DD) whatever the language: the
    browser rejects any other (a localised "2026/12/01" leaves the field empty and the form unsent)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """<input type="datetime-local">, whose value is always ISO (YYYY-MM-DDTHH:MM)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


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


def report_refusal(request, exc: Exception) -> None:
    """A service's refusal (ActionRefused) or its field errors (FieldErrors) as one message on the page
    the user is sent back to: a page's action never ends in a 500 for bad input."""
    from django.contrib import messages

    from .errors import FieldErrors

    if isinstance(exc, FieldErrors):
        messages.error(request, "；".join(str(m) for m in exc.errors.values()))
    else:
        messages.error(request, str(exc))


def submit_form(form, call):
    """Run a service on a valid form; its field errors go next to the fields and its refusal on top of
    the form. The saved object, or None (the page is shown again with the form's errors)."""
    from .errors import ActionRefused, FieldErrors

    if not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except FieldErrors as exc:
        apply_field_errors(form, exc.errors)
    except ActionRefused as exc:
        form.add_error(None, str(exc))
    return None
