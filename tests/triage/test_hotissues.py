"""Hot issues: grouping, heat, early-warning signals and the `hot-issues` command."""
from __future__ import annotations

import csv
from datetime import datetime, timedelta

import pytest

from gongzhi.triage.duplicates import Appeal
from gongzhi.triage.hotissues import AlertThresholds, HotIssueIndex, alert_checks, group_signals

T0 = datetime(2019, 11, 2, 9, 0)

MIXER = [
    ("A2区丽发新城附近修建搅拌站噪音扰民", "丽发新城小区旁边新建的混凝土搅拌站从早到晚运转，噪音和粉尘严重影响居民休息。"),
    ("投诉丽发新城小区附近搅拌站灰尘污染", "搅拌站离丽发新城小区不到一百米，粉尘飘进家里，噪音扰民，请环保部门查处。"),
    ("丽发新城搅拌站噪音太大", "我是丽发新城业主，小区附近的搅拌站每天夜里还在施工，噪音让孩子无法入睡。"),
    ("再次投诉丽发新城附近违建搅拌站", "丽发新城小区附近的搅拌站没有环评手续，粉尘和噪音污染严重，业主强烈要求搬迁。"),
]
BUS = [("A市205路公交车经常不按时发车", "205路公交首站经常三十分钟不发车，上班族经常迟到。"),
       ("205路公交车发车不准时", "205路公交车站台等车半小时不来，希望公交公司按时刻表发车。")]
OTHER = [("A3区梅溪湖路灯不亮", "梅溪湖路晚上路灯全部不亮，行人很不安全。")]


def appeals(groups, start=T0, step_hours=20):
    out, k = [], 0
    for title, text in groups:
        out.append(Appeal(str(100 + k), f"{title}\n{text}", start + timedelta(hours=step_hours * k), f"user{k}",
                          title, support=k))
        k += 1
    return out


def test_appeals_about_one_problem_at_one_place_form_one_issue():
    index = HotIssueIndex()
    ranked = index.rebuild(appeals(MIXER + BUS + OTHER))
    by_member = index.issue_of
    mixer = {by_member[a.id] for a in appeals(MIXER)}
    assert len(mixer) == 1
    bus = {by_member[str(100 + len(MIXER) + i)] for i in range(len(BUS))}
    assert len(bus) == 1 and bus != mixer
    assert by_member[str(100 + len(MIXER) + len(BUS))] not in mixer | bus
    top = ranked[0]
    assert top.size == 4 and top.distinct_people == 4
    assert "丽发新城" in top.place
    assert "搅拌站" in top.title
    assert top.start == T0 and top.end == T0 + timedelta(hours=60)


def test_a_new_appeal_joins_its_issue_incrementally():
    index = HotIssueIndex()
    first = appeals(MIXER[:2])
    index.rebuild(first)
    issue_id = index.add(Appeal("new", "丽发新城搅拌站粉尘噪音\n丽发新城小区旁的搅拌站半夜施工，噪音粉尘扰民。",
                                T0 + timedelta(days=5), "someone", "丽发新城搅拌站粉尘噪音"))
    assert issue_id == index.issue_of[first[0].id]
    other = index.add(Appeal("road", "A3区梅溪湖路灯不亮\n梅溪湖路晚上路灯不亮。", T0 + timedelta(days=5), "x",
                             "A3区梅溪湖路灯不亮"))
    assert other != issue_id


def test_the_same_problem_months_later_starts_a_new_issue():
    index = HotIssueIndex(window_days=30)
    index.rebuild(appeals(MIXER[:2]))
    later = index.add(Appeal("late", f"{MIXER[2][0]}\n{MIXER[2][1]}", T0 + timedelta(days=200), "u", MIXER[2][0]))
    assert later != index.issue_of["100"]


def test_more_people_make_an_issue_hotter_than_one_person_repeating():
    many = HotIssueIndex()
    many.rebuild(appeals(MIXER))
    one = HotIssueIndex()
    one.rebuild([Appeal(a.id, a.text, a.time, "same-person", a.title) for a in appeals(MIXER)])
    assert many.ranked()[0].heat() > one.ranked()[0].heat()


