"""Public warnings as CAP 1.2, validated against the OASIS CAP 1.2 schema (vendored), and the Atom
feed of the current ones."""
from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from django.utils import timezone

from gongzhi.emergency import cap, services

pytestmark = pytest.mark.django_db
SCHEMA = xmlschema.XMLSchema(str(cap.SCHEMA))
NS = {"cap": cap.CAP_NS, "atom": cap.ATOM_NS}


def warning(org, em, **extra):
    incident = services.report(em.officer, title="东湖路燃气泄漏", category="accident", level="II",
                               region=org.east_c, lat=39.905, lon=116.405)
    fields = dict(headline="东湖路燃气泄漏，请远离", description="东湖路12号附近燃气泄漏，已封闭道路。",
                  area="东湖社区", severity="Severe", instruction="请勿动用明火，听从现场指挥。")
    fields.update(extra)
    return services.issue_warning(incident, em.officer, **fields)


def test_a_warning_is_a_valid_cap_1_2_alert(client, org, em):
    w = warning(org, em)
    response = client.get(f"/api/v1/emergency/warnings/{w.pk}.cap")  # public: no token
    assert response.status_code == 200 and response["Content-Type"].startswith("application/cap+xml")
    SCHEMA.validate(response.content.decode())
    doc = ET.fromstring(response.content)
    assert doc.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert doc.findtext("cap:info/cap:headline", namespaces=NS) == "东湖路燃气泄漏，请远离"
    assert doc.findtext("cap:info/cap:category", namespaces=NS) == "Safety"
    assert doc.findtext("cap:info/cap:area/cap:circle", namespaces=NS) == "39.90500,116.40500 1"


def test_a_closed_incidents_warning_is_a_valid_cancel_and_leaves_the_feed(client, org, em):
    w = warning(org, em)
    feed = ET.fromstring(client.get("/api/v1/emergency/warnings.atom").content)
    links = [e.get("href") for e in feed.findall("atom:entry/atom:link", NS)]
    assert links == [f"http://localhost:8000/api/v1/emergency/warnings/{w.pk}.cap"] or links[0].endswith(f"/{w.pk}.cap")
    services.close(w.incident, em.officer, "已处置")
    body = client.get(f"/api/v1/emergency/warnings/{w.pk}.cap").content.decode()
    SCHEMA.validate(body)
    doc = ET.fromstring(body)
    assert doc.findtext("cap:msgType", namespaces=NS) == "Cancel" and doc.find("cap:references", NS) is not None
    assert ET.fromstring(client.get("/api/v1/emergency/warnings.atom").content).findall("atom:entry", NS) == []


def test_the_schema_check_would_catch_a_broken_document(org, em):
    w = warning(org, em)
    broken = cap.alert_xml(w).replace(b"<msgType>Alert</msgType>", b"<msgType>Shout</msgType>")
    assert not SCHEMA.is_valid(broken.decode())
    assert client_404(w)


def client_404(w):
    from django.test import Client

    return Client().get("/api/v1/emergency/warnings/999999.cap").status_code == 404


def test_bad_warning_input_names_the_fields(org, em):
    from gongzhi.core.errors import FieldErrors

    with pytest.raises(FieldErrors) as refused:
        warning(org, em, headline="", severity="Loud", hours=0)
    assert {"headline", "severity", "hours"} <= set(refused.value.errors)
    assert cap.cap_time(timezone.make_aware(dt.datetime(2026, 7, 1, 8, 0))).endswith("+08:00")
