"""Small helpers for the staff page tests."""
from __future__ import annotations

from django.urls import reverse

from gongzhi.appeals import services


def signed_in(client, user):
    client.force_login(user)
    return client


def detail_url(appeal) -> str:
    return reverse("staff:appeal_detail", args=[appeal.pk])


def action_url(appeal, action: str) -> str:
    return reverse("staff:appeal_action", args=[appeal.pk, action])


def dispatched(org, appeal, dept=None):
    services.dispatch(appeal, org.dispatcher, dept or org.housing)
    appeal.refresh_from_db()
    return appeal


def handling(org, appeal):
    dispatched(org, appeal)
    services.acknowledge(appeal.assignments.get(), org.handler_housing)
    appeal.refresh_from_db()
    return appeal


def replied(org, appeal, text="经核查，电梯主板损坏，已督促物业更换，现已恢复正常运行。"):
    handling(org, appeal)
    services.reply(appeal, org.handler_housing, text)
    appeal.refresh_from_db()
    return appeal
