"""The community's (or subdistrict's) staff assign grid workers to grids and take them off, each
change in the grid's history and the audit log; from then on a grid worker sees only their grids'
residents and their communities' tasks."""
import pytest

from gongzhi.core.models import AuditEntry, Role, RoleAssignment
from gongzhi.grid import services
from gongzhi.grid.models import CommunityTask, GridWorkerEvent, Resident

from .conftest import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(org):
    """An account made for a new grid worker: the role, no grid yet."""
    return person("newcomer", Role.GRID_WORKER)


@pytest.fixture
def tasks(org, catalogue):
    east = services.assign_task(org.handler_housing, department=org.housing, community_id=org.east_c.pk,
                                item_code="SQ-01", title="东湖摸底")
    west = services.assign_task(org.handler_housing, department=org.housing, community_id=org.west_c.pk,
                                item_code="SQ-01", title="西山摸底")
    return east, west


def visible(user):
    user = type(user).objects.get(pk=user.pk)  # a fresh object: roles as they are now
    return ({r.household.room for r in Resident.objects.restrict(user).select_related("household")},
            set(CommunityTask.objects.restrict(user).values_list("title", flat=True)))


def test_the_community_staff_assign_a_grid_worker_who_then_sees_that_grids_residents_and_tasks(
        client, org, east_staff, newcomer, household, tasks):
    assert visible(newcomer) == (set(), set())
    client.force_login(east_staff)
    page = client.get("/grid/workers/").content.decode()
    assert org.east_g.name in page and org.west_g.name not in page and "newcomer" in page

    answer = client.post(f"/grid/workers/{org.east_g.pk}/assign/", {"worker": newcomer.pk, "note": "新入职"})
    assert answer.status_code == 302
    assert RoleAssignment.objects.filter(user=newcomer, role=Role.GRID_WORKER, grid=org.east_g).exists()
    assert visible(newcomer) == ({"201室"}, {"东湖摸底"})
    event = GridWorkerEvent.objects.get()
    assert (event.kind, event.grid, event.worker, event.actor, event.note) == (
        "worker_assigned", org.east_g, newcomer, east_staff, "新入职")
    assert AuditEntry.objects.filter(action="assign_grid_worker", actor=east_staff).count() == 1

    client.post(f"/grid/workers/{org.east_g.pk}/unassign/", {"worker": newcomer.pk})
    assert visible(newcomer) == (set(), set())
    assert list(GridWorkerEvent.objects.values_list("kind", flat=True)) == ["worker_assigned", "worker_unassigned"]
    history = client.get("/grid/workers/").content.decode()
    assert "newcomer" in history  # taken off, still in the grid's history and still assignable
    assert "调离" in history and AuditEntry.objects.filter(action="unassign_grid_worker").count() == 1


def test_a_moved_grid_worker_sees_the_new_grids_residents_and_tasks_and_no_longer_the_old(
        org, household, tasks, newcomer):
    services.assign_worker(org.admin, org.east_g, newcomer)
    services.assign_worker(org.admin, org.west_g, newcomer)
    assert visible(newcomer) == ({"201室"}, {"东湖摸底", "西山摸底"})
    services.unassign_worker(org.admin, org.east_g, newcomer, note="调往西山")
    assert visible(newcomer) == (set(), {"西山摸底"})


def test_staff_assign_only_in_their_own_area_and_grid_workers_do_not_assign(client, org, east_staff, newcomer):
    with pytest.raises(services.ActionRefused):
        services.assign_worker(east_staff, org.west_g, newcomer)
    client.force_login(east_staff)
    assert client.post(f"/grid/workers/{org.west_g.pk}/assign/", {"worker": newcomer.pk}).status_code == 404
    # the west subdistrict's supervisor manages the west grid
    west_supervisor = person("west_supervisor", Role.SUPERVISOR, region=org.west)
    services.assign_worker(west_supervisor, org.west_g, newcomer)
    for user in (org.grid_worker, org.dispatcher, org.leader):
        client.force_login(user)
        assert client.get("/grid/workers/").status_code == 404, user
        assert client.post(f"/grid/workers/{org.east_g.pk}/assign/", {"worker": newcomer.pk}).status_code == 404
    assert not GridWorkerEvent.objects.filter(grid=org.east_g).exists()


def test_twice_or_someone_who_is_not_a_grid_worker_is_refused_with_the_reason(org, east_staff, newcomer):
    services.assign_worker(east_staff, org.east_g, newcomer)
    with pytest.raises(services.ActionRefused, match="已是该网格的网格员"):
        services.assign_worker(east_staff, org.east_g, newcomer)
    with pytest.raises(services.FieldErrors) as refused:
        services.assign_worker(east_staff, org.east_g, org.dispatcher)
    assert "worker" in refused.value.errors
    with pytest.raises(services.ActionRefused, match="不是该网格的网格员"):
        services.unassign_worker(east_staff, org.east_g, org.dispatcher)
    assert GridWorkerEvent.objects.count() == 1
