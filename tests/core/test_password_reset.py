"""Staff password reset by e-mail, through the delivery queue and a real SMTP server: the link works
once, the answer tells nobody whether an address has an account, requests are limited and audited."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gongzhi.core import delivery
from gongzhi.core.models import AuditEntry, Delivery
from tests.notify_peers import smtp  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """Ask for a reset as the page does, then let the worker send what the request queued."""
    def post(data, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(reverse("password_reset"), data, **kwargs)
        for pk in Delivery.objects.filter(status="pending").values_list("pk", flat=True):
            delivery.attempt(pk)
        return answer
    return post


def test_a_staff_member_resets_the_password_from_the_emailed_link(client, org, smtp, ask):
    org.handler_housing.email = "zjj@example.gov.cn"
    org.handler_housing.save()
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()
    sent = ask({"email": "zjj@example.gov.cn"}, follow=True)
    assert 'data-testid="password-reset-sent"' in sent.content.decode()
    assert smtp.subjects() == ["共治：重设密码"] and smtp.messages[0]["X-Envelope-To"] == "zjj@example.gov.cn"
    # It went through the delivery log like every message, and the link is not kept there once sent.
    row = Delivery.objects.get(template="password_reset")
    assert row.status == "sent" and row.context == {} and row.ref == f"core.user:{org.handler_housing.pk}"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", smtp.bodies()[0]).group(1)

    form = client.get(link, follow=True)
    assert 'data-testid="password-reset-confirm"' in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "N3w-Passw0rd!long", "new_password2": "N3w-Passw0rd!long"},
                       follow=True)
    assert 'data-testid="password-reset-complete"' in done.content.decode()
    assert client.login(username="handler_zjj", password="N3w-Passw0rd!long")
    again = client.get(link, follow=True)  # the link works once
    assert 'data-testid="password-reset-invalid"' in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db, smtp, ask):
    answer = ask({"email": "nobody@example.com"}, follow=True)
    assert 'data-testid="password-reset-sent"' in answer.content.decode()
    assert smtp.messages == [] and not Delivery.objects.exists()
    assert AuditEntry.objects.filter(action="password_reset_requested").count() == 1
    assert "nobody@example.com" not in str(AuditEntry.objects.get().detail)


def test_requests_are_limited_per_address(client, org, smtp, ask):
    org.handler_housing.email = "zjj@example.gov.cn"
    org.handler_housing.save()
    for _ in range(7):
        ask({"email": "zjj@example.gov.cn"})
    assert len(smtp.messages) == 5


def test_a_reset_asked_in_english_is_mailed_in_english(client, org, smtp, ask):
    org.handler_housing.email = "zjj@example.gov.cn"
    org.handler_housing.save()
    ask({"email": "zjj@example.gov.cn"}, HTTP_ACCEPT_LANGUAGE="en")
    assert smtp.subjects() == ["Gongzhi: reset your password"]
    assert "Open this link within three days" in smtp.bodies()[0] and "重设" not in smtp.bodies()[0]


def test_the_reset_pages_are_in_english_too(client, db):
    page = client.get(reverse("password_reset"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reset your password" in page and "重设" not in page
