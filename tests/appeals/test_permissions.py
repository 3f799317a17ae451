"""Who sees which appeal: one scope filter (`Appeal.objects.restrict(user)`) for every list and
lookup; an appeal outside one's scope is missing (404), never forbidden."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal
from gongzhi.core.scoping import get_visible_or_404


@pytest.fixture
def world(org, make_appeal):
    """Four appeals: east/housing, west/environment, a citizen's own (west, not dispatched), and a
    grid worker's own report from outside their grid (west, not dispatched)."""
    east = make_appeal(title="东湖社区电梯故障")
    services.dispatch(east, org.dispatcher, org.housing)
    west = make_appeal(title="西山社区夜间施工噪音", lat=39.905, lon=116.305, category=org.cat_noise)
    services.dispatch(west, org.dispatcher, org.env)
    own = make_appeal(title="西山社区路灯不亮", lat=39.905, lon=116.305, appellant_user=org.citizen)
    report = make_appeal(channel="grid", title="西山社区井盖缺失", lat=39.905, lon=116.305, actor=org.grid_worker,
                         anonymous=True)
    assert (east.region, west.region, own.region, report.region) == (org.east_c, org.west_c, org.west_c, org.west_c)
    return {"east": east, "west": west, "own": own, "report": report}


MATRIX = {
    # user attribute: appeals visible (by key of `world`)
    "handler_housing": {"east"},
    "handler_env": {"west"},
    "east_supervisor": {"east"},
    "supervisor": {"east", "west", "own", "report"},
    "leader": {"east", "west", "own", "report"},
    "admin": {"east", "west", "own", "report"},
    "dispatcher": {"east", "west", "own", "report"},
    "operator": {"east", "west", "own", "report"},
    "mediator": {"east", "west", "own", "report"},
    "grid_worker": {"east", "report"},
    "citizen": {"own"},
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_each_role_sees_exactly_its_scope(org, world, who):
    user = getattr(org, who)
    visible = set(Appeal.objects.restrict(user).values_list("pk", flat=True))
    expected = {world[key].pk for key in MATRIX[who]}
    assert visible == expected


@pytest.mark.parametrize("who", list(MATRIX))
def test_an_appeal_outside_scope_is_not_found(org, world, who):
    user = getattr(org, who)
    for key, appeal in world.items():
        if key in MATRIX[who]:
            assert get_visible_or_404(Appeal.objects, user, pk=appeal.pk) == appeal
        else:
            with pytest.raises(Http404):
                get_visible_or_404(Appeal.objects, user, pk=appeal.pk)


def test_a_handler_of_department_a_gets_404_for_department_bs_appeal(org, world):
    with pytest.raises(Http404):
        get_visible_or_404(Appeal.objects, org.handler_housing, pk=world["west"].pk)


def test_anonymous_visitors_and_people_without_roles_see_nothing(org, world):
    from gongzhi.core.models import User

    nobody = User.objects.create_user("nobody", password="x-Passw0rd!")
    assert not Appeal.objects.restrict(AnonymousUser()).exists()
    assert not Appeal.objects.restrict(nobody).exists()


def test_a_superuser_sees_everything(org, world):
    from gongzhi.core.models import User

    root = User.objects.create_superuser("root", password="x-Passw0rd!")
    assert Appeal.objects.restrict(root).count() == 4


def test_after_a_return_and_redispatch_only_the_new_department_sees_the_appeal(org, world):
    """A returned assignment (退单) gives no access any more (tests/appeals/test_scope_after_return.py)."""
    east = world["east"]
    services.return_assignment(east.assignments.get(), org.handler_housing, "属于环保部门职责")
    services.dispatch(east, org.dispatcher, org.env)
    assert Appeal.objects.restrict(org.handler_env).filter(pk=east.pk).exists()
    assert not Appeal.objects.restrict(org.handler_housing).filter(pk=east.pk).exists()


def test_a_new_role_takes_effect_for_a_fresh_user_object(org, world):
    from gongzhi.core.models import Role, RoleAssignment, User

    RoleAssignment.objects.create(user=org.handler_env, role=Role.SUPERVISOR, region=org.east)
    fresh = User.objects.get(pk=org.handler_env.pk)
    assert set(Appeal.objects.restrict(fresh).values_list("pk", flat=True)) == {world["east"].pk, world["west"].pk}


def test_a_supervisor_or_leader_of_a_department_sees_that_departments_appeals_not_the_whole_district(org, world):
    """A role granted on a department (no region) is that department's scope, never jurisdiction-wide."""
    from gongzhi.core.models import Role, RoleAssignment, User

    for role in (Role.SUPERVISOR, Role.LEADER):
        person = User.objects.create_user(f"dept_{role}", password="x-Passw0rd!")
        RoleAssignment.objects.create(user=person, role=role, department=org.housing)
        assert set(Appeal.objects.restrict(person).values_list("title", flat=True)) == {world["east"].title}, role
