"""A signed-in citizen follows their own appeals without typing tracking numbers and codes."""
from django.urls import reverse

from gongzhi.appeals import services


def test_a_citizen_sees_their_own_appeals_and_opens_the_public_view(org, client, make_appeal):
    mine = make_appeal(appellant_user=org.citizen)
    others = make_appeal(title="别人的诉求标题")
    services.dispatch(mine, org.dispatcher, org.housing)
    client.force_login(org.citizen)
    page = client.get(reverse("portal:my_appeals")).content.decode()
    assert mine.tracking_number in page and others.tracking_number not in page
    detail = client.get(reverse("portal:track_detail", args=[mine.tracking_number]))
    assert detail.status_code == 200 and "区住建局" in detail.content.decode()
    assert "dispatcher" not in detail.content.decode()  # no staff names on the public view


def test_someone_elses_appeal_still_needs_its_code(org, client, make_appeal):
    other = make_appeal()
    client.force_login(org.citizen)
    response = client.get(reverse("portal:track_detail", args=[other.tracking_number]))
    assert response.status_code == 302 and response["Location"] == reverse("portal:track")


def test_citizens_land_on_their_appeals_after_signing_in(org, client):
    response = client.post(reverse("login"), {"username": "citizen", "password": org.password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:my_appeals")


def test_the_page_needs_a_login(client, db):
    response = client.get(reverse("portal:my_appeals"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
