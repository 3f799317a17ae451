"""What leaders, departments, operators and the public see on the evaluation pages."""
from __future__ import annotations

import io
import json
import re

import pytest
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal
from gongzhi.core.errors import ActionRefused
from gongzhi.core.models import AuditEntry
from gongzhi.evaluation import services as ev
from gongzhi.evaluation.models import Exclusion, FollowUpCall


@pytest.fixture
def history(org, make_appeal, django_capture_on_commit_callbacks):
    """Three appeals for the housing bureau (one satisfied, one dissatisfied-then-closed, one open)
    and one for the environment bureau, rated satisfied."""
    out = {}
    with django_capture_on_commit_callbacks(execute=True):
        for key, dept, handler in (("a", org.housing, org.handler_housing), ("b", org.housing, org.handler_housing),
                                   ("c", org.housing, org.handler_housing), ("d", org.env, org.handler_env)):
            a = make_appeal(title=f"诉求{key}：楼道堆物", category=org.cat_noise if dept == org.env else org.cat_property)
            services.dispatch(a, org.dispatcher, dept)
            services.acknowledge(a.assignments.get(), handler)
            out[key] = a
        for key, handler in (("a", org.handler_housing), ("b", org.handler_housing), ("d", org.handler_env)):
            services.reply(out[key], handler, "已联系物业清理楼道堆物，问题已解决。")
        services.follow_up(out["a"], "satisfied", resolved=True)
        services.follow_up(out["b"], "basic", resolved=False)
        services.follow_up(out["d"], "satisfied", resolved=True)
    return out


def client_for(client, org, username):
    client.login(username=username, password=org.password)
    return client


def test_leader_dashboard_shows_the_three_rates_and_live_queue(client, org, history):
    c = client_for(client, org, "leader")
    page = c.get("/evaluation/").content.decode()
    assert "领导驾驶舱" in page and "响应率" in page and "满意率" in page
    assert "今日受理" in page and 'class="sr-table"' in page
    # 4 dispatched, all acknowledged on time: 100%; 3 rated, 2 resolved: 66.7%
    assert "100.0%" in page and "66.7%" in page
    assert '<script id="chart-data" type="application/json">' in page
    assert "<script>" not in page.replace('<script id="chart-data"', "")  # no inline script (CSP)
    live = c.get("/evaluation/live/").content.decode()
    assert 'hx-trigger="every 60s"' in live


def test_a_subdistrict_supervisor_sees_the_dashboard_of_that_subdistrict_only(client, org, history, make_appeal,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        west = make_appeal(title="西山社区路灯不亮", lat=39.905, lon=116.305)
        services.dispatch(west, org.dispatcher, org.housing)
    month = timezone.localdate().strftime("%Y-%m")  # the month the appeals are in, still running
    city = client_for(client, org, "leader").get(f"/evaluation/?month={month}").content.decode()
    assert "西山第一网格" in city and "排名靠后的部门" in city
    client.logout()
    page = client_for(client, org, "east_supervisor").get(f"/evaluation/?month={month}").content.decode()
    assert "东城街道" in page
    assert "东湖第一网格" in page and "西山第一网格" not in page
    assert "排名靠后的社区" in page and "西山社区" not in page
    charts = json.loads(re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page, re.S).group(1))
    volume = next(c for c in charts if c["id"] == "volume")
    assert volume["series"][0]["data"][-1] == 4  # the four east appeals; the west one is not counted
    live = client.get("/evaluation/live/").content.decode()
    assert re.search(r"live=today\">4<", live), live


def test_a_handler_cannot_open_the_leader_dashboard_but_sees_own_department(client, org, history):
    c = client_for(client, org, "handler_zjj")
    assert c.get("/evaluation/").status_code == 404
    assert c.get(f"/evaluation/department/{org.env.pk}/").status_code == 404
    r = c.get("/evaluation/department/", follow=True)
    page = r.content.decode()
    assert "区住建局" in page and "部门看板" in page


def test_every_number_drills_down_to_its_appeals(client, org, history):
    c = client_for(client, org, "leader")
    month = timezone.localdate().strftime("%Y-%m")
    page = c.get(f"/evaluation/unit/department/{org.housing.pk}/?month={month}").content.decode()
    links = dict(re.findall(r'<a href="(/evaluation/appeals/\?[^"]+)">([^<]+)</a>', page))
    assert links, "the panel links its numbers"
    for url, label in links.items():
        n = int(re.search(r"\d+", label).group())
        listed = c.get(url.replace("&amp;", "&")).content.decode()
        assert f'<strong class="drill-count">{n}</strong>' in listed, (url, label)
    # the satisfied appeal is behind the "满意 1" link
    url = next(u for u, label in links.items() if label.startswith("满意"))
    assert history["a"].tracking_number in c.get(url.replace("&amp;", "&")).content.decode()


