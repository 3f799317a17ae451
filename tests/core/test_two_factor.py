"""Two-factor sign-in (等保 2.0 身份鉴别): administrators, leaders and every role that may reveal
personal data type a code from an authenticator app after their password; the first time they are
shown a key to add to the app. Other roles sign in with the password alone."""
from __future__ import annotations

import base64

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from gongzhi.core import reveal, twofactor
from gongzhi.core.models import AuditEntry, Role


def sign_in(username, password):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302
    return client


def code_for(secret: str, at_offset: int = 0) -> str:
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    totp = TOTP(key)
    totp.time += at_offset
    return f"{totp.token():06d}"


def test_who_needs_a_second_factor(org):
    needed = twofactor.required_roles()
    assert {Role.ADMIN, Role.LEADER} <= needed
    # Every role some model lets see personal data in full: appeals, disputes, petitions, informants.
    assert {Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.HANDLER, Role.MEDIATOR,
            Role.PETITION_OFFICER, Role.INFORMANT_HANDLER} <= needed
    assert Role.ANALYST not in needed and Role.CITIZEN not in needed
    for user in (org.admin, org.leader, org.dispatcher, org.handler_housing, org.mediator, org.operator):
        assert twofactor.required_for(user), user
    assert not twofactor.required_for(analyst(org)) and not twofactor.required_for(org.citizen)


def test_every_model_with_personal_data_says_which_roles_may_reveal_it(org):
    """core.twofactor protects exactly these roles: a model whose may_reveal() allows a role it does
    not list in REVEAL_ROLES would let that role see personal data with a password alone."""
    from gongzhi.core.models import RoleAssignment, User

    for model in reveal.protected_models():
        declared = getattr(model, "REVEAL_ROLES", None)
        assert declared, (f"{model._meta.label} has PROTECTED_FIELDS but no REVEAL_ROLES: add "
                          f"REVEAL_ROLES = (Role.X, ...) listing every role its may_reveal() can allow")
        instance = model()
        for role in set(Role) - {str(r) for r in declared}:
            user = User.objects.create_user(f"probe-{model._meta.model_name}-{role}", password="x")
            RoleAssignment.objects.create(user=user, role=role, region=org.district)
            try:
                allowed = instance.may_reveal(user)
            except Exception:  # an unsaved instance without its relations: may_reveal needs a real row
                continue
            assert not allowed, f"{model._meta.label}.may_reveal allows {role}, which REVEAL_ROLES does not list"


def test_the_first_sign_in_shows_a_key_and_a_code_from_it_completes_the_sign_in(org):
    client = sign_in("dispatcher", org.password)
    page = client.get("/staff/")
    assert page.status_code == 302 and page["Location"].startswith(reverse("two_factor"))
    enrol = client.get(page["Location"])
    secret = enrol.context["secret"]
    assert enrol.status_code == 200 and secret in enrol.content.decode()
    assert "otpauth://totp/" in enrol.content.decode()
    assert client.get("/staff/").status_code == 302  # still not in
    done = client.post(reverse("two_factor"), {"token": code_for(secret), "next": "/staff/"})
    assert done.status_code == 302 and done["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert AuditEntry.objects.filter(action="two_factor_enrolled", actor=org.dispatcher).exists()
    # The next sign-in asks for a code only: the key is not shown again.
    again = sign_in("dispatcher", org.password)
    page = again.get(reverse("two_factor"))
    assert page.context["enrolling"] is False and secret not in page.content.decode()


def test_a_wrong_code_is_refused_audited_and_slowed_down(org):
    device = twofactor.seed_device(org.leader)
    client = sign_in("leader", org.password)
    right = twofactor.current_code(device)
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    response = client.post(reverse("two_factor"), {"token": wrong})
    assert response.status_code == 400 and client.get("/evaluation/").status_code == 302
    assert AuditEntry.objects.filter(action="two_factor_failed", actor=org.leader).exists()
    # Right after a failure even the right code waits (django-otp's throttling doubles the wait).
    response = client.post(reverse("two_factor"), {"token": right})
    assert response.status_code == 400
    assert client.get("/evaluation/").status_code == 302


def analyst(org):
    from gongzhi.core.models import RoleAssignment, User

    user = User.objects.create_user("analyst", password=org.password)
    RoleAssignment.objects.create(user=user, role=Role.ANALYST, region=org.district)
    return user


def test_roles_that_reveal_nothing_sign_in_with_the_password_alone(org):
    analyst(org)
    client = sign_in("analyst", org.password)
    assert client.get("/staff/").status_code == 200


def test_an_unverified_session_may_still_sign_out(org):
    client = sign_in("admin", org.password)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/admin/").status_code == 302 and "two-factor" not in client.get("/admin/")["Location"]


def test_an_administrator_resets_a_lost_authenticator(org, capsys):
    twofactor.seed_device(org.operator)
    call_command("twofactor", "reset", "operator")
    assert twofactor.confirmed_device(org.operator) is None
    assert AuditEntry.objects.filter(action="two_factor_reset", target_id=str(org.operator.pk)).exists()
    client = sign_in("operator", org.password)
    assert client.get(reverse("two_factor")).context["enrolling"] is True


def test_the_demo_code_command_is_refused_in_production(org, settings):
    device = twofactor.seed_device(org.operator)
    call_command("twofactor", "code", "operator")
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("twofactor", "code", "operator")
    assert len(twofactor.current_code(device)) == 6


def test_a_next_address_elsewhere_is_not_followed(org):
    device = twofactor.seed_device(org.supervisor)
    client = sign_in("supervisor", org.password)
    response = client.post(reverse("two_factor"), {"token": twofactor.current_code(device),
                                                   "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("after_login")
