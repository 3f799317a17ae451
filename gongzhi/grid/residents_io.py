"""Residents (实有人口) from a spreadsheet (.xlsx or .csv, the columns of HEADER), with a report of the
dirty rows as the appeals import gives: one line per problem (line number, field, problem, the value
masked: the report holds no one's ID or phone number). A dirty row is skipped, the others are
written in one transaction; buildings and households are made as they first appear."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from gongzhi.core import audit, pii
from gongzhi.core.models import Grid
from gongzhi.core.spreadsheet import atomic_write, csv_writer
from gongzhi.core.tabular import RowReadError, read_rows
from gongzhi.core.validation import control_character, normalise_phone, valid_id_number, valid_phone

from .models import Building, CareCategory, Household, Resident

HEADER = ["网格编码", "楼栋", "门牌", "姓名", "身份证号", "联系电话", "性别", "出生年份", "与户主关系", "关爱类别", "备注"]
REQUIRED = ("网格编码", "楼栋", "门牌", "姓名")
GENDERS = {"男": "m", "女": "f", "m": "m", "f": "f", "": ""}
REPORT_COLUMNS = ["line", "field", "problem", "value"]
# the columns' lengths are those of the model fields they go into (the page's forms check the same)
LIMITS = {"姓名": Resident.name.field.max_length, "楼栋": Building.name.field.max_length,
          "门牌": Household.room.field.max_length, "与户主关系": Resident.relation.field.max_length,
          "备注": Resident.note.field.max_length}


@dataclass
class ResidentImport:
    rows: int = 0
    imported: int = 0
    dirty: list[dict] = field(default_factory=list)  # {"line", "field", "problem", "value"}

    @property
    def dirty_rows(self) -> int:
        return len({d["line"] for d in self.dirty})

    def summary(self) -> str:
        return f"rows={self.rows} imported={self.imported} dirty_rows={self.dirty_rows} problems={len(self.dirty)}"

    def write_report(self, path: Path) -> None:
        with atomic_write(path, newline="", encoding="utf-8-sig") as handle:
            w = csv_writer(handle)
            w.writerow(REPORT_COLUMNS)
            for d in self.dirty:
                w.writerow([d["line"], d["field"], d["problem"], d["value"]])


def _masked(column: str, value: str) -> str:
    if column == "身份证号":
        return pii.mask_id_number(value)
    if column == "联系电话":
        return pii.mask_phone(value)
    if column == "姓名":
        return pii.mask_name(value)
    return pii.mask_text(value)[:60]


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value if value is not None else "").strip()


def import_residents(path: Path, actor=None, *, dry_run: bool = False) -> ResidentImport:
    """Read, check every row, then write the clean ones (none with dry_run). RowReadError for a file
    that cannot be read at all or lacks a required column."""
    header, rows = read_rows(Path(path))
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RowReadError(f"{Path(path).name}: missing column(s) {', '.join(missing)}")
    at = {name: header.index(name) for name in HEADER if name in header}
    grids = {g.code: g for g in Grid.objects.all()}
    categories = {c.name: c for c in CareCategory.objects.filter(active=True)}
    categories.update({c.code: c for c in categories.values()})
    known_ids = set(Resident.objects.exclude(id_number="").values_list("id_number", flat=True))
    result, clean, seen_ids = ResidentImport(), [], {}
    year = dt.date.today().year

    for line, values in rows:
        result.rows += 1
        row = {name: _cell(values[i]) if i < len(values) else "" for name, i in at.items()}
        problems = []

        def bad(column, problem):
            problems.append({"line": line, "field": column, "problem": problem, "value": _masked(column, row.get(column, ""))})

        for column in REQUIRED:
            if not row.get(column):
                bad(column, "empty")
        for column, value in row.items():
            if value and control_character(value):
                bad(column, "control character")
        grid = grids.get(row.get("网格编码", ""))
        if row.get("网格编码") and grid is None:
            bad("网格编码", "no grid has this code")
        id_number = row.get("身份证号", "").upper()
        if id_number:
            if not valid_id_number(id_number):
                bad("身份证号", "not a valid resident ID number (checksum or date)")
            elif id_number in known_ids:
                bad("身份证号", "a resident with this ID number is already recorded")
            elif id_number in seen_ids:
                bad("身份证号", f"the same ID number as line {seen_ids[id_number]}")
        phone = normalise_phone(row.get("联系电话", ""))
        if phone and not valid_phone(phone):
            bad("联系电话", "not a valid phone number")
        gender = row.get("性别", "")
        if gender not in GENDERS:
            bad("性别", "not 男 or 女")
        birth = row.get("出生年份", "")
        if birth and not (birth.isdigit() and 1900 <= int(birth) <= year):
            bad("出生年份", f"not a year between 1900 and {year}")
        wanted = [c.strip() for c in row.get("关爱类别", "").replace(",", "、").replace("，", "、").split("、") if c.strip()]
        unknown = [c for c in wanted if c not in categories]
        if unknown:
            bad("关爱类别", f"unknown care category {'、'.join(unknown)}")
        for column, limit in LIMITS.items():
            if len(row.get(column, "")) > limit:
                bad(column, f"longer than {limit} characters")
        if problems:
            result.dirty += problems
            continue
        if id_number:
            seen_ids[id_number] = line
        clean.append((grid, row, id_number, phone, GENDERS[gender], int(birth) if birth else None,
                      [categories[c] for c in wanted]))

    if dry_run or not clean:
        return result
    with transaction.atomic():
        buildings, households = {}, {}
        for grid, row, id_number, phone, gender, birth, cats in clean:
            bkey = (grid.pk, row["楼栋"])
            if bkey not in buildings:
                buildings[bkey], _ = Building.objects.get_or_create(grid=grid, name=row["楼栋"])
            hkey = (buildings[bkey].pk, row["门牌"])
            if hkey not in households:
                households[hkey], _ = Household.objects.get_or_create(building=buildings[bkey], room=row["门牌"])
            resident = Resident.objects.create(household=households[hkey], name=row["姓名"], id_number=id_number,
                                               phone=phone, gender=gender, birth_year=birth,
                                               relation=row.get("与户主关系", ""), note=row.get("备注", ""))
            if cats:
                resident.care_categories.set(cats)
                households[hkey].care_categories.add(*cats)
            result.imported += 1
        audit.record(actor, "import_residents", None, file=Path(path).name, imported=result.imported,
                     dirty_rows=result.dirty_rows)
    return result


def write_export(user, path: Path, request=None) -> int:
    """services.export_residents into a .xlsx or .csv file (written whole or not at all)."""
    from .services import export_residents

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"{path.name}: only .xlsx and .csv")
    if suffix == ".csv":
        with atomic_write(path, newline="", encoding="utf-8-sig") as handle:
            w = csv_writer(handle)
            return export_residents(user, w.writerow, request=request)
    from openpyxl import Workbook

    from gongzhi.core.spreadsheet import xlsx_row

    book = Workbook(write_only=True)
    sheet = book.create_sheet("实有人口")
    n = export_residents(user, lambda row: sheet.append(xlsx_row(sheet, row)), request=request)
    with atomic_write(path, "wb") as handle:
        book.save(handle)
    return n
