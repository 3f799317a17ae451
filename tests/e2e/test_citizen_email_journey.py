"""A citizen's appeal in a real browser, from the portal to the e-mails a real SMTP server received:
the acceptance with the tracking number and access code, the answer with the rating link, which
opens the appeal's page in the browser to rate it, and the closing message."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Status
from tests.notify_peers import http_receiver, peers, smtp  # noqa: F401  (fixtures)

REPLY = "您好，经现场核查，3栋电梯主板老化损坏。我局已督促物业公司更换主板，电梯已于今日恢复正常运行。"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_citizen_follows_the_appeal_by_email_and_rates_it_from_the_link(page, live_server, shot, org, peers,
                                                                           settings):
    mail, receiver = peers
    # The worker's task runs as soon as it is queued (after the action commits), in the site's thread.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.GONGZHI = {**settings.GONGZHI, "SITE_URL": live_server.url}

    page.goto("/submit/")
    page.fill("#id_title", "东湖社区3栋电梯故障两个月无人维修")
    page.fill("#id_content", "3栋电梯从九月起一直停运，物业说等配件，老人上下楼非常困难，请尽快解决。")
    page.fill("#id_appellant_name", "张三")
    page.fill("#id_appellant_phone", "13812345678")
    page.fill("#id_appellant_email", "zhang.san@example.com")
    expect(page.locator("#id_notify_me")).to_be_checked()  # told by default, unticked to opt out
    page.get_by_test_id("submit").click()
    number = page.get_by_test_id("tracking-number").inner_text().strip()
    code = page.get_by_test_id("access-code").inner_text().strip()
    shot(page, "citizen-mail-00-submitted")

    accepted = mail.wait_for(1)[0]
    assert str(accepted["Subject"]).strip() == f"您的诉求已受理：{number}"
    assert f"受理编号：{number}" in mail.bodies()[0] and f"查询码：{code}" in mail.bodies()[0]
    assert code in receiver.received[0]["json"]["text"]  # and by SMS

    appeal = Appeal.objects.get(tracking_number=number)
    services.dispatch(appeal, org.dispatcher, org.housing)
    services.acknowledge(appeal.assignments.get(), org.handler_housing)
    services.reply(appeal, org.handler_housing, REPLY)
    mail.wait_for(2)
    assert str(mail.messages[1]["Subject"]).strip() == f"您的诉求已答复：{number}"
    link = re.search(r"(http://\S+/track/open/\S+/)", mail.bodies()[1]).group(1)

    page.context.clear_cookies()  # another device: the link alone opens the appeal, no code typed
    page.goto(link)
    expect(page.get_by_test_id("reply")).to_have_text(REPLY)
    shot(page, "citizen-mail-01-rating-link")
    page.get_by_label("满意", exact=True).check()
    page.get_by_test_id("rate-submit").click()
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and appeal.satisfaction == "satisfied"
    mail.wait_for(3)
    assert str(mail.messages[2]["Subject"]).strip() == f"您的诉求已办结：{number}"
