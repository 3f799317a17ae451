"""Where people land after signing in."""
from django.urls import reverse


def test_staff_land_on_their_workbench(org, client):
    from gongzhi.core.models import Role, RoleAssignment, User

    analyst = User.objects.create_user("analyst", password=org.password)  # a role that reveals nothing: no 2nd factor
    RoleAssignment.objects.create(user=analyst, role=Role.ANALYST, region=org.district)
    response = client.post(reverse("login"), {"username": "analyst", "password": org.password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("staff:inbox")


def test_staff_who_need_a_second_factor_land_on_their_workbench_after_it(org, client):
    from gongzhi.core import twofactor

    device = twofactor.seed_device(org.dispatcher)
    response = client.post(reverse("login"), {"username": "dispatcher", "password": org.password}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor"))
    response = client.post(reverse("two_factor"), {"token": twofactor.current_code(device)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("staff:inbox")


def test_citizens_land_on_the_public_pages_not_on_a_staff_404(org, client):
    response = client.post(reverse("login"), {"username": "citizen", "password": org.password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:my_appeals")
    assert response.status_code == 200


def test_a_configured_tile_server_is_allowed_by_the_content_security_policy(settings):
    from gongzhi.core import middleware

    settings.GONGZHI = {**settings.GONGZHI, "TILE_URL": "https://{s}.tile.example.org/{z}/{x}/{y}.png"}
    assert middleware._tile_origin() == "https://*.tile.example.org"