def test_group_incident_signals_are_detected_in_a_banner_text():
    kinds = {s.kind for s in group_signals("开发商拖欠工资半年，数十名农民工在工地门口拉横幅讨薪，还有人扬言要跳楼。")}
    assert {"banner", "wages", "many_people", "self_harm"} <= kinds
    assert {s.label for s in group_signals("上百户业主准备集体上访")} >= {"集体上访", "人数众多"}
    assert group_signals("小区门口的路灯坏了，请尽快维修。") == []
    assert group_signals("12户居民反映楼道灯不亮") == []  # a dozen households is not a crowd


def test_an_issue_growing_past_the_thresholds_raises_alerts():
    index = HotIssueIndex()
    issue = index.ranked()[0] if index.rebuild(appeals(MIXER)) else None
    quiet = alert_checks(issue, AlertThresholds(window_days=7, growth=10, distinct_people=10, size=30))
    assert quiet == []
    loud = alert_checks(issue, AlertThresholds(window_days=7, growth=3, distinct_people=4, size=30))
    assert {a.kind for a in loud} == {"growth", "people"}
    assert any("4名不同诉求人" in a.message for a in loud)


def write_csv(path, rows, header=("留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数")):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


HOT_ARGS = ["--id", "留言编号", "--text", "留言主题,留言详情", "--time", "留言时间", "--user", "留言用户",
            "--support", "点赞数"]


def test_hot_issues_command_writes_exactly_the_member_and_issue_tables(tmp_path, triage_cli):
    rows = [(a.id, a.user, a.title, a.time.strftime("%Y/%m/%d %H:%M:%S"), a.text.split("\n", 1)[1], a.support)
            for a in appeals(MIXER + BUS + OTHER)]
    write_csv(tmp_path / "in.csv", rows)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, _, err = triage_cli("hot-issues", "--csv", tmp_path / "in.csv", *HOT_ARGS, "--out", out_dir / "HOT.csv")
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == ["HOT.csv", "HOT.issues.csv"]
    with open(out_dir / "HOT.csv", encoding="utf-8") as fh:
        members = list(csv.reader(fh))
    with open(out_dir / "HOT.issues.csv", encoding="utf-8") as fh:
        issues = list(csv.reader(fh))
    assert members[0] == ["rank", "issue_id", "message_id"]
    assert issues[0] == ["rank", "issue_id", "heat", "title", "place", "start", "end", "size"]
    assert [r[0] for r in issues[1:]] == ["1", "2"]  # the single street-light appeal is not a hot issue
    assert issues[1][7] == "4" and "丽发新城" in issues[1][4]
    assert float(issues[1][2]) > float(issues[2][2])
    assert {r[2] for r in members[1:] if r[0] == "1"} == {"100", "101", "102", "103"}


@pytest.mark.parametrize("args, message", [
    (["--id", "编号"], "missing column(s) 编号"),
    (["--time", "时间"], "missing column(s) 时间"),
])
def test_hot_issues_with_a_missing_column_exits_2_with_one_line(tmp_path, triage_cli, args, message):
    write_csv(tmp_path / "in.csv", [("1", "u", "标题", "2019/1/1 10:00:00", "内容", "0")])
    argv = ["hot-issues", "--csv", str(tmp_path / "in.csv"), *HOT_ARGS, "--out", str(tmp_path / "o.csv")]
    for i in range(0, len(args), 2):
        argv[argv.index(args[i]) + 1] = args[i + 1]
    code, _, err = triage_cli(*argv)
    err = err.strip()
    assert code == 2
    assert message in err and "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "o.csv").exists()


def test_hot_issues_on_a_file_that_is_not_csv_text_exits_2(tmp_path, triage_cli):
    (tmp_path / "bad.csv").write_bytes(b"\x80\x81\xfe\xff" * 10)
    code, _, err = triage_cli("hot-issues", "--csv", tmp_path / "bad.csv", *HOT_ARGS, "--out", tmp_path / "o.csv")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_hot_issues_without_any_parseable_date_exits_2(tmp_path, triage_cli):
    write_csv(tmp_path / "in.csv", [("1", "u", "标题", "昨天", "内容", "0")])
    code, _, err = triage_cli("hot-issues", "--csv", tmp_path / "in.csv", *HOT_ARGS, "--out", tmp_path / "o.csv")
    assert code == 2 and "no parseable dates" in err
