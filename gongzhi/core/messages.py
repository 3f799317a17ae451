"""Message wording: defaults shipped in code per event key, an administrator's edits in the database.

An app registers the wording of its events (`register(key, zh=..., en=...)`, in both languages,
optionally a shorter one for SMS) in AppConfig.ready(); an administrator may override any of them
(MessageTemplate rows, in the admin). `render(key, channel, language, context)` picks the most
specific wording (the channel's own, then the language's, then the default) and renders it.

Rendering is sandboxed: a Django template engine of its own with no template loaders (no
{% include %} or {% extends %} of files), no tag libraries to load, and a context of plain JSON
values only (strings, numbers, lists, dicts: nothing whose methods a template could call). A
template that does not parse is refused when it is saved; one that fails anyway falls back to the
shipped default, so a bad edit never stops a message.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.template import Context, Engine, TemplateSyntaxError

log = logging.getLogger(__name__)
LANGUAGES = ("zh-hans", "en")
SUBJECT_MAX, BODY_MAX = 200, 4000

_engine = Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=False)
# Only the default tags and filters: no loader tags ({% include %}, {% extends %}) at all.
_engine.builtins = ["django.template.defaulttags", "django.template.defaultfilters"]
_engine.template_builtins = _engine.get_template_builtins(_engine.builtins)


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


@dataclass(frozen=True)
class Default:
    label: str                       # what the event is, for the admin
    wordings: dict                   # (language, channel or "") -> Wording


DEFAULTS: dict[str, Default] = {}


# The event keys staff may choose channels for (their settings page), in registration order.
STAFF_KINDS: dict[str, object] = {}


def register(key: str, *, label, zh: tuple[str, str], en: tuple[str, str],
             sms_zh: str = "", sms_en: str = "", staff: bool = False) -> None:
    """Ship the wording of an event: (subject, body) in Chinese and English, and optionally a short
    SMS body in each (the first registration of a key stands). `staff`: staff members may choose
    the channels they get it on."""
    if staff:
        STAFF_KINDS.setdefault(key, label)
    wordings = {("zh-hans", ""): Wording(*zh), ("en", ""): Wording(*en)}
    if sms_zh:
        wordings[("zh-hans", "sms")] = Wording("", sms_zh)
    if sms_en:
        wordings[("en", "sms")] = Wording("", sms_en)
    DEFAULTS.setdefault(key, Default(label, wordings))


def language_of(code: str | None) -> str:
    code = (code or "").lower()
    return "en" if code.startswith("en") else "zh-hans"


@dataclass(frozen=True)
class Localised:
    """A text to be put in each reader's language when it is sent, not in the sender's: a gettext
    message (marked with gettext_noop) and its parameters, which stay as given (names, titles)
    unless they are lazy translations themselves (labels). `recipients.notify` takes one as `text`."""

    message: str
    params: tuple = ()

    def render(self, language: str | None = None) -> str:
        from django.utils import translation

        with translation.override(language_of(language) if language else translation.get_language()):
            text = translation.gettext(self.message)
            return text % {k: str(v) for k, v in self.params} if self.params else text

    def __str__(self) -> str:
        return self.render()


def localised(message: str, **params) -> Localised:
    return Localised(message, tuple(params.items()))


def composed(render, *args) -> Localised:
    """A text that `render(*args)` composes with gettext, composed again in each reader's language
    when it is sent (for a text of several translated parts, which one message cannot hold)."""
    from django.utils.functional import lazy

    return Localised("%(text)s", (("text", lazy(render, str)(*args)),))


def text_in(text, language: str | None) -> str:
    """`text` (a string, or a Localised) in `language`."""
    return text.render(language) if isinstance(text, Localised) else str(text)


def check(text: str) -> None:
    """Raise TemplateSyntaxError if `text` is not a template this module can render."""
    _engine.from_string(text)


def plain(context: dict) -> dict:
    """The context as plain JSON values (what a delivery stores, and all a template may see)."""
    return json.loads(json.dumps(context, default=str, ensure_ascii=False))


def _render(text: str, context: dict) -> str:
    return _engine.from_string(text).render(Context(plain(context), autoescape=False))


def _candidates(key: str, channel: str, language: str) -> list[Wording]:
    """The wordings that may serve, most specific first: this channel's own (the administrator's,
    then the shipped one), then the language's for every channel (likewise), then the Chinese one."""
    from .models import MessageTemplate

    stored = {row.channel: Wording(row.subject, row.body) for row in
              MessageTemplate.objects.filter(key=key, language=language, channel__in=[channel, ""])}
    shipped = DEFAULTS[key].wordings if key in DEFAULTS else {}
    found = [stored.get(channel) if channel else None, shipped.get((language, channel)) if channel else None,
             stored.get(""), shipped.get((language, "")), shipped.get(("zh-hans", ""))]
    return [w for w in found if w is not None]


UNREGISTERED = Wording("{{ text }}", "{{ text }}{% if link %}\n{{ link }}{% endif %}")


def render(key: str, channel: str, language: str, context: dict) -> Wording:
    """The message for this event on this channel in this language. An event nobody registered
    is sent as its context's `text` (and `link`)."""
    language = language_of(language)
    for wording in (*_candidates(key, channel, language), UNREGISTERED):
        try:
            # A subject is one line (a mail header): a text with line breaks keeps its first line.
            subject = (_render(wording.subject, context).strip().splitlines() or [""])[0]
            return Wording(subject.strip()[:SUBJECT_MAX],
                           _render(wording.body, context).strip()[:BODY_MAX])
        except Exception:  # an administrator's template that fails in any way: the next one serves
            log.warning("message template %s (%s, %s) failed; the next one is used", key, language, channel or "all")
    return Wording("", "")


def missing_rows() -> list:
    """MessageTemplate rows for every shipped wording an administrator has not written yet (unsaved)."""
    from .models import MessageTemplate

    have = set(MessageTemplate.objects.values_list("key", "language", "channel"))
    return [MessageTemplate(key=key, language=language, channel=channel, subject=w.subject, body=w.body)
            for key, default in sorted(DEFAULTS.items())
            for (language, channel), w in default.wordings.items() if (key, language, channel) not in have]
