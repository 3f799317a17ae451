"""Phone verification: a one-time code by SMS, only hashes kept, a few tries."""
from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core.errors import FieldErrors
from gongzhi.core.models import Delivery
from gongzhi.participation import verification
from gongzhi.participation.models import PhoneCheck

pytestmark = pytest.mark.django_db


def sent_code() -> str:
    delivery = Delivery.objects.filter(channel="sms", template="participation.code").latest("id")
    return re.search(r"\d{6}", str(delivery.context)).group(0)


def test_a_code_confirms_the_phone_once_and_nothing_in_plain_is_kept(db):
    verification.send_code("138 1234 5678")
    code = sent_code()
    check = PhoneCheck.objects.get()
    assert "13812345678" not in check.phone_key and code not in check.code_hash
    with pytest.raises(FieldErrors, match="不正确"):
        verification.confirm("13812345678", "000000" if code != "000000" else "111111")
    voter = verification.confirm("13812345678", code)
    assert voter.verified and voter.phone_key == verification.phone_key("13812345678")
    with pytest.raises(FieldErrors, match="失效"):
        verification.confirm("13812345678", code)


def test_five_wrong_tries_spend_the_code_and_bad_numbers_are_refused(db):
    verification.send_code("13812345678")
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(verification.MAX_ATTEMPTS):
        with pytest.raises(FieldErrors):
            verification.confirm("13812345678", wrong)
    with pytest.raises(FieldErrors, match="失效"):
        verification.confirm("13812345678", code)
    with pytest.raises(FieldErrors) as refused:
        verification.send_code("12345")
    assert "phone" in refused.value.errors


def test_a_verified_visitor_supports_on_the_page(propose):
    proposal = propose()
    c = Client()
    c.post(reverse("participation:verify"), {"phone": "13900001111"})
    r = c.post(reverse("participation:verify"), {"phone": "13900001111", "code": sent_code(),
                                                  "next": f"/participation/proposals/{proposal.pk}/"})
    assert r.status_code == 302 and r.url == f"/participation/proposals/{proposal.pk}/"
    c.post(reverse("participation:proposal_support", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.support_count == 1
