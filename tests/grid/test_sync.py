"""What a phone sends from its offline queue arrives once: each record carries the idempotency key
the phone made, and the same key again (the answer was lost, the phone sent it again) returns what
the first made and makes nothing."""
import base64
import io
import json
import threading

import pytest
from django.db import connection

from gongzhi.appeals.models import Appeal, Attachment
from gongzhi.grid.models import FieldSubmission, HomeVisit, Patrol

pytestmark = pytest.mark.django_db


def png() -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def post(client, body):
    return client.post("/grid/m/sync/", json.dumps(body), content_type="application/json")


def report(org, key="k-1", **data):
    return {"key": key, "kind": "report", "photos": [{"name": "p.png", "data": png()}],
            "data": {"grid": org.east_g.pk, "title": "路灯不亮", "content": "3幢东侧路灯坏了一周。", **data}}


def test_a_report_becomes_a_grid_appeal_with_its_photo_and_the_grid_set(client, org):
    client.force_login(org.grid_worker)
    answer = post(client, report(org))
    assert answer.status_code == 201
    appeal = Appeal.objects.get()
    assert answer.json() == {"created": True, "ref": appeal.tracking_number}
    assert (appeal.channel, appeal.grid, appeal.region) == ("grid", org.east_g, org.east_c)
    assert appeal.created_by == org.grid_worker and Attachment.objects.filter(appeal=appeal).count() == 1


def test_the_same_key_again_returns_the_same_appeal_and_makes_nothing(client, org):
    client.force_login(org.grid_worker)
    first = post(client, report(org)).json()
    again = post(client, report(org))
    assert again.status_code == 200 and again.json() == {"created": False, "ref": first["ref"]}
    assert Appeal.objects.count() == 1 and Attachment.objects.count() == 1
    assert post(client, report(org, key="k-2")).status_code == 201  # another record: another appeal
    assert Appeal.objects.count() == 2


def test_a_key_is_the_senders_own(client, org, west_worker):
    client.force_login(org.grid_worker)
    post(client, report(org))
    client.force_login(west_worker)
    answer = post(client, report(org, grid=org.west_g.pk))
    assert answer.status_code == 201 and Appeal.objects.count() == 2


def test_a_visit_and_a_check_in_arrive_once(client, org, household):
    client.force_login(org.grid_worker)
    visit = {"key": "v-1", "kind": "visit", "data": {"household": household.pk, "note": "老人身体好", "needs_help": True},
             "photos": [{"name": "v.png", "data": png()}]}
    assert post(client, visit).status_code == 201
    assert post(client, visit).status_code == 200
    v = HomeVisit.objects.get()
    assert v.needs_help and v.photos.count() == 1
    household.refresh_from_db()
    assert household.last_visited_at == v.visited_at
    patrol = {"key": "p-1", "kind": "patrol", "data": {"grid": org.east_g.pk, "lat": 39.905, "lon": 116.405}}
    assert post(client, patrol).status_code == 201 and post(client, patrol).status_code == 200
    assert Patrol.objects.get().in_grid is True


@pytest.mark.parametrize("body, field", [
    ({"key": "x", "kind": "report", "data": {"grid": 0, "title": "t", "content": "c"}}, "grid"),
    ({"key": "", "kind": "report", "data": {}}, "key"),
    ({"key": "a b", "kind": "report", "data": {}}, "key"),
    ({"key": "x", "kind": "dance", "data": {}}, "kind"),
    ({"key": "x", "kind": "report", "photos": [{"data": "data:image/png;base64,@@@"}], "data": {}}, "photos"),
    ({"key": "x", "kind": "visit", "data": {"household": 999, "note": "n"}}, "household"),
])
def test_bad_records_are_400_with_the_field_never_500(client, org, body, field):
    client.force_login(org.grid_worker)
    answer = post(client, body)
    assert answer.status_code == 400 and field in answer.json()["errors"]
    assert not FieldSubmission.objects.exists()


def test_a_report_with_a_bad_title_makes_nothing_and_keeps_the_key_free(client, org):
    client.force_login(org.grid_worker)
    assert post(client, report(org, title="")).status_code == 400
    assert post(client, report(org)).status_code == 201


def test_the_sync_is_for_grid_workers(client, org):
    client.force_login(org.dispatcher)
    assert post(client, report(org)).status_code == 404
    client.logout()
    assert post(client, report(org)).status_code in (302, 403)


@pytest.mark.django_db(transaction=True)
def test_two_sends_of_one_key_at_once_make_one_appeal():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite locks the whole database)")
    from tests.conftest import build_org
    from gongzhi.grid import services

    org = build_org()
    results, errors = [], []

    def send():
        try:
            results.append(services.report_issue(org.grid_worker, key="same", grid_id=org.east_g.pk,
                                                 title="井盖缺失", content="路口井盖缺失，有危险。"))
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Appeal.objects.count() == 1 and len({a.pk for a, _ in results}) == 1
    assert sum(created for _, created in results) == 1
