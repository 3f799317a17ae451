"""Bulk import of other systems' work orders: history kept, dirt reported by line, re-runs harmless."""
from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from gongzhi.appeals import importing
from gongzhi.appeals.importing.writers import make_writer
from gongzhi.appeals.models import Appeal, AppealEvent, Assignment, Category, Channel, Status
from gongzhi.core.models import Department

SR = "service-requests-311"


def report_rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def first_rows(path, n: int) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        return [row for _, row in zip(range(n), reader)]


@pytest.mark.django_db
def test_sf_history_is_kept_and_placeholder_coordinates_are_reported(shared_data, tmp_path):
    source = shared_data / SR / "sf_311_10k.csv"
    result = importing.import_file(source, importing.load_mapping("sf", None), report_path=tmp_path / "r.csv", limit=300)
    assert result.rows == 300 and result.imported + result.errors == 300
    raw = first_rows(source, 300)
    placeholders = [r["unique_key"] for r in raw if (float(r["latitude"] or 1), float(r["longitude"] or 1)) == (0, 0)]
    report = report_rows(tmp_path / "r.csv")
    flagged = [r["id"] for r in report if r["problem"] == "placeholder coordinates dropped"]
    assert flagged == placeholders and len(flagged) >= 5
    assert report[0]["line"] == "2"  # line numbers as the file counts them (header is line 1)

    first = raw[0]
    appeal = Appeal.objects.get(source_system="sf311", source_ref=first["unique_key"])
    assert appeal.channel == Channel.IMPORT and appeal.lat is None
    assert appeal.received_at == dt.datetime.fromisoformat(first["created_date"])
    assert appeal.closed_at == dt.datetime.fromisoformat(first["closed_date"]) and appeal.status == Status.CLOSED
    assert appeal.lead_department.name == first["agency_name"]
    assert appeal.category.name == first["complaint_type"] and appeal.category.parent.name == first["category"]
    event = appeal.events.get()
    assert event.kind == "imported" and event.data["line"] == 2 and event.to_status == Status.CLOSED
    assert AppealEvent.objects.count() == Appeal.objects.count() == result.imported


@pytest.mark.django_db
def test_open_requests_stay_open_with_their_agency(shared_data, tmp_path):
    source = shared_data / SR / "sf_311_10k.csv"
    importing.import_file(source, importing.load_mapping("sf", None), report_path=tmp_path / "r.csv", limit=300)
    open_rows = [r for r in first_rows(source, 300) if r["status"].lower() == "open"]
    assert open_rows
    for row in open_rows:
        appeal = Appeal.objects.get(source_system="sf311", source_ref=row["unique_key"])
        assert appeal.status == Status.HANDLING and appeal.closed_at is None
        assignment = appeal.assignments.get()
        assert assignment.state == Assignment.State.ACKNOWLEDGED and assignment.department == appeal.lead_department


@pytest.mark.django_db
def test_baltimore_placeholder_39_77_and_local_time(shared_data, tmp_path):
    source = shared_data / SR / "baltimore_311_10k.csv"
    result = importing.import_file(source, importing.load_mapping("baltimore", None), report_path=tmp_path / "r.csv",
                                   limit=300)
    raw = first_rows(source, 300)
    expected = [r["ServiceRequestNum"] for r in raw if r["Latitude"] == "39" and r["Longitude"] == "-77"]
    report = report_rows(tmp_path / "r.csv")
    assert [r["id"] for r in report if r["problem"] == "placeholder coordinates dropped"] == expected and expected
    appeal = Appeal.objects.get(source_system="baltimore311", source_ref=raw[0]["ServiceRequestNum"])
    # 04/12/2018 11:11:26 AM in Baltimore is 15:11:26 UTC (daylight saving time)
    assert appeal.received_at == dt.datetime(2018, 4, 12, 15, 11, 26, tzinfo=dt.timezone.utc)
    assert appeal.due_at == dt.datetime(2018, 4, 13, 15, 11, 26, tzinfo=dt.timezone.utc)
    assert result.imported + result.errors == 300


