"""Django admin serves reference data only; appeals are not edited there."""
import pytest
from django.contrib import admin

from gongzhi.appeals.models import Appeal, Category
from gongzhi.core.models import AuditEntry, CalendarOverride, Department, Grid, Region, RoleAssignment, User


def test_reference_data_is_registered_and_appeals_are_not():
    for model in (Region, Grid, Department, User, RoleAssignment, CalendarOverride, Category, AuditEntry):
        assert admin.site.is_registered(model), model
    assert not admin.site.is_registered(Appeal)


@pytest.fixture
def root_client(org, client):
    root = User.objects.create_superuser("root", password="x-Passw0rd!")
    client.force_login(root)
    return client


@pytest.mark.parametrize("page", ["core/region/", "core/grid/", "core/department/", "core/user/",
                                  "core/roleassignment/", "core/calendaroverride/", "core/auditentry/",
                                  "appeals/category/"])
def test_each_reference_page_opens_for_an_administrator(root_client, page):
    assert root_client.get(f"/admin/{page}").status_code == 200


def test_the_audit_log_is_read_only(root_client):
    entry = AuditEntry.objects.first()
    assert entry is not None  # the org fixture's role grants were audited
    assert root_client.get("/admin/core/auditentry/add/").status_code == 403
    response = root_client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403 and AuditEntry.objects.filter(pk=entry.pk).exists()


def test_granting_a_role_in_the_admin_records_who_did_it(org, root_client):
    response = root_client.post("/admin/core/roleassignment/add/", {
        "user": org.citizen.pk, "role": "grid_worker", "grid": org.west_g.pk})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="role_granted_in_admin")
    assert entry.actor.username == "root" and entry.detail["role"] == "grid_worker"


def test_staff_without_superuser_rights_cannot_enter(org, client):
    client.force_login(org.dispatcher)
    assert client.get("/admin/core/region/").status_code == 302  # to the admin login
