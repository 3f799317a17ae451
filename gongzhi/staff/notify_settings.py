"""The staff settings page: on which channels each kind of notification reaches me (core.preferences)."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gongzhi.core import channels, messages as wording, preferences
from gongzhi.core.errors import FieldErrors

from .access import staff_required


@never_cache
@staff_required()
def notification_settings(request):
    pref = preferences.of(request.user)
    errors: dict[str, str] = {}
    values = {"email": request.user.email, "phone": request.user.phone, "webhook_url": pref.webhook_url,
              "language": pref.language or messages_language(request)}
    chosen = pref.channels
    if request.method == "POST":
        chosen = {kind: request.POST.getlist(f"kind-{kind}") for kind in wording.STAFF_KINDS}
        values = {name: request.POST.get(name, "") for name in values}
        try:
            preferences.save(request.user, choices=chosen, **values)
        except FieldErrors as exc:
            errors = exc.errors
        else:
            messages.success(request, _("通知设置已保存"))
            return redirect("staff:notification_settings")
    columns = [channels.get(code) for code in preferences.CHOOSABLE]
    rows = [{"kind": kind, "label": label,
             "cells": [{"code": c.code, "checked": c.code in chosen.get(kind, ())} for c in columns]}
            for kind, label in wording.STAFF_KINDS.items()]
    return render(request, "staff/notification_settings.html",
                  {"rows": rows, "columns": columns, "values": values, "errors": errors,
                   "sms_available": channels.get("sms").available(), "languages": settings.LANGUAGES},
                  status=400 if errors else 200)


def messages_language(request) -> str:
    """Until a person chooses, the language they read the site in is offered."""
    return wording.language_of(getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE)
