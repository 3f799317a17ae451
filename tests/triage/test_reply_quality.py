"""Reply quality: the scores a supervisor reads and the warnings a handler sees before sending."""
from __future__ import annotations

import csv
from datetime import datetime

from gongzhi.triage.reply_quality import score_reply, warnings, weekday_count

TITLE = "A5区魅力之城小区临街夜宵摊油烟扰民"
APPEAL = "A5区劳动东路魅力之城小区一楼临街的夜宵摊和烧烤店营业到凌晨，油烟直排进小区，噪音扰民，请城管处理。"
GOOD = ("网友您好！现将有关情况回复如下：经查，魅力之城小区临街门面共有夜宵店4家，其中2家未安装油烟净化设施。"
        "区城管局已责令上述门店停止露天烧烤，限期7日内安装油烟净化设施，现已全部整改到位。"
        "下一步我局将加强夜间巡查。如有疑问请联系A5区城管局，电话：0731-84000000。")
BOILERPLATE = "网友您好！您的留言已收悉，已转相关部门调查处理。感谢您对我们工作的支持！"
NO_PLACE = ("经查，相关门店未安装油烟净化设施，城管部门已责令整改，现已整改到位。"
            "如有疑问请拨打电话0731-84000000。")


def test_a_reply_with_facts_measures_result_and_contact_scores_high():
    good = score_reply(APPEAL, GOOD, TITLE, datetime(2019, 7, 22, 9), datetime(2019, 7, 25, 9))
    bad = score_reply(APPEAL, BOILERPLATE, TITLE, datetime(2019, 7, 22, 9), datetime(2019, 7, 23, 9))
    assert good.score > 80 and good.completeness == 100 and good.relevance > 80
    assert bad.score < 40 and "仅有套话，未回应诉求" in bad.reasons
    assert good.score > bad.score + 40


def test_timeliness_counts_working_days_and_accepts_a_calendar():
    monday, next_monday = datetime(2019, 7, 22), datetime(2019, 7, 29)
    assert weekday_count(monday, next_monday) == 5
    fast = score_reply(APPEAL, GOOD, TITLE, monday, next_monday)
    slow = score_reply(APPEAL, GOOD, TITLE, monday, datetime(2019, 10, 28))
    assert fast.timeliness > slow.timeliness
    assert any("个工作日" in r for r in slow.reasons)
    holidays = score_reply(APPEAL, GOOD, TITLE, monday, next_monday, workdays=lambda a, b: 40)
    assert holidays.timeliness < fast.timeliness
    assert score_reply(APPEAL, GOOD, TITLE).timeliness is None


def test_warning_when_the_reply_does_not_mention_the_place():
    found = warnings(f"{TITLE}\n{APPEAL}", NO_PLACE)
    assert any(w.startswith("答复未提及诉求地点") and "魅力之城" in w for w in found)
    assert not any(w.startswith("答复未提及诉求地点") for w in warnings(f"{TITLE}\n{APPEAL}", GOOD))


def test_warning_when_no_concrete_measure_is_given():
    assert "未说明具体措施" in warnings(APPEAL, "网友您好，魅力之城小区夜宵摊油烟问题已知悉，谢谢您的反映。")
    assert warnings(f"{TITLE}\n{APPEAL}", GOOD) == []


def test_reply_quality_command_writes_one_scored_row_per_reply(tmp_path, triage_cli):
    src = tmp_path / "replies.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["编号", "主题", "详情", "时间", "答复", "答复日期"])
        w.writerow(["7", TITLE, APPEAL, "2019/7/22 9:00:00", GOOD, "2019/7/25 9:00:00"])
        w.writerow(["8", TITLE, APPEAL, "2019/7/22 9:00:00", BOILERPLATE, ""])
    out = tmp_path / "rq.csv"
    argv = ["reply-quality", "--csv", str(src), "--out", str(out), "--id", "编号", "--title", "主题", "--text", "详情",
            "--time", "时间", "--reply", "答复", "--reply-time", "答复日期"]
    code, _, err = triage_cli(*argv)
    assert code == 0, err
    with open(out, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["id", "score", "relevance", "completeness", "timeliness", "clarity", "reasons"]
    assert [r["id"] for r in rows] == ["7", "8"]
    assert float(rows[0]["score"]) > float(rows[1]["score"])
    assert rows[1]["timeliness"] == "" and "仅有套话" in rows[1]["reasons"]


def test_reply_quality_with_the_default_columns_missing_exits_2_with_one_line(tmp_path, triage_cli):
    src = tmp_path / "replies.csv"
    src.write_text("id,text\n1,hello\n", encoding="utf-8")
    code, _, err = triage_cli("reply-quality", "--csv", src, "--out", tmp_path / "o.csv")
    assert code == 2
    assert "missing column(s) 留言编号" in err and len(err.strip().splitlines()) == 1
