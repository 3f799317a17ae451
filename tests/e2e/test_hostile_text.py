"""Script and SQL typed into any free-text field of an appeal stay inert text in Chromium.

One appeal carries a hostile text in every field people type: the citizen's title, content, place,
name and a photo's file name; the dispatcher's instructions; the handler's note, extension request and
answer; the supervisor's decision, urge and supervision order; the citizen's follow-up comment. Each
text would call `__xss(field)` if the browser ran it (a script tag, an image's onerror, an svg's
onload, a quote breaking out of an attribute, a textarea closed early) and ends in SQL. Every page
that shows them, to staff and to the public, is opened: the test fails if any of it runs (the call
reaches the test through an exposed function, and any dialog counts too), and the SQL is shown as
typed while the tables it names are still there.

The other case types are walked the same way: a dispute on the mediator's pages (its parties' details
revealed through htmx), a proposal in the moderation queue and on the public pages, an incident with a
public statement on its page and the command board (the map's tooltip opened), and a resident kept by
the grid worker on the residents pages and forms.
"""
from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

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


# Elements the typed text would have made: a script that calls __xss (not a JSON data block, which
# never runs: json_script escapes its "<"), an event handler that does, the image whose source is "x".
MADE = """() => [...document.querySelectorAll("*")].filter(el =>
    (el.tagName === "SCRIPT" && el.type !== "application/json" && el.textContent.includes("__xss"))
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


# The other case types: each is made through its services with a hostile text in every field people
# type, and every page that shows it is opened by the people who work it (and the public, where public).


@pytest.fixture
def dispute(org):
    """A dispute reported, accepted, mediated and settled, hostile in its title, facts, place, parties'
    names and addresses, the session's place, participants and record, and the agreement's text."""
    from django.utils import timezone

    from gongzhi.disputes import services
    from gongzhi.disputes.kinds import ensure_default_kinds
    from gongzhi.disputes.models import DisputeKind

    ensure_default_kinds(DisputeKind)
    parties = [{"name": hostile("party1")[:100], "phone": "13911112222", "address": hostile("address1")[:200]},
               {"name": hostile("party2", short=True), "side": "respondent", "address": hostile("address2")[:200]}]
    dispute = services.report(actor=org.grid_worker, title=hostile("dispute-title")[:200], facts=hostile("facts"),
                              kind=DisputeKind.objects.get(code="neighbour"), region=None, grid=org.east_g,
                              place=hostile("dispute-place")[:300], parties=parties, source="screening")
    services.assign(dispute, org.supervisor, mediator=org.mediator)
    dispute = services.accept(dispute, org.mediator)
    services.record_session(dispute, org.mediator, held_at=timezone.now(), place=hostile("session-place")[:200],
                            participants=hostile("participants")[:500], record=hostile("record"))
    return services.settle(dispute, org.mediator, outcome=hostile("outcome")[:200], terms=hostile("terms"),
                           performance=hostile("performance")[:200])


def test_no_typed_text_of_a_dispute_runs_on_the_mediators_pages(page, login, org, dispute, ran):
    login("mediator")
    detail = f"/disputes/{dispute.pk}/"
    open_all(page, ["/disputes/", f"/disputes/?q={SQL}", "/disputes/map/", "/staff/", "/staff/notifications/",
                    detail], ran)
    reveal = "form[hx-post*='/reveal/'] button"  # the parties' details shown in full, through htmx
    assert page.locator(reveal).count() > 0
    page.evaluate(f'document.querySelectorAll("{reveal}").forEach(b => b.click())')
    page.wait_for_load_state("networkidle")
    expect(page.locator(reveal)).to_have_count(0)
    text = page.locator("body").inner_text()
    for field in ("dispute-title", "facts", "party1", "record", "terms"):
        assert f'<script>__xss("{field}")</script>' in text, field
    assert ran == [], f"the dispute's page ran typed text: {ran}"
    assert page.evaluate(MADE) == []


@pytest.fixture
def proposal(org):
    """A citizen's proposal, hostile in its title, text and place, still waiting for moderation."""
    from gongzhi.participation import services
    from gongzhi.participation.categories import ensure_default_categories
    from gongzhi.participation.models import ProposalCategory
    from gongzhi.participation.verification import Voter

    ensure_default_categories(ProposalCategory)
    return services.submit(Voter(user=org.citizen), title=hostile("proposal-title", short=True),
                           text=hostile("proposal-text"), category=ProposalCategory.objects.get(code="urban"),
                           region=org.east_c, place=hostile("proposal-place")[:200])


