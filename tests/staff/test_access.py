"""Who sees which staff page and which appeal: outside one's scope an appeal does not exist (404)."""
import pytest
from django.urls import reverse

from .helpers import detail_url, dispatched, signed_in

STAFF_PAGES = ["staff:inbox", "staff:appeal_list", "staff:desk", "staff:board", "staff:grid_report",
               "staff:notifications", "staff:appeal_export"]


@pytest.fixture
def west_appeal(make_appeal):
    return make_appeal(title="西山社区路灯不亮", lat=39.905, lon=116.305, location_text="西山社区")


def test_a_visitor_is_sent_to_the_login_page(client, db):
    response = client.get(reverse("staff:inbox"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_a_citizen_gets_no_staff_page(client, org, name):
    signed_in(client, org.citizen)
    assert client.get(reverse(name)).status_code == 404


def test_a_citizen_cannot_open_even_their_own_appeal_in_the_staff_pages(client, org, make_appeal):
    appeal = make_appeal(appellant_user=org.citizen)
    signed_in(client, org.citizen)
    assert client.get(detail_url(appeal)).status_code == 404


def test_a_handler_sees_their_departments_appeal_and_not_another_departments(client, org, make_appeal):
    appeal = dispatched(org, make_appeal())
    assert signed_in(client, org.handler_housing).get(detail_url(appeal)).status_code == 200
    assert signed_in(client, org.handler_env).get(detail_url(appeal)).status_code == 404


def test_a_handler_does_not_see_an_appeal_before_it_is_dispatched_to_them(client, org, make_appeal):
    appeal = make_appeal()
    assert signed_in(client, org.handler_housing).get(detail_url(appeal)).status_code == 404


def test_the_east_supervisor_does_not_see_a_west_appeal(client, org, make_appeal, west_appeal):
    east = make_appeal()
    signed_in(client, org.east_supervisor)
    assert client.get(detail_url(east)).status_code == 200
    assert client.get(detail_url(west_appeal)).status_code == 404
    listing = client.get(reverse("staff:appeal_list")).content.decode()
    assert east.tracking_number in listing and west_appeal.tracking_number not in listing


def test_the_district_supervisor_sees_both_subdistricts(client, org, make_appeal, west_appeal):
    east = make_appeal()
    listing = signed_in(client, org.supervisor).get(reverse("staff:appeal_list")).content.decode()
    assert east.tracking_number in listing and west_appeal.tracking_number in listing


def test_a_grid_worker_sees_their_own_reports_and_not_other_grids(client, org, west_appeal):
    signed_in(client, org.grid_worker)
    response = client.post(reverse("staff:grid_report"), {
        "grid": org.east_g.pk, "title": "井盖缺失", "content": "东湖社区北门井盖缺失，存在安全隐患。", "urgency": "normal",
    })
    assert response.status_code == 302
    inbox = client.get(reverse("staff:inbox")).content.decode()
    assert "井盖缺失" in inbox
    assert client.get(detail_url(west_appeal)).status_code == 404


@pytest.mark.parametrize("name, user, expected", [
    ("staff:desk", "operator", 200), ("staff:desk", "handler_housing", 404), ("staff:desk", "dispatcher", 404),
    ("staff:board", "supervisor", 200), ("staff:board", "leader", 200), ("staff:board", "handler_housing", 404),
    ("staff:board", "operator", 404), ("staff:grid_report", "grid_worker", 200), ("staff:grid_report", "operator", 404),
    ("staff:inbox", "mediator", 200),
])
def test_role_pages(client, org, name, user, expected):
    assert signed_in(client, getattr(org, user)).get(reverse(name)).status_code == expected
