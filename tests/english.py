"""Shared checks for the 'English pages hold no Chinese interface text' tests.

A page in English may still show data: names of regions, grids, departments, categories and
incident types, appeal and report texts, event notes and reasons stored by the services, masked
names. ``chinese_left`` removes every such value the database holds, then returns the Han text
that remains (markup, attributes and json_script chart data included): that is interface text
someone forgot to mark. Option values are what a form submits, not what the reader sees, and the
ideographic space only indents nested choices, so neither counts.
"""
from __future__ import annotations

import json
import re

from gongzhi.core import pii
from tests.evaluation.test_english import BRAND, HAN, JSON_SCRIPT, data_values, english, json_strings

__all__ = ["assert_english", "chinese_left", "english", "all_data_values", "HAN"]

OPTION_VALUE = re.compile(r'(<option value=")[^"]*(")')


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def all_data_values(*extra: str) -> list[str]:
    """Every text stored in the database that a page may print as it is (longest first)."""
    from gongzhi.appeals.models import Appeal, AppealEvent, Assignment, ExtensionRequest, Reply
    from gongzhi.core.models import Notification
    from gongzhi.safety.models import (
        IncidentEvent, IncidentType, Informant, InformantReport, Lead, PoliceIncident,
    )
    from gongzhi.triage.models import Alert, AlertEvent, HotIssue

    values = set(data_values()) | set(extra)
    values.update(AppealEvent.objects.values_list("note", flat=True))
    values.update(Reply.objects.values_list("text", flat=True))
    values.update(Assignment.objects.values_list("instructions", flat=True))
    values.update(Assignment.objects.values_list("return_reason", flat=True))
    values.update(Notification.objects.values_list("text", flat=True))
    values.update(ExtensionRequest.objects.values_list("reason", flat=True))
    values.update(ExtensionRequest.objects.values_list("decision_note", flat=True))
    for a in Appeal.objects.all():
        values.update(_strings(a.triage))
        if a.appellant_name:
            values.add(pii.mask_name(a.appellant_name))
    for alert in Alert.objects.all():
        values.update([alert.title, alert.resolution, *_strings(alert.reasons)])
    values.update(AlertEvent.objects.values_list("note", flat=True))
    for issue in HotIssue.objects.all():
        values.update([issue.title, issue.place, *_strings(issue.terms)])
    values.update(IncidentType.objects.values_list("name", flat=True))
    for i in PoliceIncident.objects.all():
        values.update([i.summary, i.address, i.area_name])
    values.update(IncidentEvent.objects.values_list("note", flat=True))
    for informant in Informant.objects.all():
        values.update([informant.name, pii.mask_name(informant.name), informant.contact])
    for r in InformantReport.objects.all():
        values.update([r.content, r.address, r.note])
    for lead in Lead.objects.all():
        values.update([lead.summary, lead.address])
    return sorted((v for v in values if v), key=len, reverse=True)


def chinese_left(html: str, *extra: str) -> list[str]:
    """Han text left once data values, option values and the brand are taken out; each hit comes
    with a little context so a failure says where it is."""
    html = OPTION_VALUE.sub(r"\1\2", html).replace("\u3000", " ")
    texts = [BRAND.sub("", JSON_SCRIPT.sub("", html))]
    for blob in JSON_SCRIPT.findall(html):
        texts.extend(json_strings(json.loads(blob)))
    values = all_data_values(*extra)
    left = []
    for text in texts:
        for v in values:
            text = text.replace(v, "")
        left.extend(text[max(0, m.start() - 30):m.end() + 10] for m in HAN.finditer(text))
    return left


def assert_english(client, url, name=None, method="get", data=None, status=200, keep=()):
    """Open a page as the English reader (a POST follows its redirect): it answers `status`, says it is
    English (a whole page), and holds no Chinese interface text. What the user typed and `keep` may come back as is."""
    response = getattr(client, method)(url, data or {}, follow=method == "post")
    assert response.status_code == status, (name or url, response.status_code)
    html = response.content.decode()
    assert "<html" not in html or '<html lang="en">' in html, name or url  # fragments have no <html>
    typed = [v for v in (data or {}).values() if isinstance(v, str)]
    assert chinese_left(html, *keep, *typed) == [], name or url
    return html
