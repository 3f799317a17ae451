"""The grid operations of /api/v1: a grid worker's report is an appeal once per Idempotency-Key; a
department's task off the catalogue is a 409 with the reason; bad input is a 4xx naming the field."""
import pytest

from gongzhi.api.models import ApiToken
from gongzhi.appeals.models import Appeal
from gongzhi.grid.models import CommunityTask

pytestmark = pytest.mark.django_db


def bearer(user):
    _token, raw = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_grid_report_is_one_appeal_per_key(client, org):
    auth = bearer(org.grid_worker)
    body = {"grid": org.east_g.pk, "title": "井盖缺失", "content": "路口井盖缺失。"}
    first = client.post("/api/v1/grid/reports", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="r-1", **auth)
    assert first.status_code == 201 and first.json()["created"] is True
    again = client.post("/api/v1/grid/reports", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="r-1", **auth)
    assert again.status_code == 200 and again.json()["appeal_id"] == first.json()["appeal_id"]
    appeal = Appeal.objects.get()
    assert appeal.channel == "grid" and appeal.grid == org.east_g
    other = client.post("/api/v1/grid/reports", {**body, "grid": org.west_g.pk}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="r-2", **auth)
    assert other.status_code in (400, 422) and "grid" in other.content.decode()
    missing = client.post("/api/v1/grid/reports", body, content_type="application/json", **auth)
    assert missing.status_code in (400, 422)


def test_a_task_off_the_catalogue_is_409_with_the_reason(client, org, catalogue):
    auth = bearer(org.handler_housing)
    body = {"department": "ZJJ", "community": org.east_c.pk, "item": "LS-99", "title": "代收罚款"}
    refused = client.post("/api/v1/community-tasks", body, content_type="application/json", **auth)
    assert refused.status_code == 409 and "不在社区协助办理事项清单上" in refused.json()["detail"]
    made = client.post("/api/v1/community-tasks", {**body, "item": "SQ-01", "title": "摸底"},
                       content_type="application/json", **auth)
    assert made.status_code == 201 and made.json()["item"] == "SQ-01"
    task = CommunityTask.objects.get()
    listed = client.get("/api/v1/community-tasks", **bearer(org.grid_worker)).json()
    assert [t["id"] for t in listed] == [task.pk]
    done = client.post(f"/api/v1/community-tasks/{task.pk}/complete", {"minutes_spent": 45},
                       content_type="application/json", **bearer(org.grid_worker))
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["minutes_spent"] == 45
    catalogue_items = client.get("/api/v1/community-task-catalogue", **auth).json()
    assert {i["code"] for i in catalogue_items} == {"SQ-01", "SQ-03"}


def photo_url(kind: str = "JPEG") -> str:
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 12), (30, 120, 200)).save(out, format=kind)
    return f"data:image/{kind.lower()};base64," + base64.b64encode(out.getvalue()).decode()


def test_a_grid_report_with_a_photo_arrives_once_with_its_photo(client, org):
    from gongzhi.appeals.models import Attachment

    auth = bearer(org.grid_worker)
    body = {"grid": org.east_g.pk, "title": "井盖缺失", "content": "路口井盖缺失。",
            "photos": [{"name": "manhole.jpg", "data": photo_url()}]}
    first = client.post("/api/v1/grid/reports", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="p-1", **auth)
    assert first.status_code == 201
    again = client.post("/api/v1/grid/reports", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="p-1", **auth)
    assert again.status_code == 200 and again.json()["appeal_id"] == first.json()["appeal_id"]
    appeal = Appeal.objects.get()
    assert appeal.channel == "grid" and appeal.grid == org.east_g
    stored = Attachment.objects.get(appeal=appeal)
    assert stored.content_type == "image/jpeg"


@pytest.mark.parametrize("photos", [
    [{"name": "x.jpg", "data": "data:image/jpeg;base64," + "QUJD"}],           # not an image at all
    [{"name": "x.jpg", "data": "data:image/jpeg;base64,@@@"}],                 # not base64
    [{"name": "x.jpg", "data": "https://example.org/x.jpg"}],                  # not a data URL
    [{"name": f"{i}.png", "data": photo_url("PNG")} for i in range(4)],       # one too many
])
def test_a_photo_the_upload_checks_refuse_is_a_400_naming_photos_and_makes_nothing(client, org, photos):
    from gongzhi.grid.models import FieldSubmission

    body = {"grid": org.east_g.pk, "title": "井盖缺失", "content": "路口井盖缺失。", "photos": photos}
    answer = client.post("/api/v1/grid/reports", body, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="p-2", **bearer(org.grid_worker))
    assert answer.status_code in (400, 422) and "photos" in answer.content.decode()
    assert not Appeal.objects.exists() and not FieldSubmission.objects.exists()
