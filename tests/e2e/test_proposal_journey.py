"""A proposal (金点子) in a real browser: a citizen submits it, two others support it, the department
answers, and the proposer reads the answer on the public page; the public participation pages pass
axe-core with no serious or critical violation."""
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from gongzhi.participation import moderation
from gongzhi.participation.categories import ensure_default_categories
from gongzhi.participation.models import Moderation, Proposal, ProposalCategory
from tests.participation.conftest import citizen

ANSWER = "感谢建议。我局已将东湖公园南门草坪儿童游乐区列入明年改造计划，预计五月建成。"


def sign_out(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("networkidle")


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_citizen_proposes_two_support_the_department_answers_and_the_proposer_reads_it(page, login, shot, org):
    ensure_default_categories(ProposalCategory)
    urban = ProposalCategory.objects.get(code="urban")
    urban.threshold, urban.department = 2, org.housing
    urban.save()
    for name in ("resident1", "resident2"):
        citizen(name)

    # 1. The citizen submits an idea.
    login("citizen")
    page.goto("/participation/")
    page.get_by_test_id("new-proposal").click()
    page.fill("#id_title", "东湖公园增设儿童游乐区")
    page.fill("#id_text", "东湖公园没有儿童游乐设施，周末孩子很多，建议在南门草坪增设滑梯和秋千。")
    page.select_option("#id_category", label="城市建设")
    page.fill("#id_place", "东湖公园南门")
    page.get_by_test_id("submit-proposal").click()
    expect(page.get_by_test_id("pending-review")).to_be_visible()
    shot(page, "proposal-01-submitted")
    proposal = Proposal.objects.get()
    sign_out(page)
    # A moderator lets it through (the queue is tested on its own).
    moderation.approve(moderation.case_of(Moderation.Item.PROPOSAL, proposal.pk), org.operator)

    # 2. Two neighbours support it; the second support reaches the threshold.
    for name in ("resident1", "resident2"):
        login(name)
        page.goto(f"/participation/proposals/{proposal.pk}/")
        page.get_by_test_id("support").click()
        expect(page.get_by_test_id("withdraw")).to_be_visible()
        sign_out(page)
    page.goto(f"/participation/proposals/{proposal.pk}/")
    expect(page.get_by_test_id("support-count")).to_have_text("2")
    expect(page.get_by_test_id("status")).to_have_text("待答复")
    shot(page, "proposal-02-supported")

    # 3. The department answers from its queue.
    login("handler_zjj")
    page.goto("/participation/staff/proposals/")
    page.get_by_test_id("staff-proposals").get_by_role("link", name=proposal.number).click()
    page.select_option("#id_outcome", "adopted")
    page.fill("#id_text", ANSWER)
    page.get_by_test_id("answer").click()
    expect(page.get_by_test_id("status")).to_have_text("采纳")
    shot(page, "proposal-03-answered")
    sign_out(page)

    # 4. The proposer reads the answer on the public page, and in their notifications.
    login("citizen")
    page.goto(f"/participation/proposals/{proposal.pk}/")
    expect(page.get_by_test_id("answer")).to_contain_text(ANSWER)
    expect(page.get_by_test_id("public-timeline")).to_contain_text("部门答复")
    shot(page, "proposal-04-proposer-reads")
    assert org.citizen.notifications.filter(kind="participation.proposal", text__contains="采纳").exists()
    sign_out(page)

    # 5. The public pages pass axe-core (no serious or critical violation).
    for path in ("/participation/", f"/participation/proposals/{proposal.pk}/", "/participation/consultations/",
                 "/participation/surveys/", "/participation/verify/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert serious_violations(page) == [], path
