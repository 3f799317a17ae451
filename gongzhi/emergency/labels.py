"""An incident's timeline in the reader's language: the platform's own notes are kept with their
message and values (services.said) and read again here; what people typed stays as typed."""
from __future__ import annotations

from django.utils.translation import gettext

from .models import IncidentTask


def event_line(event) -> str:
    data = event.data or {}
    if event.kind == "task" and "dept" in data:
        status = IncidentTask.Status(data["task_to"]).label if data.get("task_to") in IncidentTask.Status.values else ""
        line = f"{data['dept']}: {data['title']} → {status}"
        return line + (f" ({data['progress']})" if data.get("progress") else "")
    if data.get("msg"):
        try:
            return gettext(data["msg"]) % data["args"] if data.get("args") else gettext(data["msg"])
        except (KeyError, TypeError, ValueError):
            return event.note
    return event.note
