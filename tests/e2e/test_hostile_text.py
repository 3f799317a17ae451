"""Script and SQL typed into any free-text field of an appeal stay inert text in Chromium.

One appeal carries a hostile text in every field people type: the citizen's title, content, place,
name and a photo's file name; the dispatcher's instructions; the handler's note, extension request and
answer; the supervisor's decision, urge and supervision order; the citizen's follow-up comment. Each
text would call `__xss(field)` if the browser ran it (a script tag, an image's onerror, an svg's
onload, a quote breaking out of an attribute, a textarea closed early) and ends in SQL. Every page
that shows them, to staff and to the public, is opened: the test fails if any of it runs (the call
reaches the test through an exposed function, and any dialog counts too), and the SQL is shown as
typed while the tables it names are still there.
"""
from __future__ import annotations

import io

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SQL = "'; DROP TABLE appeals_appeal; --"


def hostile(field: str, short: bool = False) -> str:
    if short:  # fits a 64-character name
        return f'"><svg onload=__xss("{field}")>'
    return (f'<script>__xss("{field}")</script><img src=x onerror=__xss("{field}")>'
            f'"><svg onload=__xss("{field}")></textarea><script>__xss("{field}")</script>{SQL}')


def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (30, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def appeal(org, settings, tmp_path):
    """An appeal walked from intake to its rating through the real services, hostile everywhere."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.appeals import services
    from gongzhi.appeals.models import Assignment, ExtensionRequest

    settings.MEDIA_ROOT = tmp_path / "media"
    photo = SimpleUploadedFile('<img src=x onerror=__xss("file")>.png', png(), "image/png")
    appeal, code = services.receive(
        channel="web", title=hostile("title")[:200], content=hostile("content"), category=org.cat_property,
        location_text=hostile("place"), appellant_name=hostile("name", short=True), appellant_phone="13812345678",
        lat=39.905, lon=116.405, attachments=[photo], run_hooks=False)
    services.dispatch(appeal, org.dispatcher, org.housing, [org.env], instructions=hostile("instructions")[:300])
    lead = appeal.assignments.get(role=Assignment.Role.LEAD)
    services.acknowledge(lead, org.handler_housing)
    services.add_note(appeal, org.handler_housing, hostile("note"))
    services.request_extension(appeal, org.handler_housing, 3, hostile("extension")[:300])
    services.decide_extension(ExtensionRequest.objects.get(appeal=appeal), org.supervisor, True,
                              hostile("decision")[:300])
    services.urge(appeal, org.supervisor, hostile("urge")[:300])
    services.supervise(appeal, org.supervisor, hostile("supervise")[:300])
    photo = SimpleUploadedFile('"><svg onload=__xss("reply-file")>.png', png(), "image/png")
    services.reply(appeal, org.handler_housing, hostile("reply"), after=[photo], public_photos=True)
    services.follow_up(appeal, "basic", comment=hostile("comment")[:500])
    appeal.refresh_from_db()
    appeal.access_code = code
    return appeal


@pytest.fixture
def ran(page):
    """What ran, or would have: each call of __xss, each dialog the page opened, and each script the
    site's Content-Security-Policy blocked (the policy is a second wall; the test is of the first:
    the text must never become markup)."""
    calls: list[str] = []
    page.expose_function("__xss", lambda field: calls.append(str(field)))
    page.on("dialog", lambda dialog: (calls.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.add_init_script("""document.addEventListener("securitypolicyviolation", e =>
        window.__xss(`blocked by the policy: ${e.violatedDirective} ${e.sample}`));""")
    return calls


# Elements the typed text would have made: a script that calls __xss, an event handler that does, the
# image whose source is "x".
MADE = """() => [...document.querySelectorAll("*")].filter(el =>
    (el.tagName === "SCRIPT" && el.textContent.includes("__xss"))
    || (el.tagName === "IMG" && el.getAttribute("src") === "x")
    || [...el.attributes].some(a => a.name.startsWith("on") && a.value.includes("__xss"))
).map(el => el.outerHTML.slice(0, 120))"""


def open_all(page, paths: list[str], ran: list[str]) -> None:
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert ran == [], f"{path}: the page ran typed text: {ran}"
        assert page.evaluate(MADE) == [], f"{path}: typed text became markup"


def test_no_typed_text_runs_on_any_staff_page_and_the_sql_stays_text(page, login, shot, org, appeal, ran):
    from gongzhi.appeals.models import Appeal

    login("supervisor")
    detail = f"/staff/appeals/{appeal.pk}/"
    open_all(page, [detail, f"{detail}print/", "/staff/", "/staff/appeals/", "/staff/board/",
                    f"/staff/appeals/?q={SQL}", "/staff/notifications/"], ran)
    page.goto(detail)
    text = page.locator("body").inner_text()
    for field in ("title", "note", "reply", "supervise"):
        assert f'<script>__xss("{field}")</script>' in text, field  # shown as typed, not dropped
    assert SQL in text
    shot(page, "hostile-text-appeal-page")
    assert Appeal.objects.filter(pk=appeal.pk).exists() and Appeal.objects.count() == 1
    for person in ("handler_zjj", "dispatcher"):
        page.context.clear_cookies()
        login(person)
        open_all(page, ["/staff/", detail], ran)


def test_no_typed_text_runs_on_the_citizens_tracking_page(page, appeal, ran):
    page.goto("/track/")
    page.fill("#id_tracking_number", appeal.tracking_number)
    page.fill("#id_access_code", appeal.access_code)
    page.get_by_test_id("track-submit").click()
    page.wait_for_load_state("networkidle")
    assert appeal.tracking_number in page.url or page.get_by_test_id("reply").count() == 1
    assert '<script>__xss("reply")</script>' in page.get_by_test_id("reply").inner_text()
    assert ran == [], f"the tracking page ran typed text: {ran}"
    assert page.evaluate(MADE) == []
