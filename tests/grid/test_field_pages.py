"""The grid worker's phone pages without JavaScript (the forms post as plain forms): today's page
with the visits due, the community's tasks and the screening tasks to report; a home visit to a
household that needs care, with its record and photo; a patrol check-in with the location, inside
the grid or not."""
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongzhi.grid import services
from gongzhi.grid.models import HomeVisit, Patrol

pytestmark = pytest.mark.django_db


def jpeg(name="visit.jpg"):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (12, 12), (90, 160, 60)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_today_lists_the_visits_due_the_communitys_tasks_and_the_screening_tasks_to_report(
        client, org, household, catalogue):
    from gongzhi.disputes import screening
    from gongzhi.disputes.models import DisputeKind

    services.assign_task(org.handler_housing, department=org.housing, community_id=org.east_c.pk,
                         item_code="SQ-01", title="人口抽样摸底")
    kind = DisputeKind.objects.first() or DisputeKind.objects.create(code="neighbour", name="邻里纠纷")
    today = timezone.localdate()
    campaign = screening.launch(actor=org.supervisor, title="节前矛盾纠纷大排查", starts_on=today,
                                ends_on=today + dt.timedelta(days=5), regions=[org.east], kinds=[kind])
    task = campaign.tasks.get(assignee=org.grid_worker)
    client.force_login(org.grid_worker)
    page = client.get("/grid/m/").content.decode()
    assert "3幢 201室" in page and "从未走访" in page  # the care household, never visited
    assert "人口抽样摸底" in page
    assert "节前矛盾纠纷大排查" in page and f"/disputes/screening/tasks/{task.pk}/" in page
    assert client.get(f"/disputes/screening/tasks/{task.pk}/").status_code == 200
    from gongzhi.core import dashboards

    assert "disputes.screening" not in {p["key"] for p in dashboards.panels_for(org.leader)}  # the phone's board only
    client.force_login(services.User.objects.create_user("someone_else", password="Passw0rd!x"))
    assert client.get("/grid/m/").status_code == 404


def test_a_home_visit_posted_as_a_plain_form_is_recorded_with_its_photo_and_leaves_the_due_list(
        client, org, household):
    client.force_login(org.grid_worker)
    form = client.get("/grid/m/visit/").content.decode()
    assert f'value="{household.pk}"' in form
    answer = client.post("/grid/m/visit/", {"key": "visit-form-1", "household": household.pk,
                                            "note": "老人身体硬朗，家中燃气灶老化，已提醒更换。", "needs_help": "on",
                                            "photos": [jpeg()]})
    assert answer.status_code == 302 and answer["Location"] == "/grid/m/"
    visit = HomeVisit.objects.get()
    assert (visit.household, visit.worker, visit.needs_help, visit.photos.count()) == (
        household, org.grid_worker, True, 1)
    assert household.pk not in {h.pk for h in services.visits_due(org.grid_worker)}
    again = client.post("/grid/m/visit/", {"key": "visit-form-1", "household": household.pk, "note": "再次提交"})
    assert again.status_code == 302 and HomeVisit.objects.count() == 1  # the form's key: once
    empty = client.post("/grid/m/visit/", {"key": "visit-form-2", "household": household.pk, "note": ""})
    assert empty.status_code == 400 and "请填写走访情况" in empty.content.decode()


def test_a_patrol_check_in_keeps_the_location_and_whether_it_was_inside_the_grid(client, org):
    client.force_login(org.grid_worker)
    assert "使用当前位置" in client.get("/grid/m/checkin/").content.decode()
    inside = client.post("/grid/m/checkin/", {"key": "c-1", "grid": org.east_g.pk, "lat": "39.905",
                                              "lon": "116.405", "accuracy": "12", "note": "3幢周边正常"})
    assert inside.status_code == 302
    outside = client.post("/grid/m/checkin/", {"key": "c-2", "grid": org.east_g.pk, "lat": "39.95", "lon": "116.5"})
    assert outside.status_code == 302
    rows = {p.note: p for p in Patrol.objects.all()}
    assert rows["3幢周边正常"].in_grid and (rows["3幢周边正常"].lat, rows["3幢周边正常"].accuracy_m) == (39.905, 12)
    assert rows[""].in_grid is False
    bad = client.post("/grid/m/checkin/", {"key": "c-3", "grid": org.east_g.pk, "lat": "99", "lon": "116.4"})
    assert bad.status_code == 400 and "坐标无效" in bad.content.decode()
    assert client.post("/grid/m/checkin/", {"key": "c-4", "grid": org.west_g.pk}).status_code == 400
    assert Patrol.objects.count() == 2
    assert "东湖第一网格" in client.get("/grid/m/checkin/").content.decode()  # the recent check-ins