def test_no_typed_text_of_a_proposal_runs_in_the_moderation_queue_or_on_the_public_page(page, login, org, proposal, ran):
    from gongzhi.participation import moderation
    from gongzhi.participation.models import Moderation

    login("operator")
    case = moderation.case_of(Moderation.Item.PROPOSAL, proposal.pk)
    open_all(page, ["/participation/staff/moderation/", f"/participation/staff/moderation/{case.pk}/",
                    "/participation/staff/proposals/", f"/participation/staff/proposals/{proposal.pk}/"], ran)
    assert '<script>__xss("proposal-text")</script>' in page.locator("body").inner_text()
    moderation.approve(case, org.operator)
    page.context.clear_cookies()
    public = f"/participation/proposals/{proposal.pk}/"
    open_all(page, ["/participation/", f"/participation/?q={SQL}", public], ran)
    text = page.locator("body").inner_text()
    for field in ("proposal-text", "proposal-place"):
        assert f'<script>__xss("{field}")</script>' in text, field


@pytest.fixture
def incident(org):
    """An incident reported by the leader, hostile in its title, place and description, with a public
    statement hostile in its channel and text."""
    from gongzhi.emergency import services
    from gongzhi.emergency.models import Category

    incident = services.report(org.leader, title=hostile("incident-title")[:200], category=Category.NATURAL,
                               level="IV", region=org.east_c, place=hostile("incident-place")[:300],
                               lat=39.905, lon=116.405, description=hostile("description"))
    services.add_statement(incident, org.leader, hostile("channel", short=True)[:60], hostile("statement"))
    return incident


def test_no_typed_text_of_an_incident_runs_on_its_page_or_the_command_board(page, login, org, incident, ran):
    login("leader")
    detail = f"/emergency/incidents/{incident.pk}/"
    # The command board is the incident's page (its tasks' part is refreshed from board/); its map
    # names the incident in a tooltip.
    open_all(page, [f"{detail}board/", "/emergency/", "/staff/", "/staff/notifications/", detail], ran)
    page.locator("#incident-map path.leaflet-interactive").first.hover()
    tooltip = page.locator("#incident-map .leaflet-tooltip")
    tooltip.wait_for()
    assert ran == [], f"the board's map ran typed text: {ran}"
    assert page.evaluate(MADE) == []
    assert '<script>__xss("incident-title")</script>' in tooltip.inner_text()
    text = page.locator("body").inner_text()
    for field in ("incident-title", "incident-place", "statement"):
        assert f'<script>__xss("{field}")</script>' in text, field


@pytest.fixture
def resident(org):
    """A household and its resident kept by the grid worker, hostile in the building, room, name,
    relation and note."""
    from gongzhi.grid import services

    household = services.save_household(org.grid_worker, grid_id=org.east_g.pk, building=hostile("building")[:100],
                                         room=hostile("room", short=True)[:50])
    return services.save_resident(org.grid_worker, household_id=household.pk, name=hostile("resident", short=True),
                                  relation=hostile("rel", short=True)[:20], note=hostile("resident-note")[:300])


def test_no_typed_text_of_a_resident_runs_on_the_residents_pages(page, login, org, resident, ran):
    login("gridworker")
    detail = f"/grid/residents/{resident.pk}/"
    open_all(page, [f"{detail}edit/", "/grid/residents/", f"/grid/residents/?q={SQL}",
                    f"/grid/residents/households/{resident.household_id}/edit/", detail], ran)
    assert '<script>__xss("resident-note")</script>' in page.locator("body").inner_text()
