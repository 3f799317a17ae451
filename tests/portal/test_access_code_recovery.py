"""A lost access code: sent again (a new one: codes are stored hashed) to the phone or e-mail on the
appeal, audited, rate-limited, and answered alike whether the number and contact matched or not."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gongzhi.appeals import notifying, services
from gongzhi.core import delivery
from gongzhi.core.models import AuditEntry, Delivery
from tests.notify_peers import http_receiver, peers, smtp  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal(make_appeal):
    found = make_appeal()
    notifying.remember_contact(found, email="zhang.san@example.com")
    return found


def recover(client, number, contact):
    return client.post(reverse("portal:recover"), {"tracking_number": number, "contact": contact})


def send_all():
    for pk in Delivery.objects.filter(status="pending").values_list("pk", flat=True):
        delivery.attempt(pk)


def test_a_new_code_goes_to_the_phone_and_email_on_the_appeal_and_the_old_one_stops_working(client, appeal, peers):
    mail, receiver = peers
    page = recover(client, appeal.tracking_number.lower(), "138 1234 5678")
    assert 'data-testid="recover-done"' in page.content.decode()
    send_all()
    new_code = mail.bodies()[0].split("新查询码：")[1][:6]
    assert new_code in receiver.received[0]["json"]["text"] and receiver.received[0]["json"]["to"] == "13812345678"
    appeal.refresh_from_db()
    assert services.check_access_code(appeal, new_code) and not services.check_access_code(appeal, appeal.access_code)
    track = client.post(reverse("portal:track"), {"tracking_number": appeal.tracking_number, "access_code": new_code})
    assert track.status_code == 302
    entry = AuditEntry.objects.get(action="access_code_recovery")
    assert entry.detail["matched"] is True and entry.detail["sent_to"] == 2
    assert "13812345678" not in str(entry.detail) and new_code not in str(entry.detail)
    assert appeal.events.filter(kind="access_code_reissued").exists()


def test_the_email_on_the_appeal_works_as_the_contact_too(client, appeal, smtp):
    recover(client, appeal.tracking_number, "Zhang.San@example.com")
    send_all()
    assert len(smtp.messages) == 1


def test_a_wrong_contact_or_number_gets_the_same_answer_and_sends_nothing(client, appeal, peers):
    mail, receiver = peers
    right = recover(client, appeal.tracking_number, "13812345678")
    Delivery.objects.all().delete()
    wrong_contact = recover(client, appeal.tracking_number, "13900000000")
    wrong_number = recover(client, "GZ20990101AAAAAA", "13812345678")

    def text(page):  # the page as a person reads it: the CSRF tokens differ on every answer
        text = re.sub(r'(csrfmiddlewaretoken" value=)"[^"]+"', r'\1""', page.content.decode())
        return re.sub(r'(csrf[a-z_]*"?[:=] ?)"[^"]+"', r'\1""', text, flags=re.I)

    assert right.status_code == wrong_contact.status_code == wrong_number.status_code == 200
    assert text(wrong_contact) == text(wrong_number)
    assert 'data-testid="recover-done"' in text(right)
    assert not Delivery.objects.exists() and mail.messages == [] and receiver.received == []
    assert [e.detail["matched"] for e in AuditEntry.objects.filter(action="access_code_recovery")
            .order_by("id")] == [True, False, False]
    appeal.refresh_from_db()
    assert services.check_access_code(appeal, appeal.access_code) is False  # only the first, right, one reissued


def test_recovery_is_rate_limited_per_tracking_number_across_addresses(client, appeal, settings):
    settings.GONGZHI = {**settings.GONGZHI, "CODE_RECOVERIES_PER_HOUR": 3}
    for i in range(3):
        assert recover(client, appeal.tracking_number, "13900000000").status_code == 200
    other_address = client.__class__(REMOTE_ADDR="10.9.9.9")
    refused = recover(other_address, appeal.tracking_number, "13812345678")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert 'data-testid="throttled"' in refused.content.decode()
    assert not Delivery.objects.exists()  # even the right contact gets nothing once the limit is reached
    assert AuditEntry.objects.filter(action="access_code_recovery_throttled").count() == 1


def test_recovery_is_rate_limited_per_address(client, appeal, make_appeal, settings):
    settings.GONGZHI = {**settings.GONGZHI, "CODE_RECOVERIES_PER_HOUR": 2}
    numbers = [make_appeal().tracking_number for _ in range(3)]
    assert [recover(client, n, "x@example.com").status_code for n in numbers] == [200, 200, 429]


def test_the_tracking_page_links_to_recovery(client, db):
    assert reverse("portal:recover") in client.get(reverse("portal:track")).content.decode()
