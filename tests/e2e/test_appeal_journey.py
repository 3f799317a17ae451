"""The whole journey of one appeal in a real browser: citizen → dispatcher → department → citizen → supervisor."""
import pytest
from playwright.sync_api import expect

from gongzhi.appeals.models import Appeal, Status
from gongzhi.core.models import AuditEntry

REPLY = "您好，经现场核查，3栋电梯主板老化损坏。我局已督促物业公司更换主板，电梯已于今日恢复正常运行。"


def sign_out(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("networkidle")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_appeal_from_submission_to_a_closed_case_on_the_board(page, login, shot, org):
    # 1. A citizen submits an appeal on the portal, pointing at the place on the map.
    page.goto("/")
    page.get_by_test_id("submit-link").click()
    page.fill("#id_title", "东湖社区3栋电梯故障两个月无人维修")
    page.fill("#id_content", "3栋电梯从九月起一直停运，物业说等配件，老人上下楼非常困难，请尽快解决。")
    page.fill("#id_location_text", "东湖社区3栋")
    page.locator("#map[data-ready='1']").wait_for()  # grid outlines drawn from the JSON endpoint
    page.locator(".leaflet-interactive").first.click()  # the east grid
    expect(page.locator("#map-hint")).to_contain_text("已选位置")
    page.fill("#id_appellant_name", "张三")
    page.fill("#id_appellant_phone", "13812345678")
    shot(page, "journey-00-form")
    page.get_by_test_id("submit").click()
    expect(page.get_by_text("请妥善保存")).to_be_visible()
    number = page.get_by_test_id("tracking-number").inner_text().strip()
    code = page.get_by_test_id("access-code").inner_text().strip()
    shot(page, "journey-01-submitted")
    appeal = Appeal.objects.get(tracking_number=number)
    assert appeal.lat is not None and appeal.grid == org.east_g

    # 2. The dispatcher finds it in the queue and dispatches it to the housing bureau.
    login("dispatcher")
    page.locator("#dispatch-queue").get_by_role("link", name=number).click()
    page.select_option("#dispatch-lead", label="区住建局")
    page.fill("#dispatch-instructions", "请核实电梯维修进度")
    page.get_by_test_id("dispatch").click()
    expect(page.get_by_test_id("status")).to_have_text("待签收")
    shot(page, "journey-02-dispatched")
    sign_out(page)

    # 3. The department handler acknowledges and replies.
    login("handler_zjj")
    page.locator("#department-queue").get_by_role("link", name=number).click()
    page.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("status")).to_have_text("办理中")
    expect(page.locator("#appellant")).to_contain_text("138****5678")
    page.locator("#pii-appellant_phone").get_by_role("button", name="显示").click()  # audited, swapped in by htmx
    expect(page.get_by_test_id("revealed")).to_have_text("13812345678")
    assert AuditEntry.objects.filter(action="reveal_personal_data", actor=org.handler_housing).count() == 1
    shot(page, "journey-03-acknowledged")
    page.fill("#reply-text", REPLY)
    page.get_by_test_id("reply").click()
    expect(page.get_by_test_id("status")).to_have_text("待回访")
    shot(page, "journey-04-replied")
    sign_out(page)

    # 4. The citizen opens the tracking page, reads the reply in Chinese and rates it.
    page.goto("/track/")
    page.fill("#id_tracking_number", number)
    page.fill("#id_access_code", code)
    page.get_by_test_id("track-submit").click()
    expect(page.get_by_test_id("reply")).to_have_text(REPLY)
    expect(page.get_by_test_id("public-timeline")).not_to_contain_text("handler_zjj")
    shot(page, "journey-05-reply-seen")
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("已解决").check()
    page.get_by_test_id("rate-submit").click()
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    shot(page, "journey-06-rated")
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and appeal.satisfaction == "satisfied"

    # 5. The supervisor's board shows it among the recently closed appeals.
    login("supervisor")
    page.goto("/staff/board/")
    expect(page.locator("#board-closed")).to_contain_text(number)
    shot(page, "journey-07-board")
