"""Public warnings as CAP 1.2 (OASIS Common Alerting Protocol) and an Atom feed of the current ones.

`alert_xml(warning)` is one CAP 1.2 <alert> (validated in the tests against the OASIS schema, vendored
as data/CAP-v1.2.xsd: no download at run time); `feed_xml(warnings)` the Atom 1.0 feed linking each.
A cancelled warning is published as msgType Cancel referencing the original.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree import ElementTree as ET

from django.utils import timezone

from .models import Category, PublicWarning

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
SCHEMA = Path(__file__).parent / "data" / "CAP-v1.2.xsd"
CAP_CATEGORY = {Category.NATURAL: "Met", Category.ACCIDENT: "Safety", Category.HEALTH: "Health",
                Category.SECURITY: "Security"}
URGENCY = {"Extreme": "Immediate", "Severe": "Expected", "Moderate": "Expected", "Minor": "Future"}


def cap_time(value: dt.datetime) -> str:
    """CAP's dateTime: seconds and a numeric offset, never "Z" (the schema's pattern)."""
    local = timezone.localtime(value).replace(microsecond=0)
    text = local.isoformat()
    return text[:-6] + "+00:00" if text.endswith("+00:00") else text


def sender() -> str:
    from gongzhi.core.recipients import absolute

    host = absolute("/").split("://", 1)[-1].strip("/").split("/")[0].split(":")[0]
    return f"warnings@{host or 'localhost'}"


def _sub(parent, tag: str, text: str | None = None, ns: str = CAP_NS):
    node = ET.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        node.text = text
    return node


def alert_xml(warning: PublicWarning, url: str = "") -> bytes:
    ET.register_namespace("", CAP_NS)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    cancel = warning.cancelled
    _sub(alert, "identifier", warning.identifier + ("-cancel" if cancel else ""))
    _sub(alert, "sender", sender())
    _sub(alert, "sent", cap_time(warning.sent_at))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", "Cancel" if cancel else "Alert")
    _sub(alert, "scope", "Public")
    if cancel:
        _sub(alert, "references", f"{sender()},{warning.identifier},{cap_time(warning.sent_at)}")
    info = _sub(alert, "info")
    _sub(info, "language", "zh-CN")
    _sub(info, "category", CAP_CATEGORY.get(warning.category, "Other"))
    _sub(info, "event", warning.get_category_display() if hasattr(warning, "get_category_display") else "")
    _sub(info, "urgency", "Past" if cancel else URGENCY.get(warning.severity, "Unknown"))
    _sub(info, "severity", warning.severity)
    _sub(info, "certainty", "Observed" if warning.incident_id else "Likely")
    _sub(info, "effective", cap_time(warning.sent_at))
    _sub(info, "expires", cap_time(warning.expires_at))
    _sub(info, "senderName", "Gongzhi")
    _sub(info, "headline", warning.headline)
    _sub(info, "description", warning.description)
    if warning.instruction:
        _sub(info, "instruction", warning.instruction)
    if url:
        _sub(info, "web", url)
    area = _sub(info, "area")
    _sub(area, "areaDesc", warning.area)
    if warning.lat is not None and warning.lon is not None:
        _sub(area, "circle", f"{warning.lat:.5f},{warning.lon:.5f} {warning.radius_km:g}")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(alert, encoding="utf-8")


def current(now: dt.datetime | None = None):
    now = now or timezone.now()
    return PublicWarning.objects.filter(cancelled=False, sent_at__lte=now, expires_at__gt=now)


def feed_xml(warnings, self_url: str, link_of) -> bytes:
    """The Atom feed: one entry per warning, its CAP document as the entry's alternate link."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    warnings = list(warnings)
    _sub(feed, "id", self_url, ATOM_NS)
    _sub(feed, "title", "Gongzhi public warnings", ATOM_NS)
    updated = max((w.sent_at for w in warnings), default=timezone.now())
    _sub(feed, "updated", cap_time(updated), ATOM_NS)
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", rel="self", href=self_url)
    author = _sub(feed, "author", None, ATOM_NS)
    _sub(author, "name", "Gongzhi", ATOM_NS)
    for w in warnings:
        entry = _sub(feed, "entry", None, ATOM_NS)
        _sub(entry, "id", f"urn:gongzhi:warning:{w.identifier}", ATOM_NS)
        _sub(entry, "title", w.headline, ATOM_NS)
        _sub(entry, "updated", cap_time(w.sent_at), ATOM_NS)
        _sub(entry, "summary", w.description[:500], ATOM_NS)
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", rel="alternate", type="application/cap+xml", href=link_of(w))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(feed, encoding="utf-8")
