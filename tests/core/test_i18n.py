"""The interface speaks Simplified Chinese by default and English on request.

A visitor switches with the language menu (POST /i18n/setlang/) or by their browser's
Accept-Language; the English catalogue is committed compiled (gongzhi/locale/en/LC_MESSAGES), so
what is tested here is what a fresh clone serves.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
HAN = re.compile(r"[\u4e00-\u9fff]")


def switch_to_english(client, next_url: str = "/"):
    response = client.post("/i18n/setlang/", {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    return response


def html_lang(body: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', body)
    return found.group(1) if found else ""


# ---------------------------------------------------------------- the default

@pytest.mark.django_db
def test_a_visitor_without_a_language_preference_sees_simplified_chinese(client):
    body = client.get("/").content.decode()
    assert html_lang(body) == "zh-hans"
    assert "我要反映" in body and "办理查询" in body
    assert "Report a problem" not in body


@pytest.mark.django_db
def test_a_chinese_browser_gets_chinese_even_though_english_exists(client):
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert html_lang(body) == "zh-hans"
    assert "工作人员登录" in body


# ---------------------------------------------------------------- switching

@pytest.mark.django_db
def test_the_language_menu_switches_the_portal_home_to_english(client):
    switch_to_english(client, "/")
    body = client.get("/").content.decode()
    assert html_lang(body) == "en"
    assert "Report a problem" in body
    assert "Track an appeal" in body
    assert "Tracking number" in body and "Access code" in body  # the tracking form's labels
    assert "我要反映" not in body and "办理查询" not in body


@pytest.mark.django_db
def test_an_english_browser_gets_the_login_page_in_english(client):
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8").content.decode()
    assert html_lang(body) == "en"
    for text in ("Staff sign-in", "Username", "Password", "Sign in"):
        assert text in body
    assert "工作人员登录" not in body and "用户名" not in body


@pytest.mark.django_db
def test_a_dispatcher_who_chose_english_sees_the_inbox_in_english(client, org, make_appeal):
    make_appeal()
    client.force_login(org.dispatcher)
    switch_to_english(client, "/staff/")
    body = client.get("/staff/").content.decode()
    assert html_lang(body) == "en"
    for text in ("Workbench", "Search appeals", "Awaiting dispatch", "Tracking number"):
        assert text in body
    assert "待派单" not in body and "诉求查询" not in body
    # the appeal itself stays in the words its appellant used
    assert "小区电梯长期故障无人维修" in body


@pytest.mark.django_db
def test_switching_back_restores_chinese(client):
    switch_to_english(client, "/")
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    body = client.get("/").content.decode()
    assert html_lang(body) == "zh-hans" and "我要反映" in body


# ---------------------------------------------------------------- the catalogue itself

def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgstr, flags (enough of the format for our own catalogue)."""
    entries, current, field = [], None, None

    def finish():
        if current is not None and current.get("msgid"):
            entries.append(current)

    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if not line:
            finish()
            current, field = None, None
            continue
        if current is None:
            current = {"msgid": "", "msgstr": "", "flags": set(), "plural": False, "context": None}
        if line.startswith("#,"):
            current["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            current["context"], field = ast.literal_eval(line[8:]), None
        elif line.startswith("msgid_plural"):
            current["plural"], field = True, None
        elif line.startswith("msgid "):
            field = "msgid"
            current[field] = ast.literal_eval(line[6:])
        elif line.startswith("msgstr"):
            field = "msgstr"
            current[field] += ast.literal_eval(line.split(" ", 1)[1])
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
    finish()
    return entries


def test_every_message_in_the_english_catalogue_is_translated_and_none_is_fuzzy():
    entries = read_po(PO)
    assert len(entries) > 200
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    untranslated = [e["msgid"] for e in entries if not e["plural"] and not e["msgstr"].strip()]
    still_chinese = [e["msgid"] for e in entries if HAN.search(e["msgstr"])]
    assert fuzzy == []
    assert untranslated == []
    assert still_chinese == []


def test_the_committed_compiled_catalogue_matches_the_po_file():
    """CI does not run compilemessages: a stale django.mo would serve old or missing English."""
    stale = []
    with translation.override("en"):
        for e in read_po(PO):
            if e["plural"] or "fuzzy" in e["flags"]:
                continue
            found = (translation.pgettext(e["context"], e["msgid"]) if e["context"]
                     else translation.gettext(e["msgid"]))
            if found != e["msgstr"]:
                stale.append(e["msgid"])
    assert stale == []
