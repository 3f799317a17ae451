"""The evaluation pages, and the refusals users meet, read wholly in English once English is chosen.

Only data may stay Chinese: names of regions, grids, departments and categories, appeal texts,
scheme names. Each test strips the data values stored in the database from the page, then looks
for any Han character left in the markup, in attributes and in the chart data (json_script escapes
non-ASCII, so that is decoded and checked separately).
"""
from __future__ import annotations

import io
import json
import re

import pytest
from django.utils import translation

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Category
from gongzhi.core.models import Department, Grid, Region, User
from gongzhi.evaluation import kpis, reports
from gongzhi.evaluation.models import EvaluationScheme

HAN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")  # Han, CJK punctuation, full-width forms
JSON_SCRIPT = re.compile(r'<script id="[^"]+" type="application/json">(.*?)</script>', re.S)
# not words to translate: the brand 共治 beside its romanisation, and the language menu, which names
# each language in that language (简体中文)
BRAND = re.compile(r'共治(?=\s*(<small>)?Gongzhi)|<form[^>]*class="lang".*?</form>', re.S)


@pytest.fixture
def history(org, make_appeal, django_capture_on_commit_callbacks):
    """Appeals for two departments: one satisfied, one basically satisfied, one still open."""
    with django_capture_on_commit_callbacks(execute=True):
        out = []
        for dept, handler in ((org.housing, org.handler_housing), (org.housing, org.handler_housing),
                              (org.housing, org.handler_housing), (org.env, org.handler_env)):
            a = make_appeal(category=org.cat_noise if dept == org.env else org.cat_property)
            services.dispatch(a, org.dispatcher, dept)
            services.acknowledge(a.assignments.get(), handler)
            out.append(a)
        for a, handler in ((out[0], org.handler_housing), (out[1], org.handler_housing), (out[3], org.handler_env)):
            services.reply(a, handler, "已联系物业清理楼道堆物，问题已解决。")
        services.follow_up(out[0], "satisfied", resolved=True)
        services.follow_up(out[1], "basic", resolved=False)
        services.follow_up(out[3], "satisfied", resolved=True)
    return out


def data_values() -> list[str]:
    """Every text the database holds that a page may print as it is (longest first)."""
    values = set()
    for model in (Region, Grid, Department, Category, EvaluationScheme):
        values.update(model.objects.values_list("name", flat=True))
    for a in Appeal.objects.all():
        values.update([a.title, a.content, a.location_text, a.appellant_name])
    values.update(User.objects.values_list("display_name", flat=True))
    return sorted((v for v in values if v), key=len, reverse=True)


def json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in json_strings(v)]
    return []


def chinese_left(html: str) -> list[str]:
    """Han text remaining once data values and the brand are taken out, chart data included."""
    texts = [BRAND.sub("", JSON_SCRIPT.sub("", html))]
    for blob in JSON_SCRIPT.findall(html):
        texts.extend(json_strings(json.loads(blob)))
    values = data_values()
    left = []
    for text in texts:
        for v in values:
            text = text.replace(v, "")
        left.extend(HAN.findall(text))
    return left


def english(client, user):
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.mark.django_db
def test_the_evaluation_pages_have_no_chinese_left_in_english(client, org, history):
    c = english(client, org.leader)
    month = f"{history[0].received_at:%Y-%m}"
    pages = {
        "leader dashboard": f"/evaluation/?month={month}",
        "leader dashboard, last complete month": "/evaluation/",
        "live tiles": "/evaluation/live/",
        "rankings": "/evaluation/rankings/",
        "quarterly rankings by subdistrict": f"/evaluation/rankings/?kind=subdistrict&period=quarter&month={month}",
        "department dashboard": f"/evaluation/department/{org.housing.pk}/",
        "unit panel": f"/evaluation/unit/city/0/?month={month}",
        "drill-down": f"/evaluation/appeals/?kind=department&unit={org.housing.pk}&counter=satisfied&period=quarter",
        "monthly report": f"/evaluation/report/department/{org.housing.pk}/?month={month}",
        "city report": f"/evaluation/report/city/0/?month={month}",
        "exclusions": "/evaluation/exclusions/",
        "public statistics": "/evaluation/public/",
        "open data": "/evaluation/opendata/",
    }
    for name, url in pages.items():
        response = c.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert '<html lang="en">' in html or name == "live tiles", name
        assert chinese_left(html) == [], name
    # spot checks that the words are the English ones, not merely absent
    leader = c.get(f"/evaluation/?month={month}").content.decode()
    assert "Leader dashboard" in leader and "Response rate" in leader and "Received today" in leader
    charts = json.loads(JSON_SCRIPT.search(leader).group(1))
    assert charts[0]["title"] == "The three rates over the last 12 months"
    assert [s["name"] for s in charts[0]["series"]] == ["Response rate", "Resolution rate", "Satisfaction rate"]
    grid_map = json.loads(re.search(r'<script id="grid-map-data" type="application/json">(.*?)</script>', leader).group(1))
    tips = {g["name"]: g["tip"] for g in grid_map["grids"]}
    assert tips[org.east_g.name] == f"{org.east_g.name}: 4 appeals"
    report = c.get(f"/evaluation/report/department/{org.housing.pk}/?month={month}").content.decode()
    assert "Appeals received this month: 3 (plus 0 excluded)" in report and "Default scheme" in report