@pytest.mark.django_db
def test_nyc_and_a_rerun_creates_no_duplicates(shared_data, tmp_path):
    source = shared_data / SR / "nyc_311_1k.csv"
    mapping = importing.load_mapping("nyc", None)
    first = importing.import_file(source, mapping, report_path=tmp_path / "1.csv", limit=300)
    departments = Department.objects.count()
    again = importing.import_file(source, mapping, report_path=tmp_path / "2.csv", limit=300)
    assert first.imported == 300 and again.imported == 0 and again.already == 300
    assert Appeal.objects.count() == AppealEvent.objects.count() == 300
    assert Department.objects.count() == departments
    assert report_rows(tmp_path / "1.csv") == report_rows(tmp_path / "2.csv")  # the dirt is reported each time


@pytest.mark.django_db
def test_labeled_messages_match_existing_categories(org, shared_data, tmp_path):
    source = shared_data / "appeals-zh" / "labeled_messages.csv"
    result = importing.import_file(source, importing.load_mapping("zh-messages", None), report_path=tmp_path / "r.csv")
    assert result.rows == result.imported == 927 and result.errors == 0
    assert Category.objects.filter(name="城乡建设").count() == 1  # matched, not duplicated
    assert Appeal.objects.filter(category=org.cat_root).count() == 199
    appeal = Appeal.objects.get(source_system="zh-messages", source_ref="24")
    assert appeal.title == "A市西湖建筑集团占道施工有安全隐患" and appeal.status == Status.CLOSED
    assert appeal.received_at == dt.datetime(2020, 1, 6, 4, 9, 38, tzinfo=dt.timezone.utc)  # 12:09:38 in Beijing


DIRTY = """Ticket No,Opened,Closed,State,Subject,Body,Unit,Lat,Lon,Type
T1,31.01.2024 08:15,02.02.2024 17:00,Done,Broken lamp,"Lamp at gate
is broken",Roads,39.905,116.405,Lighting
T2,yesterday,,Open,Noise,Loud music,Police,,,Noise
T3,01.02.2024 09:00,,Done,Pothole,Deep pothole,Roads,0,0,Roads
T1,01.02.2024 09:00,,Open,Again,Duplicate id,Roads,,,Roads
,01.02.2024 09:00,,Open,No id,Body,Roads,,,Roads
T4,03.02.2024 10:00,01.02.2024 10:00,Done,Closed early,Body,Roads,91,200,Roads
T5,04.02.2024 10:00,,In progress,Leak,Water leak,Water Co,,,Water
"""

MAPPING = """
source_system = "oldcrm"
id = "Ticket No"
created = "Opened"
closed = "Closed"
status = "State"
date_formats = ["%d.%m.%Y %H:%M"]
timezone = "Asia/Shanghai"
title = "Subject"
content = "{Body} ({Type})"
category = ["Type"]
department = "Unit"
lat = "Lat"
lon = "Lon"

[status_map]
done = "closed"
"in progress" = "handling"
"""


@pytest.mark.django_db
def test_a_user_mapping_reports_every_dirty_row_with_its_line(org, tmp_path):
    source = tmp_path / "export.csv"
    source.write_text(DIRTY, encoding="utf-8")
    (tmp_path / "oldcrm.toml").write_text(MAPPING, encoding="utf-8")
    out = call_command_output("import", "appeals", str(source), "--mapping", str(tmp_path / "oldcrm.toml"))
    assert "imported=4" in out and "skipped_errors=3" in out
    report = report_rows(source.with_name("export.import-report.csv"))  # beside the input by default
    got = {(r["line"], r["id"], r["level"], r["problem"]) for r in report}
    assert got == {
        ("4", "T2", "error", "bad creation date (not a date: yesterday)"),
        ("5", "T3", "warning", "closed without a close date"),
        ("5", "T3", "warning", "placeholder coordinates dropped"),
        ("6", "T1", "error", "duplicate id (first at line 2)"),
        ("7", "", "error", "no id: the row cannot be matched on a re-run"),
        ("8", "T4", "warning", "close date before creation date dropped"),
        ("8", "T4", "warning", "coordinates out of range: dropped"),
    }
    lamp = Appeal.objects.get(source_system="oldcrm", source_ref="T1")
    assert lamp.content == "Lamp at gate\nis broken (Lighting)" and lamp.grid == org.east_g
    assert lamp.received_at == dt.datetime(2024, 1, 31, 0, 15, tzinfo=dt.timezone.utc)
    assert Appeal.objects.get(source_ref="T5").status == Status.HANDLING


