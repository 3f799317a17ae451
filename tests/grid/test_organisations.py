"""The registry of community organisations (社会组织, 群众组织): the community's workers register and
correct them, with their activities, volunteers and the hours volunteers gave at each activity;
contacts and volunteers are masked and shown in full only by an audited reveal; the community's
page shows its organisations, this month's activities, its volunteers and their hours."""
import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core.models import AuditEntry
from gongzhi.grid import services
from gongzhi.grid.models import Activity, Organisation, Volunteer, VolunteerHours

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def register(client, org, **extra):
    return client.post("/grid/organisations/new/", {
        "community": org.east_c.pk, "name": "夕阳红志愿服务队", "kind": "social", "field": "为老服务",
        "contact_name": "李秀英", "contact_phone": PHONE, "registered_on": "2024-05-01", **extra})


def test_the_community_staff_register_an_organisation_whose_contact_is_masked_and_revealed_audited(
        client, org, east_staff):
    client.force_login(east_staff)
    assert register(client, org).status_code == 302
    o = Organisation.objects.get()
    assert (o.community, o.kind, o.contact_phone) == (org.east_c, "social", PHONE)
    assert AuditEntry.objects.filter(action="register_organisation", actor=east_staff).count() == 1
    page = client.get(f"/grid/organisations/{o.pk}/").content.decode()
    assert "夕阳红志愿服务队" in page and PHONE not in page and "139****5678" in page and "李秀英" not in page
    shown = client.post(f"/grid/reveal/organisation/{o.pk}/contact_phone/").content.decode()
    assert PHONE in shown
    entry = AuditEntry.objects.get(action="reveal_organisation_contact")
    assert entry.actor == east_staff and PHONE not in str(entry.detail)
    listed = client.get("/grid/organisations/").content.decode()
    assert "夕阳红志愿服务队" in listed and PHONE not in listed


def test_an_organisation_is_corrected_or_marked_inactive_and_the_change_is_audited(client, org, east_staff):
    client.force_login(east_staff)
    register(client, org)
    o = Organisation.objects.get()
    answer = client.post(f"/grid/organisations/{o.pk}/edit/", {
        "name": "夕阳红为老服务队", "kind": "mass", "field": "为老服务", "contact_name": "李秀英",
        "contact_phone": PHONE, "registered_on": "2024-05-01"})
    assert answer.status_code == 302
    o.refresh_from_db()
    assert (o.name, o.kind, o.active) == ("夕阳红为老服务队", "mass", False)
    assert AuditEntry.objects.get(action="update_organisation").detail["fields"] == ["active", "kind", "name"]


@pytest.mark.parametrize("extra, field", [
    ({"name": ""}, "请填写组织名称"), ({"kind": "club"}, "未知组织类型"),
    ({"contact_phone": "12345"}, "电话号码格式不正确"), ({"registered_on": "2024-13-01"}, "日期格式不正确"),
])
def test_bad_entries_are_refused_with_the_reason_and_nothing_is_registered(client, org, east_staff, extra, field):
    client.force_login(east_staff)
    answer = register(client, org, **extra)
    assert answer.status_code == 400 and field in answer.content.decode()
    assert not Organisation.objects.exists()


def test_outside_the_community_one_sees_nothing_and_above_it_one_reads_but_does_not_register(
        client, org, east_staff, west_worker):
    client.force_login(east_staff)
    register(client, org)
    o = Organisation.objects.get()
    client.force_login(west_worker)
    assert client.get(f"/grid/organisations/{o.pk}/").status_code == 404
    assert "夕阳红志愿服务队" not in client.get("/grid/organisations/").content.decode()
    assert register(client, org, name="别的组织").status_code == 400  # not their community
    client.force_login(org.east_supervisor)
    assert client.get(f"/grid/organisations/{o.pk}/").status_code == 200
    assert client.get(f"/grid/organisations/{o.pk}/edit/").status_code == 404
    assert client.get("/grid/organisations/new/").status_code == 404
    assert client.post(f"/grid/reveal/organisation/{o.pk}/contact_phone/").status_code == 302
    assert not AuditEntry.objects.filter(action="reveal_organisation_contact").exists()
    assert Organisation.objects.count() == 1


def test_activities_volunteers_and_hours_per_activity_show_on_the_community_page(client, org, east_staff):
    client.force_login(east_staff)
    register(client, org)
    o = Organisation.objects.get()
    assert client.post("/grid/volunteers/", {"community": org.east_c.pk, "name": "张伟", "phone": "13800001111",
                                             "organisations": [o.pk]}).status_code == 302
    v = Volunteer.objects.get()
    assert list(v.organisations.all()) == [o]
    volunteers = client.get("/grid/volunteers/").content.decode()
    assert "张伟" not in volunteers and "13800001111" not in volunteers and "张*" in volunteers
    assert "13800001111" in client.post(f"/grid/reveal/volunteer/{v.pk}/phone/").content.decode()
    assert AuditEntry.objects.filter(action="reveal_volunteer").count() == 1

    today = timezone.localdate()
    answer = client.post(f"/grid/organisations/{o.pk}/activities/", {
        "title": "独居老人上门探访", "held_on": today.isoformat(), "place": "东湖社区党群服务中心", "participants": "12"})
    activity = Activity.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/grid/activities/{activity.pk}/"
    assert client.post(f"/grid/activities/{activity.pk}/", {"volunteer": v.pk, "hours": "2.5"}).status_code == 302
    assert client.post(f"/grid/activities/{activity.pk}/", {"volunteer": v.pk, "hours": "3"}).status_code == 302
    assert VolunteerHours.objects.get().hours == 3  # a second entry corrects the first
    page = client.get(f"/grid/activities/{activity.pk}/").content.decode()
    assert "共 3.0 小时" in page

    community = client.get(f"/grid/communities/{org.east_c.pk}/").content.decode()
    assert "夕阳红志愿服务队" in community and "独居老人上门探访" in community
    assert "本月 1 场活动，志愿服务 3.0 小时" in community and "志愿者 1 人" in community


def test_hours_are_refused_for_an_activity_not_yet_held_out_of_range_or_for_another_communitys_volunteer(
        org, east_staff, west_worker):
    o = services.register_organisation(east_staff, community_id=org.east_c.pk, name="邻里互助会")
    mine = services.add_volunteer(east_staff, community=org.east_c, name="张伟")
    theirs = services.add_volunteer(west_worker, community=org.west_c, name="刘洋")
    held = services.add_activity(east_staff, o, title="环境清洁日", held_on=timezone.localdate())
    planned = services.add_activity(east_staff, o, title="义诊", held_on=timezone.localdate() + dt.timedelta(days=7))
    with pytest.raises(services.FieldErrors, match="尚未举行"):
        services.log_hours(east_staff, activity=planned, volunteer=mine, hours=2)
    for hours in ("0", "25", "abc", "NaN"):
        with pytest.raises(services.FieldErrors):
            services.log_hours(east_staff, activity=held, volunteer=mine, hours=hours)
    with pytest.raises(services.FieldErrors):
        services.log_hours(east_staff, activity=held, volunteer=theirs, hours=2)
    with pytest.raises(services.ActionRefused):
        services.log_hours(west_worker, activity=held, volunteer=mine, hours=2)
    assert not VolunteerHours.objects.exists()
