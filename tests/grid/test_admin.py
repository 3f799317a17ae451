"""An administrator keeps the care categories and the community task catalogue in the admin: a new
item is one departments may ask for at once, a withdrawn one refuses new tasks with the reason, and
neither is deleted (the tasks and households that name them keep their history)."""
import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.core.errors import ActionRefused
from gongzhi.core.models import AuditEntry, User
from gongzhi.grid import services
from gongzhi.grid.models import CareCategory, CatalogueItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(org):
    c = Client()
    c.force_login(User.objects.create_superuser("root", password="x-Passw0rd!"))
    return c


def test_an_item_the_administrator_approves_is_accepted_and_a_withdrawn_one_refused(org, root):
    assert root.get("/admin/grid/catalogueitem/").status_code == 200
    with pytest.raises(ActionRefused, match="不在社区协助办理事项清单上"):
        services.assign_task(org.handler_housing, department=org.housing, community_id=org.east_c.pk,
                             item_code="ZJ-09", title="统计辖区危房")
    answer = root.post("/admin/grid/catalogueitem/add/", {
        "code": "ZJ-09", "name": "危房排查信息报送", "basis": "区政府2026年第3号文",
        "departments": [org.housing.pk], "approved_on": timezone.localdate().isoformat(), "active": "on"})
    assert answer.status_code == 302
    item = CatalogueItem.objects.get(code="ZJ-09")
    assert AuditEntry.objects.filter(action="catalogue_item_added", target_id=str(item.pk)).exists()
    task = services.assign_task(org.handler_housing, department=org.housing, community_id=org.east_c.pk,
                                item_code="ZJ-09", title="统计辖区危房")
    assert task.item == item

    root.post(f"/admin/grid/catalogueitem/{item.pk}/change/", {
        "code": "ZJ-09", "name": "危房排查信息报送", "basis": "", "departments": [org.housing.pk], "approved_on": ""})
    item.refresh_from_db()
    assert not item.active
    with pytest.raises(ActionRefused, match="已从清单中取消"):
        services.assign_task(org.handler_housing, department=org.housing, community_id=org.east_c.pk,
                             item_code="ZJ-09", title="再统计一次")
    assert root.post(f"/admin/grid/catalogueitem/{item.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CatalogueItem.objects.filter(pk=item.pk).exists()


def test_the_administrator_sets_how_often_a_care_category_is_visited(org, root):
    assert root.get("/admin/grid/carecategory/").status_code == 200
    answer = root.post("/admin/grid/carecategory/add/", {"code": "veteran", "name": "退役军人", "visit_every_days": 60,
                                                        "active": "on", "order": 9})
    assert answer.status_code == 302 and CareCategory.objects.get(code="veteran").visit_every_days == 60
    category = CareCategory.objects.get(code="veteran")
    assert root.post(f"/admin/grid/carecategory/{category.pk}/delete/", {"post": "yes"}).status_code == 403
