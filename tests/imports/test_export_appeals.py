"""Exports: filters, three formats, and personal data only for those who may see it (audited)."""
from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from gongzhi.appeals import services
from gongzhi.core.models import AuditEntry


def run(*args) -> str:
    out = io.StringIO()
    call_command("export", "appeals", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def appeals(org, make_appeal):
    lift = make_appeal(content="电梯坏了，请联系我13812345678")
    noise = make_appeal(category=org.cat_noise, title="夜间施工噪音", appellant_phone="13900001111")
    services.dispatch(noise, org.dispatcher, org.env)
    closed = make_appeal(title="已处理的事")
    services.close(closed, org.operator, "重复来电")
    return lift, noise, closed


def test_csv_without_personal_data_by_default(appeals):
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv"))))
    assert len(rows) == 3
    assert "appellant_phone" not in rows[0]
    text = json.dumps(rows, ensure_ascii=False)
    assert "13812345678" not in text and "张三" not in text  # even inside free text


def test_filters(appeals, org):
    lift, noise, closed = appeals
    by = lambda *a: [r["tracking_number"] for r in csv.DictReader(io.StringIO(run("--format", "csv", *a)))]
    assert by("--status", "closed") == [closed.tracking_number]
    assert set(by("--status", "open")) == {lift.tracking_number, noise.tracking_number}
    assert by("--department", "HBJ") == [noise.tracking_number]
    assert by("--since", "2000-01-01", "--until", "2000-12-31") == []
    with pytest.raises(CommandError, match="--since must be a date"):
        run("--since", "last week")
    with pytest.raises(CommandError, match="unknown status"):
        run("--status", "lost")


def test_category_and_source_filters(appeals, org):
    from gongzhi.appeals.models import Appeal

    lift, noise, closed = appeals
    Appeal.objects.filter(pk=lift.pk).update(source_system="hotline2024")
    by = lambda *a: {r["tracking_number"] for r in csv.DictReader(io.StringIO(run("--format", "csv", *a)))}
    assert by("--category", "CXJS") == {lift.tracking_number, closed.tracking_number}  # with its subcategories
    assert by("--category", "噪声污染") == {noise.tracking_number}
    assert by("--source", "hotline2024") == {lift.tracking_number}
    with pytest.raises(CommandError, match="no category with code or name 'nosuch'"):
        run("--category", "nosuch")
    with pytest.raises(CommandError, match="--since is after --until"):
        run("--since", "2024-02-01", "--until", "2024-01-01")


def test_json_and_xlsx(appeals, tmp_path):
    data = json.loads(run("--format", "json"))
    assert len(data) == 3 and {"tracking_number", "status", "received_at"} <= set(data[0])
    from openpyxl import load_workbook

    call_command("export", "appeals", "--format", "xlsx", "--out", str(tmp_path / "a.xlsx"))
    sheet = load_workbook(tmp_path / "a.xlsx").active
    assert sheet.max_row == 4 and sheet.cell(1, 1).value == "tracking_number"
    with pytest.raises(CommandError, match="XLSX is binary"):
        run("--format", "xlsx")


def test_personal_data_only_for_those_allowed_and_audited(appeals, org):
    rows = list(csv.DictReader(io.StringIO(run("--user", "operator", "--with-personal-data"))))
    assert {r["appellant_phone"] for r in rows} == {"13812345678", "13900001111"}
    entry = AuditEntry.objects.get(action="export_personal_data")
    assert entry.actor == org.operator and entry.detail["rows"] == 3
    # a handler sees only their department's appeals, and their appellants
    rows = list(csv.DictReader(io.StringIO(run("--user", "handler_hbj", "--with-personal-data"))))
    assert [r["appellant_phone"] for r in rows] == ["13900001111"]
    with pytest.raises(CommandError, match="may not see personal data"):
        run("--user", "leader", "--with-personal-data")
    with pytest.raises(CommandError, match="needs --user"):
        run("--with-personal-data")
    # --user alone limits the scope but still leaves personal data out
    rows = list(csv.DictReader(io.StringIO(run("--user", "handler_hbj"))))
    assert len(rows) == 1 and "appellant_phone" not in rows[0]


def test_numbers_in_titles_and_places_are_scrubbed_unless_personal_data_is_shown(org, make_appeal):
    make_appeal(title="请回电13812345678", location_text="幸福路12号 身份证110101199003074512")
    for args in (("--format", "csv"), ("--format", "csv", "--user", "leader")):
        text = run(*args)
        assert "13812345678" not in text and "110101199003074512" not in text
    shown = run("--format", "csv", "--user", "operator", "--with-personal-data")
    assert "13812345678" in shown  # the audited export with personal data keeps the text as written
