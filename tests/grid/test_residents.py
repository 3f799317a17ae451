"""Residents are need-to-know: the grid's workers and the community's staff see them, nobody else
(not a supervisor, not the superuser); names, ID and phone numbers are masked; every view of a
person and every reveal is an audit entry; only an administrator exports, audited."""
import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from gongzhi.core.errors import ActionRefused
from gongzhi.core.models import AuditEntry, User
from gongzhi.core.reveal import reveal
from gongzhi.grid import services
from gongzhi.grid.models import Household, Resident

from .conftest import ID_NUMBER

pytestmark = pytest.mark.django_db


def test_the_grids_worker_and_the_communitys_staff_see_the_household_and_no_one_else(
        org, household, east_staff, west_worker):
    for user in (org.grid_worker, east_staff):
        assert list(Resident.objects.restrict(user)) == [household.resident]
        assert list(Household.objects.restrict(user)) == [household]
    superuser = User.objects.create_superuser("root", password="Passw0rd!x")
    for user in (west_worker, org.supervisor, org.leader, org.admin, org.dispatcher, superuser, org.citizen):
        assert not Resident.objects.restrict(user).exists(), user


def test_the_list_page_masks_names_and_the_person_page_is_audited(client, org, household):
    client.force_login(org.grid_worker)
    page = client.get("/grid/residents/").content.decode()
    assert "王建国" not in page and "王**" in page
    before = AuditEntry.objects.filter(action="view_resident").count()
    person = client.get(f"/grid/residents/{household.resident.pk}/").content.decode()
    assert ID_NUMBER not in person and "13911112222" not in person and "139****2222" in person
    entry = AuditEntry.objects.filter(action="view_resident").first()
    assert AuditEntry.objects.filter(action="view_resident").count() == before + 1
    assert entry.actor == org.grid_worker and entry.target_id == str(household.resident.pk)
    assert ID_NUMBER not in str(entry.detail)


def test_others_get_not_found_for_the_person_page_and_the_residents_menu(client, org, household, west_worker):
    for user in (west_worker, org.supervisor):
        client.force_login(user)
        assert client.get(f"/grid/residents/{household.resident.pk}/").status_code == 404
    assert not AuditEntry.objects.filter(action="view_resident").exists()


def test_a_reveal_shows_the_field_once_audited_and_is_refused_outside(client, org, household, west_worker):
    client.force_login(org.grid_worker)
    shown = client.post(f"/grid/residents/{household.resident.pk}/reveal/id_number/").content.decode()
    assert ID_NUMBER in shown
    entry = AuditEntry.objects.filter(action="reveal_resident").get()
    assert entry.detail["field"] == "id_number" and ID_NUMBER not in str(entry.detail)
    with pytest.raises(ActionRefused):
        reveal(household.resident, west_worker, "phone")
    assert AuditEntry.objects.filter(action="reveal_resident").count() == 1


def test_only_an_administrator_exports_and_the_export_is_audited(org, household, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "residents.xlsx"
    with pytest.raises(CommandError, match="只有系统管理员"):
        call_command("grid", "export-residents", str(path), "--user", org.grid_worker.username)
    assert not path.exists()
    call_command("grid", "export-residents", str(path), "--user", org.admin.username)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("网格编码", "楼栋", "门牌", "姓名", "身份证号")
    assert rows[1][3:5] == ("王建国", ID_NUMBER)
    entry = AuditEntry.objects.filter(action="export_residents").get()
    assert entry.actor == org.admin and entry.detail["count"] == 1
    with pytest.raises(ActionRefused):
        services.export_residents(org.supervisor, lambda row: None)


def test_the_export_lists_who_lives_here_not_who_moved_out(org, household, tmp_path):
    from openpyxl import load_workbook

    gone = Resident.objects.create(household=household, name="李迁走", id_number="11010519491231002X")
    services.move_out(org.grid_worker, gone, on=dt.date.today(), reason="搬离本市")
    path = tmp_path / "residents.xlsx"
    call_command("grid", "export-residents", str(path), "--user", org.admin.username)
    names = [row[3] for row in load_workbook(path).active.iter_rows(min_row=2, values_only=True)]
    assert names == ["王建国"]
    assert AuditEntry.objects.filter(action="export_residents").get().detail["count"] == 1