@pytest.mark.django_db
def test_the_word_report_is_written_in_english(client, org, history):
    from docx import Document

    c = english(client, org.leader)
    month = f"{history[0].received_at:%Y-%m}"
    r = c.get(f"/evaluation/report/department/{org.housing.pk}/docx/?month={month}")
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    paragraphs = [p.text for p in doc.paragraphs]
    cells = [cell.text for t in doc.tables for row in t.rows for cell in row.cells]
    assert any(p.startswith("Appeals received this month: 3 (plus 0 excluded)") for p in paragraphs)
    assert "Satisfaction rate" in cells and "Indicator" in cells
    text = "\n".join(paragraphs + cells)
    for v in data_values():
        text = text.replace(v, "")
    assert HAN.findall(text) == []


@pytest.mark.django_db
def test_the_follow_up_page_is_english_apart_from_the_text_message_sent_to_citizens(client, org, history):
    answer = "已联系物业清理楼道堆物，问题已解决。"
    services.reply(history[2], org.handler_housing, answer)  # now awaiting follow-up
    c = english(client, org.operator)
    html = c.get("/evaluation/follow-up/").content.decode()
    assert "Appeals awaiting follow-up" in html and "Record the phone follow-up" in html
    sms = re.findall(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    for text in sms + [answer]:  # the text message, and the reply as the department wrote it
        html = html.replace(text, "")
    assert chinese_left(html) == []


@pytest.mark.django_db
def test_the_chinese_pages_are_unchanged_by_the_markup(client, org, history):
    client.force_login(org.leader)
    html = client.get("/evaluation/").content.decode()
    assert "领导驾驶舱" in html and "响应率" in html and "今日受理" in html
    month = f"{history[0].received_at:%Y-%m}"
    report = client.get(f"/evaluation/report/department/{org.housing.pk}/?month={month}").content.decode()
    assert "本月受理诉求 3 件" in report and "默认方案" in report


@pytest.mark.django_db
def test_an_exclusion_refused_by_the_evaluation_service_is_explained_in_english(client, org, history):
    c = english(client, org.supervisor)
    number = history[0].tracking_number
    page = c.post("/evaluation/exclusions/", {"tracking_number": number, "reason": "无"}, follow=True)
    html = page.content.decode()
    assert "Please give a reason for the exclusion (at least 4 characters)" in html
    assert "请填写剔除理由" not in html
    page = c.post("/evaluation/exclusions/", {"tracking_number": "NOSUCH", "reason": "重复恶意诉求"}, follow=True)
    assert "No appeal has this tracking number" in page.content.decode()


@pytest.mark.django_db
def test_a_refused_appeal_action_is_explained_in_english(client, org, make_appeal):
    appeal = make_appeal()
    services.dispatch(appeal, org.dispatcher, org.housing)
    c = english(client, org.dispatcher)
    response = c.post(f"/staff/appeals/{appeal.pk}/dispatch/", {"lead": org.env.pk})
    assert response.status_code == 409
    html = response.content.decode()
    assert "The appeal is now “Awaiting acknowledgement”: dispatching is not possible" in html
    assert "不能派单" not in html


def test_refusals_keep_their_chinese_wording_by_default():
    with translation.override("zh-hans"):
        assert reports.summary_sentence({"appeals": 3}) == (
            "本月受理诉求 3 件（另剔除 0 件），派单 0 件，答复 0 件，评价 0 件，办结 0 件。")


def test_the_translated_kpi_labels_say_what_the_pure_kpi_module_says():
    """kpis.py has no Django import, so its labels are repeated (marked) in reports.py: keep them equal."""
    with translation.override("zh-hans"):
        assert {k: str(v) for k, v in reports.KPI_LABELS.items()} == kpis.KPI_LABELS
