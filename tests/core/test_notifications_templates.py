"""Message wording: shipped in code in Chinese and English, editable by an administrator, rendered
in a sandbox (no files, no tag libraries, plain values only)."""
from __future__ import annotations

import pytest
from django.template import TemplateSyntaxError

from gongzhi.core import messages
from gongzhi.core.models import MessageTemplate, User

pytestmark = pytest.mark.django_db

CONTEXT = {"tracking_number": "GZ20261202ABC234", "title": "电梯故障", "access_code": "123456",
           "track_link": "https://x/track/", "unsubscribe_link": "https://x/u/1/"}


def test_the_acceptance_message_is_shipped_in_chinese_and_english_with_a_short_sms():
    zh = messages.render("appeal.accepted", "email", "zh-hans", CONTEXT)
    en = messages.render("appeal.accepted", "email", "en", CONTEXT)
    sms = messages.render("appeal.accepted", "sms", "en", CONTEXT)
    assert zh.subject == "您的诉求已受理：GZ20261202ABC234" and "查询码：123456" in zh.body
    assert en.subject == "Your appeal was received: GZ20261202ABC234"
    assert "Access code: 123456" in en.body and "Stop messages about this appeal: https://x/u/1/" in en.body
    wording = en.body.replace("电梯故障", "")  # the appellant's own title stays as they wrote it
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in wording)  # no Chinese left in the English one
    assert sms.body.startswith("[12345] Appeal received: GZ20261202ABC234, access code 123456")


def test_an_administrators_wording_replaces_the_default_for_its_language_only():
    MessageTemplate.objects.create(key="appeal.accepted", language="en", channel="",
                                   subject="Case {{ tracking_number }} registered", body="Code {{ access_code }}.")
    assert messages.render("appeal.accepted", "email", "en", CONTEXT).subject == "Case GZ20261202ABC234 registered"
    assert messages.render("appeal.accepted", "email", "zh-hans", CONTEXT).subject.startswith("您的诉求已受理")
    # The shipped SMS wording is the channel's own and stays until the administrator writes an SMS one.
    assert messages.render("appeal.accepted", "sms", "en", CONTEXT).body.startswith("[12345]")


def test_templates_cannot_read_files_load_libraries_or_call_into_objects():
    for text in ('{% include "base.html" %}', '{% extends "base.html" %}', "{% load static %}"):
        with pytest.raises(TemplateSyntaxError):
            messages.check(text)
    # Stored anyway (not through the admin): the shipped default is sent instead.
    MessageTemplate.objects.create(key="appeal.closed", language="en", body='{% include "base.html" %}')
    assert messages.render("appeal.closed", "email", "en", CONTEXT).body.startswith('Your appeal "电梯故障"')
    values = messages.plain({"who": User(username="u"), "n": 3})
    assert values == {"who": "u", "n": 3}  # an object reaches a template as its text, never itself


def test_the_admin_lists_every_shipped_wording_and_refuses_one_that_does_not_parse(client):
    root = User.objects.create_superuser("root", password="Passw0rd!x")
    client.force_login(root)
    page = client.get("/admin/core/messagetemplate/").content.decode()
    assert "appeal.answered" in page and "due_soon" in page
    row = MessageTemplate.objects.get(key="appeal.answered", language="en", channel="")
    answer = client.post(f"/admin/core/messagetemplate/{row.pk}/change/",
                         {"key": row.key, "language": "en", "channel": "", "subject": "{% if %}", "body": "x"})
    assert answer.status_code == 200 and "模板无法解析" in answer.content.decode()
    row.refresh_from_db()
    assert row.subject == "Your appeal was answered: {{ tracking_number }}"
