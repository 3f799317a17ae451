"""Residents from a spreadsheet: clean rows are written (buildings and households made as they come),
dirty rows are skipped and listed in the report with the line and the reason, never the full ID or
phone number."""
import csv

import pytest
from django.core.management import CommandError, call_command

from gongzhi.grid.models import Household, Resident
from gongzhi.grid.residents_io import HEADER, import_residents

pytestmark = pytest.mark.django_db
GOOD_ID, OTHER_ID = "110101198001011232", "330199195001010005"


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def row(grid="G1", building="3幢", room="201室", name="王建国", id_number=GOOD_ID, phone="13911112222",
        gender="男", birth="1980", relation="户主", care="独居老人", note=""):
    return [grid, building, room, name, id_number, phone, gender, birth, relation, care, note]


def test_clean_rows_are_written_and_dirty_rows_reported_with_line_and_reason(org, care, tmp_path):
    path = write_csv(tmp_path / "people.csv", [
        row(),                                                     # line 2: clean
        row(name="李秀英", id_number=OTHER_ID, relation="配偶", care=""),  # line 3: clean, same household
        row(grid="G9", id_number=""),                              # 4: unknown grid
        row(name="", id_number=""),                                # 5: no name
        row(id_number="110101198001011233"),                       # 6: bad checksum
        row(name="张三", id_number=GOOD_ID),                        # 7: same ID as line 2
        row(phone="12345", id_number=""),                          # 8: bad phone
        row(care="独居老人、外星人", id_number=""),                   # 9: unknown category
        row(birth="1880", gender="x", id_number=""),               # 10: two problems
    ])
    result = import_residents(path)
    assert (result.rows, result.imported, result.dirty_rows) == (9, 2, 7)
    by_line = {}
    for d in result.dirty:
        by_line.setdefault(d["line"], []).append((d["field"], d["problem"]))
    assert by_line[4] == [("网格编码", "no grid has this code")]
    assert ("姓名", "empty") in by_line[5]
    assert by_line[6][0][0] == "身份证号" and "checksum" in by_line[6][0][1]
    assert by_line[7] == [("身份证号", "the same ID number as line 2")]
    assert by_line[8] == [("联系电话", "not a valid phone number")]
    assert by_line[9] == [("关爱类别", "unknown care category 外星人")]
    assert {f for f, _ in by_line[10]} == {"性别", "出生年份"}
    household = Household.objects.get()
    assert household.residents.count() == 2 and list(household.care_categories.values_list("code", flat=True)) == ["elderly_alone"]
    report = tmp_path / "report.csv"
    result.write_report(report)
    text = report.read_text(encoding="utf-8-sig")
    assert "110101198001011233" not in text and "12345" not in text.replace("line,", "")
    assert "6,身份证号,not a valid resident ID number (checksum or date),110***********1233" in text


def test_an_id_number_already_recorded_is_a_dirty_row_on_the_second_import(org, care, tmp_path):
    path = write_csv(tmp_path / "people.csv", [row()])
    assert import_residents(path).imported == 1
    again = import_residents(path)
    assert again.imported == 0 and again.dirty[0]["problem"] == "a resident with this ID number is already recorded"
    assert Resident.objects.count() == 1


def test_a_dry_run_writes_nothing(org, care, tmp_path):
    result = import_residents(write_csv(tmp_path / "p.csv", [row()]), dry_run=True)
    assert result.imported == 0 and not result.dirty and not Resident.objects.exists()


def test_xlsx_works_as_csv_and_the_command_writes_the_report_beside_the_file(org, care, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADER)
    book.active.append(row())
    book.active.append(row(grid="G9", id_number=OTHER_ID))
    path = tmp_path / "people.xlsx"
    book.save(path)
    out = tmp_path / "out.txt"
    with out.open("w") as stream:
        call_command("grid", "residents", str(path), stdout=stream)
    assert "rows=2 imported=1 dirty_rows=1" in out.read_text()
    report = (tmp_path / "people.import-report.csv").read_text(encoding="utf-8-sig")
    assert "3,网格编码,no grid has this code" in report


def test_a_file_without_the_required_columns_is_one_line(org, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,phone\n王,139\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        call_command("grid", "residents", str(path))
