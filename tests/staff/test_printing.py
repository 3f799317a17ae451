"""The printed work order (工单) of one appeal and the printed list of the queue: A4 pages with the
fields a work order carries, personal data masked as on screen."""
import html as html_lib
import re

from django.urls import reverse

from gongzhi.appeals import services

from .helpers import dispatched, signed_in

CONTENT = "东湖社区3栋电梯坏了两个月，物业不修，请联系我13812345678，身份证110101199003071234。"


def text_of(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_work_order_carries_the_fields_of_a_work_order(client, org, make_appeal):
    appeal = make_appeal(content=CONTENT, urgency="urgent", channel="phone")
    services.dispatch(appeal, org.dispatcher, org.housing, [org.env], instructions="请三日内到现场核实")
    appeal.refresh_from_db()
    signed_in(client, org.handler_housing)
    response = client.get(reverse("staff:work_order", args=[appeal.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    page = text_of(html)
    for expected in (appeal.tracking_number, "受理时间", "电话", "物业管理", "紧急", "办理时限", "区住建局",
                     "区生态环境局", "东湖社区3栋", "请三日内到现场核实", "办理答复", "承办人（签字）",
                     "承办单位负责人（签字/盖章）"):
        assert expected in page, expected
    assert "css/print.css" in html
    # Personal data is masked as on screen: the name, the phone field and the numbers in the text.
    assert "13812345678" not in page and "110101199003071234" not in page and "张三" not in page
    assert "138****5678" in page


def test_the_print_stylesheet_sets_an_a4_page_and_hides_the_toolbar_on_paper(client):
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/print.css"), encoding="utf-8").read()
    assert "size: A4" in css and re.search(r"@media print \{[^}]*\.print-bar \{ display: none; \}", css)


def test_the_work_order_of_an_appeal_out_of_scope_is_not_found(client, org, make_appeal):
    appeal = dispatched(org, make_appeal())
    signed_in(client, org.handler_env)
    assert client.get(reverse("staff:work_order", args=[appeal.pk])).status_code == 404


def test_the_printed_list_follows_the_filters_and_sorting_of_the_queue(client, org, make_appeal):
    critical = make_appeal(title="燃气泄漏气味", urgency="critical")
    normal = make_appeal(title="路灯不亮")
    noise = make_appeal(title="夜间施工噪声", category=org.cat_noise)
    signed_in(client, org.dispatcher)
    html = client.get(reverse("staff:queue_print"), {"category": org.cat_property.pk, "sort": "urgency"}).content.decode()
    assert html.index(critical.tracking_number) < html.index(normal.tracking_number)
    assert noise.tracking_number not in html
    assert "共 2 件" in text_of(html) and "分类：城乡建设 > 物业管理" in text_of(html)
    list_page = client.get(reverse("staff:appeal_list"), {"category": org.cat_property.pk}).content.decode()
    assert f'{reverse("staff:queue_print")}?category={org.cat_property.pk}' in list_page
