"""The safety pages read wholly in English once English is chosen; only data stays Chinese.

Data here: incident type names, addresses and summaries, informant names (masked), report texts.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from gongzhi.core.errors import FieldErrors
from gongzhi.safety import bulletin as bl
from gongzhi.safety import services
from gongzhi.safety.models import IncidentStatus
from tests.english import assert_english, chinese_left, english
from tests.safety.test_incidents import analyst, fast_hashers, informant_handler, itype  # noqa: F401


@pytest.fixture
def incidents(org, analyst):
    """Break-ins and a robbery over the last weeks, around the east grid."""
    now = timezone.now()
    made = []
    for days, code, lat, lon in ((1, "XS-RSDQ", 39.905, 116.405), (2, "XS-RSDQ", 39.906, 116.406),
                                 (9, "XS-QJ", 39.904, 116.404), (20, "XS-RSDQ", 39.905, 116.305)):
        made.append(services.create_incident(analyst, type=itype(code), occurred_at=now - dt.timedelta(days=days, hours=3),
                                             lat=lat, lon=lon, address="东湖社区3栋", summary="夜间撬门入室"))
    services.change_status(analyst, made[0], IncidentStatus.INVESTIGATING, "已立案侦查")
    return made


@pytest.fixture
def informant(org, informant_handler):
    informant = services.register_informant(informant_handler, name="王秘密", phone="13987654321", region=org.east)
    services.record_report(informant_handler, informant, content="有人夜里在5栋撬门", address="东湖社区5栋")
    return informant


@pytest.mark.django_db
def test_the_safety_pages_have_no_chinese_left_in_english(client, org, analyst, informant_handler, incidents,
                                                         informant):
    day = timezone.localdate() - dt.timedelta(days=1)
    bl.generate_bulletin(day)
    c = english(client, analyst)
    for name, url in {
        "overview": "/safety/",
        "incident list": "/safety/incidents/",
        "new incident": "/safety/incidents/new/",
        "incident": f"/safety/incidents/{incidents[0].pk}/",
        "edit incident": f"/safety/incidents/{incidents[0].pk}/edit/",
        "patterns": "/safety/patterns/",
        "near-repeat warnings": "/safety/near-repeat/",
        "forecast": "/safety/forecast/",
        "bulletins": "/safety/bulletins/",
        "bulletin": f"/safety/bulletins/{day.isoformat()}/",
        "leads": "/safety/leads/",
    }.items():
        html = assert_english(c, url, name)
        assert '<html lang="en">' in html, name
    page = assert_english(c, f"/safety/incidents/{incidents[0].pk}/", "incident history")
    assert "Under investigation" in page
    assert_english(c, "/safety/incidents/new/", "incident form with errors", "post", {"address": "东湖社区3栋"},
                   status=200)
    assert_english(c, "/safety/patterns/?start=2026-03-02&end=2026-03-01", "patterns with a wrong period")

    c = english(client, informant_handler)
    assert_english(c, "/safety/informants/", "informants")
    assert_english(c, f"/safety/informants/{informant.pk}/", "informant")
    assert_english(c, "/safety/informants/", "registering without a name", "post", {"name": "", "phone": "1"})
    report = informant.reports.get()
    assert_english(c, f"/safety/reports/{report.pk}/", "informant report")

    client.logout()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert_english(client, "/safety/submit/", "discreet submission form")


@pytest.mark.django_db
def test_a_refused_safety_action_is_explained_in_english(client, org, analyst, incidents):
    c = english(client, analyst)
    closed = incidents[1]
    services.change_status(analyst, closed, IncidentStatus.CLOSED)
    page = assert_english(c, f"/safety/incidents/{incidents[0].pk}/status/", "refused status change", "post",
                          {"status": IncidentStatus.REPORTED})
    assert "The incident is now “Under investigation”: it cannot become “Reported”" in page
    assert "不能改为" not in page
    page = assert_english(c, f"/safety/incidents/{closed.pk}/status/", "reopening without a reason", "post",
                          {"status": IncidentStatus.INVESTIGATING, "note": ""})
    assert "Please give a reason for reopening the investigation" in page

    client.logout()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = assert_english(client, "/safety/submit/", "a wrong submission code", "post",
                          {"code": "AAAA-BBBB-CCCC", "content": "有人撬门"})
    assert "The submission code is not valid or has been used" in page and "提交码无效" not in page


def test_refusals_keep_their_chinese_wording_by_default(db, org, analyst, incidents):
    closed = incidents[1]
    services.change_status(analyst, closed, IncidentStatus.CLOSED)
    with translation.override("zh-hans"), pytest.raises(FieldErrors) as exc:
        services.change_status(analyst, closed, IncidentStatus.INVESTIGATING)
    assert exc.value.errors == {"note": "重新侦查须说明理由"}


def test_the_bulletin_page_says_in_chinese_what_the_stored_bulletin_says(db, org, analyst, incidents):
    from gongzhi.safety.views import bulletin_for_reader, bulletin_headline

    data = bl.generate_bulletin(timezone.localdate() - dt.timedelta(days=1)).data
    with translation.override("zh-hans"):
        assert bulletin_headline(data) == bl.headline(data)
        assert bulletin_for_reader(data)["total"]["name"] == data["total"]["name"]
        assert [r["flag_label"] for r in bulletin_for_reader(data)["rows"]] == [r["flag_label"] for r in data["rows"]]
    with translation.override("en"):
        headline = bulletin_headline(data)
        assert headline.startswith(f"{data['day']}: ") and "28-day daily average" in headline