def call_command_output(*args) -> str:
    import io

    buffer = io.StringIO()
    call_command(*args, stdout=buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_an_interrupted_import_resumes_without_duplicates(shared_data, tmp_path, monkeypatch):
    source = shared_data / SR / "nyc_311_1k.csv"
    mapping = importing.load_mapping("nyc", None)
    writer_class = type(make_writer("nyc311", "probe"))
    real_write, calls = writer_class.write, []

    def crash_on_third_batch(self, rows):
        calls.append(len(rows))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_write(self, rows)

    monkeypatch.setattr(writer_class, "write", crash_on_third_batch)
    with pytest.raises(KeyboardInterrupt):
        importing.import_file(source, mapping, report_path=tmp_path / "r.csv", batch_size=50, limit=200)
    assert Appeal.objects.count() == 100
    monkeypatch.setattr(writer_class, "write", real_write)
    resumed = importing.import_file(source, mapping, report_path=tmp_path / "r.csv", batch_size=50, limit=200)
    assert resumed.already == 100 and resumed.imported == 100
    assert Appeal.objects.count() == AppealEvent.objects.count() == 200


@pytest.mark.django_db
def test_xlsx_exports_import_too(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级标签"])
    sheet.append([7, "U1", "小区停水", dt.datetime(2021, 5, 1, 8, 30), "三天没有水", "城乡建设"])
    sheet.append([8, "U2", "噪音扰民", "不是日期", "夜里施工", "环境保护"])
    book.save(tmp_path / "msgs.xlsx")
    result = importing.import_file(tmp_path / "msgs.xlsx", importing.load_mapping("zh-messages", None),
                                   report_path=tmp_path / "r.csv")
    assert (result.imported, result.errors) == (1, 1)
    assert Appeal.objects.get(source_ref="7").received_at == dt.datetime(2021, 5, 1, 0, 30, tzinfo=dt.timezone.utc)
    assert report_rows(tmp_path / "r.csv")[0]["line"] == "3"


@pytest.mark.django_db
@pytest.mark.parametrize("args, message", [
    (["--format", "nope"], "unknown format"),
    ([], "give --format NAME or --mapping FILE"),
    (["--format", "sf", "--report", "/nonexistent-dir/r.csv"], "cannot write the report"),
])
def test_bad_input_is_a_one_line_error(shared_data, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import", "appeals", str(shared_data / SR / "nyc_311_1k.csv"), *args)


@pytest.mark.django_db
@pytest.mark.parametrize("name, text, message", [
    ("map.json", "[1, 2]", "must hold one JSON object"),
    ("map", "source_system = 'x'", "is not valid JSON"),
    ("map.toml", "source_system = ", "is not valid TOML"),
    ("map.json", '{"preset": "nyc", "title": 5}', "'title' must be text, not 5"),
    ("map.toml", 'preset = "nyc"\ndate_formats = "%Y"', "'date_formats' must be a list"),
    ("map.toml", 'preset = "nyc"\nencoding = "klingon"', "unknown encoding 'klingon'"),
    ("map.toml", 'preset = "nyc"\nstatus_map = ["closed"]', "'status_map' must be a table"),
])
def test_a_broken_mapping_file_is_a_one_line_error(shared_data, tmp_path, name, text, message):
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import", "appeals", str(shared_data / SR / "nyc_311_1k.csv"), "--mapping", str(tmp_path / name))


@pytest.mark.django_db
def test_a_missing_column_names_the_column(tmp_path):
    source = tmp_path / "x.csv"
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="column 'unique_key'"):
        call_command("import", "appeals", str(source), "--format", "sf", "--report", str(tmp_path / "r.csv"))