def test_drill_down_only_lists_appeals_the_user_may_see(client, org, history):
    c = client_for(client, org, "handler_hbj")
    month = timezone.localdate().strftime("%Y-%m")
    page = c.get(f"/evaluation/appeals/?kind=city&month={month}&counter=appeals").content.decode()
    assert '<strong class="drill-count">1</strong>' in page
    assert history["d"].tracking_number in page and history["a"].tracking_number not in page


def test_rankings_rank_departments_with_scores(client, org, history, settings):
    settings.GONGZHI = {**settings.GONGZHI, "RANKING_MIN_APPEALS": 1}  # the history has only four appeals
    c = client_for(client, org, "supervisor")
    month = timezone.localdate().strftime("%Y-%m")
    page = c.get(f"/evaluation/rankings/?kind=department&month={month}").content.decode()
    env_pos, housing_pos = page.index("区生态环境局"), page.index("区住建局")
    assert env_pos < housing_pos  # env: all satisfied and resolved, ranked above housing
    assert "综合得分" in page


def test_monthly_report_as_page_and_docx(client, org, history):
    from docx import Document

    c = client_for(client, org, "leader")
    month = timezone.localdate().strftime("%Y-%m")
    page = c.get(f"/evaluation/report/department/{org.housing.pk}/?month={month}").content.decode()
    assert "考评报告" in page and "区住建局" in page
    r = c.get(f"/evaluation/report/department/{org.housing.pk}/docx/?month={month}")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "区住建局" in text and "本月受理诉求 3 件" in text
    cells = [cell.text for t in doc.tables for row in t.rows for cell in row.cells]
    assert "满意率" in cells and "100.0%" in cells  # a satisfied and a basic: 2/2 with default weights
    assert doc.inline_shapes, "the report carries charts"


def test_operator_records_a_phone_follow_up(client, org, history):
    c = client_for(client, org, "operator")
    page = c.get("/evaluation/follow-up/").content.decode()
    assert history["c"].tracking_number not in page  # not replied yet
    services.reply(history["c"], org.handler_housing, "已联系物业清理楼道堆物，问题已解决。")
    page = c.get("/evaluation/follow-up/").content.decode()
    assert history["c"].tracking_number in page and "短信模板" in page and "查询码" in page
    c.post("/evaluation/follow-up/", {"appeal": history["c"].pk, "outcome": "no_answer"})
    history["c"].refresh_from_db()
    assert history["c"].status == "replied"
    c.post("/evaluation/follow-up/", {"appeal": history["c"].pk, "outcome": "rated", "satisfaction": "satisfied",
                                      "resolved": "yes"})
    history["c"].refresh_from_db()
    assert history["c"].status == "closed" and history["c"].satisfaction == "satisfied"
    assert history["c"].events.filter(kind="rated", data__via="phone").exists()
    assert FollowUpCall.objects.filter(appeal=history["c"]).count() == 2


def test_a_supervisor_excludes_an_unreasonable_appeal_and_it_is_audited(client, org, history, django_capture_on_commit_callbacks):
    c = client_for(client, org, "supervisor")
    month = timezone.localdate().replace(day=1)
    before = ev.unit_counts("department", org.housing.pk, [month])
    c.post("/evaluation/exclusions/", {"tracking_number": history["b"].tracking_number, "reason": "无理诉求，反复投诉同一已办结事项"})
    assert Exclusion.objects.filter(appeal=history["b"]).exists()
    assert AuditEntry.objects.filter(action="kpi_exclude", target_id=str(history["b"].pk)).exists()
    after = ev.unit_counts("department", org.housing.pk, [month])
    assert after["appeals"] == before["appeals"] - 1 and after["excluded"] == 1 and after["basic"] == 0
    # a handler may not exclude
    h = client_for(client, org, "handler_zjj")
    assert h.get("/evaluation/exclusions/").status_code == 404


def test_public_statistics_need_no_login(client, org, history):
    page = client.get("/evaluation/public/").content.decode()
    assert "诉求办理公开统计" in page and "区住建局" in page and "平均办理时长" in page
    assert "sr-table" in page
    for a in history.values():
        assert a.tracking_number not in page


