"""The community task catalogue (社区协助办理事项清单): a department's task to a community is accepted
only for an active item on the catalogue that this department may ask for; anything else is refused
with the reason, audited, and nothing is made. The community sees its load: tasks per month by
department and item, with the time spent."""
import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.models import AuditEntry, Notification
from gongzhi.grid import services, stats
from gongzhi.grid.models import CommunityTask

pytestmark = pytest.mark.django_db


def give(org, who=None, dept=None, item="SQ-01", **kw):
    return services.assign_task(who or org.handler_housing, department=dept or org.housing,
                                community_id=kw.pop("community", org.east_c).pk, item_code=item,
                                title=kw.pop("title", "人口抽样调查摸底"), **kw)


def test_a_task_for_an_item_on_the_catalogue_is_accepted_and_the_community_is_told(org, catalogue, east_staff):
    task = give(org)
    assert task.status == "assigned" and task.item == catalogue["census"]
    assert task.events.get().kind == "assigned"
    told = set(Notification.objects.filter(kind="community_task").values_list("user__username", flat=True))
    assert told == {"gridworker", "east_staff"}  # the east grid's worker and the community's staff


def test_an_item_not_on_the_catalogue_is_refused_with_the_reason_and_audited(org, catalogue):
    with pytest.raises(ActionRefused, match="不在社区协助办理事项清单上"):
        give(org, item="LS-99", title="请社区代收罚款")
    assert not CommunityTask.objects.exists()
    entry = AuditEntry.objects.get(action="community_task_refused")
    assert entry.actor == org.handler_housing and entry.detail["item"] == "LS-99"


def test_an_item_of_another_department_or_withdrawn_from_the_catalogue_is_refused(org, catalogue):
    with pytest.raises(ActionRefused, match="不由区住建局派发"):
        give(org, item="SQ-03")
    assert give(org, who=org.handler_env, dept=org.env, item="SQ-03").item == catalogue["welfare"]
    catalogue["census"].active = False
    catalogue["census"].save()
    with pytest.raises(ActionRefused, match="已从清单中取消"):
        give(org)


def test_only_a_handler_of_the_department_assigns(org, catalogue):
    with pytest.raises(ActionRefused):
        give(org, who=org.handler_env)  # housing's task, by environment's handler
    with pytest.raises(FieldErrors) as bad:
        give(org, title="")
    assert "title" in bad.value.errors


def test_the_community_finishes_with_the_time_spent_and_the_load_shows_it(org, catalogue, east_staff, west_worker):
    at = timezone.now() - dt.timedelta(days=3)
    tasks = [give(org, at=at), give(org, at=at), give(org, who=org.handler_env, dept=org.env, item="SQ-03", at=at),
             give(org, community=org.west_c, at=at)]
    with pytest.raises(ActionRefused):
        services.complete_task(west_worker, tasks[0], minutes_spent=30)  # not their community
    with pytest.raises(FieldErrors):
        services.complete_task(east_staff, tasks[0], minutes_spent="a lot")
    services.complete_task(east_staff, tasks[0], minutes_spent=90, result="已报送")
    services.complete_task(org.grid_worker, tasks[2], minutes_spent=30)
    services.cancel_task(org.handler_housing, tasks[1], "重复派发")
    with pytest.raises(ActionRefused):
        services.complete_task(east_staff, CommunityTask.objects.get(pk=tasks[1].pk), minutes_spent=10)
    rows = stats.load_rows(CommunityTask.objects.filter(community=org.east_c), stats.months_back(3))
    assert {(r["department"], r["tasks"], r["done"], r["hours"]) for r in rows} == {
        ("区住建局", 1, 1, 1.5), ("区生态环境局", 1, 1, 0.5)}  # the withdrawn task is no load
    per = {r["community"]: r for r in stats.load_per_community(CommunityTask.objects.all(), stats.months_back(3))}
    assert per["东湖社区"]["tasks"] == 2 and per["西山社区"]["tasks"] == 1


def test_an_open_task_past_its_deadline_is_marked_overdue_and_both_sides_are_told(org, catalogue, east_staff):
    at = timezone.now() - dt.timedelta(days=5)
    task = give(org, at=at, due_at=at + dt.timedelta(days=2))
    counts = services.sweep_deadlines()
    task.refresh_from_db()
    assert counts["newly_overdue"] == 1 and task.due_state == "overdue"
    assert task.events.filter(kind="overdue").exists()
    assert Notification.objects.filter(kind="overdue", user=org.handler_housing).exists()


def test_the_task_pages_refuse_an_item_off_the_catalogue_with_the_reason(client, org, catalogue):
    client.force_login(org.handler_housing)
    answer = client.post("/grid/tasks/new/", {"department": org.housing.pk, "community": org.east_c.pk,
                                              "item": "LS-99", "title": "代收罚款"})
    assert answer.status_code == 400 and "不在社区协助办理事项清单上" in answer.content.decode()
    answer = client.post("/grid/tasks/new/", {"department": org.housing.pk, "community": org.east_c.pk,
                                              "item": "SQ-01", "title": "人口抽样调查摸底"})
    task = CommunityTask.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/grid/tasks/{task.pk}/"


def test_the_leaders_dashboard_shows_the_load_per_community_and_others_do_not_get_it(org, catalogue):
    from gongzhi.core import dashboards

    give(org)
    give(org, community=org.west_c)
    give(org)
    panels = {p["key"]: p for p in dashboards.panels_for(org.leader)}
    table = panels["grid.load"]["tables"][0]
    assert [row[0]["text"] for row in table["rows"]] == ["东湖社区", "西山社区"]
    assert table["rows"][0][1] == 2 and table["rows"][0][3] == "区住建局（2）"
    assert "grid.load" not in {p["key"] for p in dashboards.panels_for(org.handler_housing)}
