"""The committed English catalogue is current: every message the source marks has its translation.

test_i18n checks the catalogue against itself; this regenerates it from the source (makemessages,
as a maintainer would) in a scratch copy and looks for messages that came out new or fuzzy, i.e.
strings someone marked for translation without adding their English.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.core.test_i18n import read_po

GETTEXT = all(shutil.which(tool) for tool in ("xgettext", "msguniq", "msgmerge", "msgattrib"))


@pytest.mark.skipif(not GETTEXT, reason="needs GNU gettext (xgettext, msgmerge)")
def test_every_marked_message_in_the_source_is_in_the_english_catalogue(tmp_path, settings):
    source = Path(settings.BASE_DIR)
    copy = tmp_path / "gongzhi"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    settings.LOCALE_PATHS = [copy / "locale"]
    here = os.getcwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    finally:
        os.chdir(here)
    fresh = read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    assert len(fresh) > 200
    missing = [(e["context"], e["msgid"]) for e in fresh
               if "fuzzy" in e["flags"] or not e["msgstr"].strip()]
    assert missing == [], "marked in the source but not translated in gongzhi/locale/en: run makemessages"
