"""Who is told about a case, and how their notifications are marked read (gongzhi.core.recipients)."""
from __future__ import annotations

from django.urls import reverse

from gongzhi.core import recipients
from gongzhi.core.models import Notification, Role, RoleAssignment, User


def names(users) -> set[str]:
    return {u.username for u in users}


def test_supervisors_of_a_region_are_those_above_it_and_the_jurisdiction_wide_ones(org):
    everywhere = User.objects.create_user(username="city_supervisor", password="x")
    RoleAssignment.objects.create(user=everywhere, role=Role.SUPERVISOR)  # no region: the whole jurisdiction
    gone = User.objects.create_user(username="retired_supervisor", password="x", is_active=False)
    RoleAssignment.objects.create(user=gone, role=Role.SUPERVISOR, region=org.east)

    assert names(recipients.supervisors_of(org.east_c)) == {"supervisor", "east_supervisor", "city_supervisor"}
    assert names(recipients.supervisors_of(org.west_c)) == {"supervisor", "city_supervisor"}
    assert names(recipients.supervisors_of(org.district)) == {"supervisor", "city_supervisor"}
    assert names(recipients.supervisors_of(None)) == {"city_supervisor"}


def test_handlers_of_a_department(org):
    assert names(recipients.handlers_of(org.housing.pk)) == {"handler_zjj"}
    assert names(recipients.handlers_of(org.water.pk)) == set()


def test_notify_tells_each_person_once(org):
    told = recipients.notify([org.supervisor, org.east_supervisor, org.supervisor], "alert", "预警：" + "长" * 400, "/x/")
    assert told == 2
    rows = Notification.objects.filter(kind="alert")
    assert names(r.user for r in rows) == {"supervisor", "east_supervisor"}
    assert all(len(r.text) == 300 and r.link == "/x/" for r in rows)


def test_mark_read_touches_only_the_persons_own_notifications(org):
    recipients.notify([org.supervisor, org.east_supervisor], "overdue", "超期：一件")
    recipients.notify([org.supervisor], "overdue", "超期：两件")
    first, second = Notification.objects.filter(user=org.supervisor).order_by("pk")
    other = Notification.objects.get(user=org.east_supervisor)

    assert recipients.mark_read(org.supervisor, [first.pk, other.pk]) == 1  # another person's id is ignored
    assert list(recipients.unread(org.supervisor)) == [second]
    assert recipients.mark_read(org.supervisor) == 1
    assert not recipients.unread(org.supervisor).exists()
    assert recipients.unread(org.east_supervisor).get() == other


def test_the_staff_page_marks_all_of_ones_notifications_read(client, org):
    recipients.notify([org.handler_housing, org.handler_env], "assigned", "新派单：电梯")
    client.force_login(org.handler_housing)
    client.post(reverse("staff:notifications_read"))
    assert not recipients.unread(org.handler_housing).exists()
    assert recipients.unread(org.handler_env).exists()
