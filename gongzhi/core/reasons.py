"""Stored sentences in the reader's language.

Analysis code imports no Django, so the reasons it gives (risk, hot-issue alerts, reply quality,
dispute risk) are Chinese sentences, stored as written so the API and the history keep one wording.
Shown on a page, a sentence is matched against the templates its app registered here and rendered
through the catalogue: the sentence and its labels translate, words quoted from a citizen's text stay
as they were written. A sentence no template knows is shown as stored.

An app registers its templates once, in its AppConfig.ready (see triage.reasons, disputes.reasons);
the pattern's named groups fill the template, and the groups named in `labels` are themselves
translated (several labels joined by 、 each translate).
"""
from __future__ import annotations

import re

from django.utils.translation import gettext as _

_TEMPLATES: list[tuple[re.Pattern, str, tuple[str, ...], tuple[str, ...]]] = []


def register(pattern: str, template: str, labels: tuple[str, ...] = (), sentences: tuple[str, ...] = ()) -> None:
    """Teach the kernel one stored sentence: `pattern` (anchored) matches it, `template` (a catalogue
    msgid, marked with gettext_noop where it is declared) renders it. Groups in `sentences` hold
    further stored sentences joined by ；, each rendered in turn."""
    compiled = re.compile("^" + pattern + "$")
    if any(p.pattern == compiled.pattern for p, *_rest in _TEMPLATES):
        return
    _TEMPLATES.append((compiled, template, tuple(labels), tuple(sentences)))


def register_fixed(*msgids: str) -> None:
    """Sentences written without variable parts: each renders as its own catalogue entry."""
    for msgid in msgids:
        register(re.escape(msgid), msgid)


def _label(value: str) -> str:
    return _("、").join(_(part) for part in value.split("、"))


def translate(sentence) -> str:
    """The stored sentence in the active language; unknown sentences unchanged."""
    text = str(sentence)
    for pattern, template, labels, sentences in _TEMPLATES:
        match = pattern.match(text)
        if match:
            values = {k: (_label(v) if k in labels else _("；").join(translate(p) for p in v.split("；"))
                          if k in sentences else v) for k, v in match.groupdict().items()}
            return _(template) % values if values else _(template)
    return text