def test_open_data_export_holds_no_phone_or_id_number(org, make_appeal, tmp_path, django_capture_on_commit_callbacks,
                                                      published_at_once):
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        make_appeal(appellant_name="李四", appellant_phone="13900001111", appellant_id_number="11010519491231002X",
                    content="李四的电话13900001111，身份证11010519491231002X，车牌京A12345 堵路，另一号码 010-65551234",
                    location_text="东湖社区5号楼", lat=39.90512, lon=116.40567)
        make_appeal(appellant_phone="13700002222", title="噪音扰民 13700002222")
    call_command("opendata", "--out", str(tmp_path))
    text = "".join(p.read_text(encoding="utf-8-sig") for p in tmp_path.iterdir() if p.is_file())
    for phone, id_number in Appeal.objects.values_list("appellant_phone", "appellant_id_number"):
        if phone:
            assert phone not in text
        if id_number:
            assert id_number not in text
    assert "李四" not in text and "京A12345" not in text and "65551234" not in text
    rows = json.loads((tmp_path / "appeals-latest.json").read_text(encoding="utf-8"))
    assert len(rows) == 2
    row = next(r for r in rows if r["lat"] is not None and "[电话]" in r["content"])
    assert row["lat"] == 39.905 and row["lon"] == 116.406
    assert "appellant_name" not in row and "appellant_user" not in row
    assert (tmp_path / "appeals-latest.csv").read_text(encoding="utf-8-sig").startswith("tracking_number,")


def test_opendata_command_refuses_a_file_as_folder(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    f = tmp_path / "x"
    f.write_text("")
    with pytest.raises(CommandError, match="not a folder"):
        call_command("opendata", "--out", str(f))


def test_download_page_serves_the_export(client, org, make_appeal, settings, tmp_path):
    from django.core.management import call_command

    settings.DATA_DIR = tmp_path
    make_appeal()
    call_command("opendata", "--out", str(tmp_path / "opendata"))
    page = client.get("/evaluation/opendata/").content.decode()
    assert "appeals-latest.csv" in page
    r = client.get("/evaluation/opendata/appeals-latest.json")
    assert r.status_code == 200
    assert client.get("/evaluation/opendata/..%2Fsecret").status_code == 404


def test_a_scheme_with_other_weights_changes_the_satisfaction_rate_and_quarters_add_up(client, org, history):
    from gongzhi.evaluation.models import EvaluationScheme

    month = timezone.localdate().replace(day=1)
    default = {r.unit_id: r for r in ev.ranking("department", month)["rows"]}
    assert default[org.housing.pk].values["satisfaction_rate"] == 1.0  # satisfied + basic, weights 1 and 1
    strict = EvaluationScheme.objects.create(name="严格口径", scope_kind="department", period="quarter",
                                             satisfied_weight=1.0, basic_weight=0.5)
    rows = {r.unit_id: r for r in ev.ranking("department", month, strict)["rows"]}
    assert rows[org.housing.pk].values["satisfaction_rate"] == 0.75
    assert rows[org.housing.pk].values["appeals"] == 3  # the quarter holds this month's appeals
    c = client_for(client, org, "leader")
    page = c.get(f"/evaluation/rankings/?scheme={strict.pk}").content.decode()
    assert "严格口径" in page and "75.0%" in page


def test_a_dissatisfied_phone_rating_reopens_the_appeal(client, org, history):
    c = client_for(client, org, "operator")
    services.reply(history["c"], org.handler_housing, "已联系物业清理楼道堆物，问题已解决。")
    c.post("/evaluation/follow-up/", {"appeal": history["c"].pk, "outcome": "rated", "satisfaction": "dissatisfied",
                                      "resolved": "no"})
    history["c"].refresh_from_db()
    assert history["c"].status == "dispatched" and history["c"].reopen_count == 1


def test_live_queue_tiles_drill_down_to_the_same_appeals(client, org, history):
    c = client_for(client, org, "leader")
    page = c.get("/evaluation/").content.decode()
    links = re.findall(r'<a href="(/evaluation/appeals/\?kind=city&amp;live=\w+)">(?:<span[^>]*>)?(\d+)', page)
    assert len(links) == 5
    for url, n in links:
        listed = c.get(url.replace("&amp;", "&")).content.decode()
        assert f'<strong class="drill-count">{n}</strong>' in listed, url


def test_a_supervisor_cannot_exclude_an_appeal_outside_their_region(org, make_appeal):
    west = make_appeal(lat=39.905, lon=116.305)  # in the west grid
    with pytest.raises(ActionRefused):
        ev.exclude(west, org.east_supervisor, "无理诉求，反复投诉")
    assert not Exclusion.objects.exists()


def test_the_follow_up_sms_never_carries_part_of_a_phone_number(org, make_appeal):
    from gongzhi.evaluation import services as evaluation

    appeal = make_appeal(title="小区门口路灯坏了请回电13812345678")  # the number straddles the 20th character
    text = evaluation.sms_text(appeal, "https://example.org/track/")
    assert "138" not in text.replace(appeal.tracking_number, "") and appeal.tracking_number in text
