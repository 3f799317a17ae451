"""The happy path of an appeal: received, dispatched, acknowledged, replied, rated, closed."""
from gongzhi.appeals import services
from gongzhi.appeals.models import Status
from gongzhi.core.errors import ActionRefused


def test_an_appeal_goes_through_its_whole_life(org, make_appeal):
    appeal = make_appeal()
    assert appeal.status == Status.RECEIVED
    assert appeal.grid == org.east_g and appeal.region == org.east_c
    services.dispatch(appeal, org.dispatcher, org.housing)
    assignment = appeal.assignments.get()
    services.acknowledge(assignment, org.handler_housing)
    services.reply(appeal, org.handler_housing, "经核查，电梯主板损坏，已督促物业更换，现已恢复运行。联系电话：12345。")
    appeal = services.follow_up(appeal, "satisfied")
    assert appeal.status == Status.CLOSED
    kinds = list(appeal.events.values_list("kind", flat=True))
    assert kinds == ["received", "dispatched", "acknowledged", "replied", "rated", "closed"]


def test_a_reopened_appeal_returned_and_dispatched_again_keeps_the_reopening_deadline(org, make_appeal):
    appeal = make_appeal()
    services.dispatch(appeal, org.dispatcher, org.housing)
    services.acknowledge(appeal.assignments.get(), org.handler_housing)
    services.reply(appeal, org.handler_housing, "经核查，电梯已修复，如有问题请联系区住建局12345。")
    appeal = services.follow_up(appeal, "dissatisfied", comment="电梯还是坏的")
    reopened_due = appeal.due_at
    lead = appeal.assignments.filter(state="pending").get()
    services.return_assignment(lead, org.handler_housing, "应由物业所在街道办理")
    appeal = services.dispatch(appeal.__class__.objects.get(pk=appeal.pk), org.dispatcher, org.env)
    assert appeal.due_at == reopened_due


def test_services_refuse_a_person_acting_outside_their_scope(org, make_appeal):
    """Views check scope first; the services check again so no other door (API, command) can skip it."""
    import pytest

    appeal = make_appeal()  # in the east subdistrict
    from gongzhi.core.models import Role, RoleAssignment, User

    west_supervisor = User.objects.create_user("west_sup", password="x" * 10)
    RoleAssignment.objects.create(user=west_supervisor, role=Role.SUPERVISOR, region=org.west)
    services.dispatch(appeal, org.dispatcher, org.housing)
    with pytest.raises(ActionRefused):
        services.urge(appeal, west_supervisor, "快办")
    appeal.refresh_from_db()
    assert appeal.urge_count == 0
    services.urge(appeal, org.east_supervisor, "快办")
