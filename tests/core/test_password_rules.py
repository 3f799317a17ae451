"""Password rules (等保 2.0 身份鉴别): at least 8 characters of three of the four kinds, not like the
user's name, and none of their last five passwords; the history keeps hashes, never the passwords."""
from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from gongzhi.core.models import PasswordHistory


@pytest.mark.parametrize("password", ["password", "abcdefgh", "12345678", "abcd1234", "ABCDEFGH1", "Ab1!"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize("password", ["Gongzhi#demo2026", "Passw0rd!x", "qiang-Mima-77", "长城Hu4nan!"])
def test_passwords_of_three_kinds_are_accepted(password):
    validate_password(password)


def test_the_last_five_passwords_cannot_be_used_again(org):
    user = org.operator
    passwords = [f"Zhuanxian#{n}x" for n in range(6)]
    for password in passwords:
        validate_password(password, user)
        user.set_password(password)
        user.save()
    assert PasswordHistory.objects.filter(user=user).count() == 5
    stored = set(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert not any(p in h for h in stored for p in passwords), "hashes only"
    for reused in passwords[1:]:  # the current one and the four before it
        with pytest.raises(ValidationError, match="最近使用过"):
            validate_password(reused, user)
    validate_password(passwords[0], user)  # six changes ago: allowed again


def test_the_password_reset_page_applies_the_rules(org, client, mailoutbox=None):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = org.handler_housing
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    form_url = client.get(url)["Location"]  # Django moves the token into the session
    response = client.post(form_url, {"new_password1": "simplepassword", "new_password2": "simplepassword"})
    assert response.status_code == 200 and "至少三类" in response.content.decode()
    response = client.post(form_url, {"new_password1": org.password, "new_password2": org.password})
    assert response.status_code == 200 and "最近使用过" in response.content.decode()
    response = client.post(form_url, {"new_password1": "Xin-Mima-2026", "new_password2": "Xin-Mima-2026"})
    assert response.status_code == 302
