"""The emergency pages read in English for a reader who chose it: every word the page itself
writes (data people typed, such as names and places, stays as typed)."""
from __future__ import annotations

import re

import pytest
from django.utils import timezone

from gongzhi.emergency import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese_afterwards():
    from django.utils import translation

    yield
    translation.activate("zh-hans")  # the English requests left their language on this thread
CJK = re.compile(r"[\u4e00-\u9fff]+")


def main_text(html: str) -> str:
    body = html[html.index("<main"):html.index("</main>")]
    return re.sub(r"<[^>]+>", " ", body)


def test_the_emergency_pages_are_english_apart_from_what_people_typed(client, org, em):
    incident = services.activate(services.report(em.officer, title="Flooding on Donghu Road", category="natural",
                                                 level="III", region=org.east_c, place="Donghu Road"),
                                 em.flood_plan, em.officer)
    typed = {org.east_c.name, org.west_c.name, org.district.name, org.east.name, org.west.name, org.housing.name,
             org.water.name, em.east.name, em.west.name, em.school.name, em.team.name, em.depot.name,
             em.sandbags.name, em.sandbags.unit, em.officer.display_name, org.supervisor.display_name,
             org.handler_housing.display_name, org.leader.display_name, "冲锋舟", em.flood_plan.title,
             "排查危旧房屋，转移住户", "开启泵站排涝", "东湖社区火灾预案", "西山社区防汛预案", "东湖小学消防预案",
             "防汛", "火灾", "传染病"}
    client.force_login(em.officer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for url in ("/emergency/", "/emergency/incidents/new/", f"/emergency/incidents/{incident.pk}/",
                f"/emergency/incidents/{incident.pk}/board/", "/emergency/coverage/", "/emergency/resources/",
                f"/emergency/plans/{em.flood_plan.pk}/",
                "/emergency/devices/", "/emergency/plans/new/"):
        html = client.get(url).content.decode()
        text = main_text(html) if "<main" in html else re.sub(r"<[^>]+>", " ", html)
        left = {w for w in CJK.findall(text) if not any(w in t for t in typed)}
        assert left == set(), (url, left)
    assert timezone.now()
