"""Text typed by citizens reaches maps and charts as text: an appeal titled like HTML shows its
angle brackets in the tooltip, and no element, link or script it names appears in the page."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IMG = "<img src=x onerror=window.__injected=1>电梯坏了"
LINK = '<a id=evil href="https://evil.example/">点此领补贴</a>'
BOLD = "<u id=zz>下</u>水管爆裂"  # short enough that the chart's 12-character series name keeps its tag


@pytest.fixture
def hot(org, make_appeal):
    from gongzhi.triage.models import HotIssue

    appeals = [make_appeal(title=IMG, lat=39.901, lon=116.401), make_appeal(title=LINK, lat=39.909, lon=116.409)]
    # the issue on the board and the leader's map is titled like HTML, and so are its appeals (issue map)
    first = HotIssue.objects.create(key=appeals[0].pk, title=IMG, size=2, distinct_people=2, heat=9,
                                    region=org.east_c, terms=["电梯"])
    first.appeals.add(*appeals)
    second = HotIssue.objects.create(key=appeals[1].pk, title=BOLD, size=2, distinct_people=2, heat=8, terms=["水管"])
    second.appeals.add(make_appeal(title="水管爆裂", lat=39.95, lon=116.45))
    return [first, second]


def injected(page) -> dict:
    return page.evaluate("""() => ({
        img: document.querySelectorAll('img[src="x"]').length,
        link: document.querySelectorAll('a#evil, a[href^="https://evil"]').length,
        u: document.querySelectorAll('u#zz').length,
        flag: window.__injected === 1,
    })""")


NOTHING = {"img": 0, "link": 0, "u": 0, "flag": False}


def tooltip_for(page, marker_index: int, container: str) -> str:
    marker = page.locator(f"{container} path.leaflet-interactive").nth(marker_index)
    marker.hover(force=True)
    tip = page.locator(".leaflet-tooltip").last
    tip.wait_for(state="visible")
    return tip.inner_text()


def test_the_hot_issue_map_and_trend_show_titles_as_text(page, login, shot, hot):
    login("supervisor")
    page.goto("/triage/hot/")
    page.wait_for_selector("#hot-map path.leaflet-interactive")
    texts = {tooltip_for(page, i, "#hot-map") for i in range(page.locator("#hot-map path.leaflet-interactive").count())}
    assert any(IMG in t for t in texts) and any(BOLD in t for t in texts), texts
    # the daily trend: its tooltip lists the series, named after the issues
    box = page.locator("#hot-trend").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => [...document.querySelectorAll('#hot-trend div')]"
                           ".some(d => d.innerText.includes('<u id=zz>'))")
    shot(page, "hot-board-html-as-text")
    assert injected(page) == NOTHING


def test_an_appeal_titled_like_html_stays_text_on_the_issue_map(page, login, shot, hot):
    login("supervisor")
    page.goto(f"/triage/hot/{hot[0].pk}/")
    page.wait_for_selector("#hot-map path.leaflet-interactive")
    texts = [tooltip_for(page, i, "#hot-map") for i in range(2)]
    assert any(IMG in t for t in texts) and any(LINK in t for t in texts), texts
    shot(page, "hot-issue-html-as-text")
    assert injected(page) == NOTHING


def test_the_leader_map_shows_hot_issue_titles_as_text(page, login, hot):
    login("leader")
    page.goto("/evaluation/")
    page.wait_for_selector("#grid-map[data-rendered='1'] path.leaflet-interactive")
    count = page.locator("#grid-map path.leaflet-interactive").count()
    texts = [tooltip_for(page, i, "#grid-map") for i in range(count)]
    assert any(IMG in t for t in texts), texts
    assert injected(page) == NOTHING
