"""English mode leaves no interface Chinese (issue 13): every role's main pages, reached through
their menus, hold no Han text once the data the database stores (names, appeal texts, notes) is
taken out. Built-in incident types, weekday names, 全部, role titles and the platform's own event
texts are interface, not data, so they must be English."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.safety import services as safety
from gongzhi.safety.models import IncidentType
from tests.core.test_menus import menu_links, people
from tests.english import chinese_left

READONLY_MESSAGE = re.compile(r"<textarea readonly[^>]*>.*?</textarea>", re.S)


def english_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def worked_appeal(org, make_appeal, django_capture_on_commit_callbacks):
    """An appeal dispatched, acknowledged and answered, so the pages have rows and a history."""
    with django_capture_on_commit_callbacks(execute=True):
        appeal = make_appeal()
        services.dispatch(appeal, org.dispatcher, org.housing)
        services.acknowledge(appeal.assignments.get(), org.handler_housing)
        services.reply(appeal, org.handler_housing, "已联系物业清理楼道堆物，问题已解决。")
    return appeal


def crawl(client: Client, start: str) -> dict[str, list[str]]:
    """Every page of the reader's menus: url -> the Chinese interface text left on it."""
    found, todo, seen = {}, [start], set()
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        # a message to be sent to a citizen (the follow-up SMS) is in the citizen's language
        html = READONLY_MESSAGE.sub("", response.content.decode())
        left = chinese_left(html)
        if left:
            found[url] = left
        todo.extend(u for u in menu_links(html) if u not in seen)
    return found


@pytest.mark.django_db
def test_every_roles_pages_read_in_english(org, worked_appeal):
    left = {}
    for role, user in people(org).items():
        start = "/staff/" if role not in ("anonymous", "citizen") else "/"
        found = crawl(english_client(user), start)
        left.update({f"{role} {url}": texts[:4] for url, texts in found.items()})
    assert left == {}


@pytest.mark.django_db
def test_the_language_menu_names_each_language_in_itself(client):
    for language in ("zh-hans", "en"):
        client.cookies["django_language"] = language
        page = client.get("/").content.decode()
        assert '<option value="en"' in page and ">English</option>" in page
        assert ">中文</option>" in page and "英语" not in page and "Simplified Chinese" not in page


@pytest.mark.django_db
def test_the_platforms_own_event_texts_are_english(client, org, worked_appeal):
    """Notes the services write ("区住建局已签收", "承办单位已答复") are shown translated; the
    department's name inside stays as it is, being data."""
    client.force_login(org.supervisor)
    client.cookies["django_language"] = "en"
    page = client.get(f"/staff/appeals/{worked_appeal.pk}/").content.decode()
    assert "Acknowledged by 区住建局" in page and "Passed to 区住建局" in page
    assert "The department has replied" in page
    for chinese in ("已签收", "承办单位已答复", "已转区住建局办理", "受理</div>"):
        assert chinese not in page, chinese
    assert "已联系物业清理楼道堆物" in page  # what the handler wrote is data, as written
    public = Client()
    public.cookies["django_language"] = "en"
    detail = public.post("/track/", {"tracking_number": worked_appeal.tracking_number,
                                     "access_code": worked_appeal.access_code}, follow=True).content.decode()
    assert "The department has replied" in detail and "承办单位已答复" not in detail


@pytest.mark.django_db
def test_built_in_incident_types_and_weekdays_are_english(client, org):
    from gongzhi.core.models import Role, RoleAssignment, User

    analyst = User.objects.create_user(username="analyst_en", password=org.password)
    RoleAssignment.objects.create(user=analyst, role=Role.ANALYST, region=org.district)
    burglary = IncidentType.objects.get(code="XS-RSDQ")
    safety.create_incident(analyst, type=burglary, occurred_at=timezone.now() - dt.timedelta(days=1),
                           lat=39.905, lon=116.405, address="东湖社区3栋", summary="夜间撬门入室")
    client.force_login(analyst)
    client.cookies["django_language"] = "en"
    listing = client.get("/safety/incidents/").content.decode()
    assert "Criminal &gt; Burglary" in listing or "Criminal > Burglary" in listing
    assert "入室盗窃" not in listing.replace('value="', "")  # nowhere shown, not even in the filter
    patterns = client.get("/safety/patterns/").content.decode()
    assert "Mon" in patterns and "周一" not in patterns
    assert 'data-all="All"' in patterns and "Burglary" in patterns
    renamed = IncidentType.objects.create(code="X-LOCAL", name="电动车盗窃", parent=burglary.parent)
    assert renamed.label == "电动车盗窃"  # a type an administrator added is data, shown as typed
