"""Telling people about appeals: the appellant at every step, the handlers when a deadline nears.

Subscribed in AppealsConfig.ready() to the kernel's topics; every message goes through
`core.recipients.notify` (which queues it for the worker: nothing is sent on the request):

* `appeal.received`: the appellant who gave a phone or e-mail gets the tracking number and the
  access code (the code is only known at intake: services.receive hands it over on the appeal);
* `event.recorded` (AppealEvent): answered (with the rating link), reopened, closed;
* `deadline.due_soon` (Appeal): the lead department's handlers.

Anonymous appeals are never messaged, nor an appellant who opted out (at submission, or by the
unsubscribe link in every message: core.recipients.opt_out). No address or text is logged.
"""
from __future__ import annotations

from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from gongzhi.core import messages, recipients
from gongzhi.core.recipients import Address, absolute, handlers_of, notify

from .models import Appeal, AppealEvent

RATING_SALT = "gongzhi.appeals.rating-link"
RATING_LINK_DAYS = 60
CITIZEN_EVENTS = {"replied": "appeal.answered", "reopened": "appeal.reopened", "closed": "appeal.closed"}


def rating_token(appeal: Appeal) -> str:
    return signing.dumps(appeal.pk, salt=RATING_SALT)


def appeal_of_rating_token(token: str) -> Appeal | None:
    """The appeal a rating link opens (None if the link is forged or older than RATING_LINK_DAYS)."""
    try:
        pk = signing.loads(token, salt=RATING_SALT, max_age=RATING_LINK_DAYS * 86400)
    except signing.BadSignature:
        return None
    return Appeal.objects.filter(pk=pk).first()


def remember_contact(appeal: Appeal, *, email: str = "", language: str = "zh-hans", wants_news: bool = True) -> None:
    """At submission (inside receive's transaction, as its `with_appeal`): the appellant's e-mail and
    whether they want to be told. Kept on the appeal object too, so the intake hook needs no query."""
    if appeal.anonymous:
        email = ""
    appeal.notify_contact = recipients.remember_contact(recipients.ref_of(appeal), email=email, language=language,
                                                        wants_news=wants_news)


def keeps_email(email: str, language: str | None = None):
    """For a channel that took an e-mail address (Open311, the JSON API): the `with_appeal` of
    services.receive that keeps it, as the web form does, or None when there is none (no query)."""
    email = (email or "").strip()
    if not email:
        return None
    return lambda appeal: remember_contact(appeal, email=email, language=language or "zh-hans")


def contact_email(appeal: Appeal) -> str:
    """The e-mail the appellant left (empty if none): personal data, shown to staff masked only."""
    contact = _contact(appeal)
    return contact.email if contact is not None else ""


def _contact(appeal: Appeal, at_intake: bool = False):
    if hasattr(appeal, "notify_contact"):
        return appeal.notify_contact
    # At intake a contact row exists only if the channel kept one (and then it is on the object).
    return None if at_intake else recipients.contact_of(recipients.ref_of(appeal))


def addresses(appeal: Appeal, contact) -> list[Address]:
    """Where the appellant is told: none for anonymous appeals or an opted-out appellant."""
    if appeal.anonymous or (contact is not None and contact.opted_out_at is not None):
        return []
    language = contact.language if contact is not None else "zh-hans"
    found = []
    if appeal.appellant_phone:
        found.append(Address("sms", appeal.appellant_phone, language))
    if contact is not None and contact.email:
        found.append(Address("email", contact.email, language))
    return found


def _context(appeal: Appeal, **extra) -> dict:
    ref = recipients.ref_of(appeal)
    return {"tracking_number": appeal.tracking_number, "title": appeal.title[:60],
            "track_link": absolute(reverse("portal:track")),
            "unsubscribe_link": absolute(reverse("portal:unsubscribe", args=[recipients.unsubscribe_token(ref)])),
            **extra}


def _tell_appellant(appeal: Appeal, kind: str, contact, **extra) -> int:
    to = addresses(appeal, contact)
    if not to:
        return 0
    notify([], kind, f"{appeal.tracking_number} {appeal.title[:40]}", to=to, context=_context(appeal, **extra),
           ref=recipients.ref_of(appeal))
    return len(to)


def may_tell_at_intake(appeal: Appeal) -> bool:
    """Whether the intake hook has anything to do (no query: an anonymous or contactless intake costs nothing)."""
    return bool(getattr(appeal, "issued_access_code", "") and not appeal.anonymous
                and (appeal.appellant_phone or getattr(appeal, "notify_contact", None) is not None))


def tells_appellant(event: AppealEvent) -> bool:
    return event.kind in CITIZEN_EVENTS


def on_received(appeal: Appeal) -> None:
    """appeal.received: the tracking number and the access code, to the appellant's phone and e-mail."""
    code = getattr(appeal, "issued_access_code", "")
    if code:
        _tell_appellant(appeal, "appeal.accepted", _contact(appeal, at_intake=True), access_code=code)


def on_event(event: AppealEvent) -> None:
    """event.recorded: answered (with the rating link), reopened and closed, to the appellant."""
    kind = CITIZEN_EVENTS.get(event.kind)
    if kind is None:
        return  # the common case (received, dispatched, notes…): no query at all
    appeal = Appeal.objects.get(pk=event.appeal_id)
    extra = {}
    if event.kind == "replied":
        extra["rating_link"] = absolute(reverse("portal:rating_link", args=[rating_token(appeal)]))
    _tell_appellant(appeal, kind, _contact(appeal), **extra)


def send_new_access_code(appeal: Appeal, code: str) -> int:
    """A reissued access code to the contacts on the appeal (even an opted-out appellant asked for
    this one). Returns how many addresses it went to."""
    contact = _contact(appeal)
    to = addresses(appeal, None if contact is None else _Present(contact))
    if to:
        notify([], "appeal.code_reissued", appeal.tracking_number, to=to,
               context=_context(appeal, access_code=code), ref=recipients.ref_of(appeal) + ":code")
    return len(to)


class _Present:
    """A contact seen as not opted out (for the message the appellant asked for themselves)."""

    opted_out_at = None

    def __init__(self, contact):
        self.email, self.language = contact.email, contact.language


def on_due_soon(appeal: Appeal) -> None:
    """deadline.due_soon: the lead department's handlers (on the channels each chose)."""
    if appeal.lead_department_id:
        notify(handlers_of(appeal.lead_department_id), "due_soon",
               messages.localised(N_("即将到期：%(title)s"), title=appeal.title),
               f"/staff/appeals/{appeal.pk}/", ref=recipients.ref_of(appeal))


# ---------------------------------------------------------------- the wording shipped in code

FOOTER_ZH = "\n\n查询办理进度：{{ track_link }}\n不再接收本诉求的通知：{{ unsubscribe_link }}"
FOOTER_EN = "\n\nTrack it: {{ track_link }}\nStop messages about this appeal: {{ unsubscribe_link }}"
STAFF_FOOTER_ZH = "\n\n{{ link }}"


def register_wording() -> None:
    register = messages.register
    register("appeal.accepted", label=_("诉求已受理（告知受理编号和查询码）"),
             zh=("您的诉求已受理：{{ tracking_number }}",
                 "您反映的“{{ title }}”已受理。\n受理编号：{{ tracking_number }}\n查询码：{{ access_code }}\n"
                 "请妥善保存，凭编号和查询码可查询办理进度并评价。" + FOOTER_ZH),
             en=("Your appeal was received: {{ tracking_number }}",
                 "Your appeal \"{{ title }}\" was received.\nTracking number: {{ tracking_number }}\n"
                 "Access code: {{ access_code }}\nKeep them to follow the case and rate the answer." + FOOTER_EN),
             sms_zh="【12345】您的诉求已受理，编号{{ tracking_number }}，查询码{{ access_code }}。退订：{{ unsubscribe_link }}",
             sms_en="[12345] Appeal received: {{ tracking_number }}, access code {{ access_code }}. "
                    "Stop: {{ unsubscribe_link }}")
    register("appeal.answered", label=_("诉求已答复（附评价链接）"),
             zh=("您的诉求已答复：{{ tracking_number }}",
                 "您反映的“{{ title }}”（{{ tracking_number }}）承办单位已答复。\n"
                 "请查看答复并评价：{{ rating_link }}" + FOOTER_ZH),
             en=("Your appeal was answered: {{ tracking_number }}",
                 "Your appeal \"{{ title }}\" ({{ tracking_number }}) has been answered.\n"
                 "Read the answer and rate it: {{ rating_link }}" + FOOTER_EN),
             sms_zh="【12345】您的诉求{{ tracking_number }}已答复，请查看并评价：{{ rating_link }}",
             sms_en="[12345] Appeal {{ tracking_number }} answered. Read and rate: {{ rating_link }}")
    register("appeal.reopened", label=_("诉求重办"),
             zh=("您的诉求已重新办理：{{ tracking_number }}",
                 "您反映的“{{ title }}”（{{ tracking_number }}）已重新交办，承办单位将再次处理。" + FOOTER_ZH),
             en=("Your appeal is being handled again: {{ tracking_number }}",
                 "Your appeal \"{{ title }}\" ({{ tracking_number }}) was sent back for handling again." + FOOTER_EN),
             sms_zh="【12345】您的诉求{{ tracking_number }}已重新交办处理。",
             sms_en="[12345] Appeal {{ tracking_number }} is being handled again.")
    register("appeal.closed", label=_("诉求办结"),
             zh=("您的诉求已办结：{{ tracking_number }}",
                 "您反映的“{{ title }}”（{{ tracking_number }}）已办结，感谢您的反映。" + FOOTER_ZH),
             en=("Your appeal is closed: {{ tracking_number }}",
                 "Your appeal \"{{ title }}\" ({{ tracking_number }}) is closed. Thank you." + FOOTER_EN),
             sms_zh="【12345】您的诉求{{ tracking_number }}已办结，感谢您的反映。",
             sms_en="[12345] Appeal {{ tracking_number }} is closed. Thank you.")
    register("appeal.code_reissued", label=_("重新发送查询码"),
             zh=("您的新查询码：{{ tracking_number }}",
                 "您申请找回诉求 {{ tracking_number }} 的查询码。新查询码：{{ access_code }}（原查询码已失效）。\n"
                 "如非本人操作，请忽略本消息。" + FOOTER_ZH),
             en=("Your new access code: {{ tracking_number }}",
                 "You asked for the access code of appeal {{ tracking_number }}. New access code: {{ access_code }} "
                 "(the old one no longer works).\nIf this was not you, ignore this message." + FOOTER_EN),
             sms_zh="【12345】诉求{{ tracking_number }}的新查询码：{{ access_code }}（原查询码已失效）。",
             sms_en="[12345] New access code for {{ tracking_number }}: {{ access_code }} (the old one no longer works).")
    for key, label in (
        ("assigned", _("新派单")),
        ("due_soon", _("即将到期")),
        ("overdue", _("已超期")),
        ("urged", _("催办")),
        ("supervised", _("督办")),
        ("reopened", _("重办")),
        ("extension", _("延期申请")),
    ):
        # The text is the in-app line ("<kind>：<title>"), already in the recipient's language
        # (core.messages.Localised, put in it by recipients.notify): subject and body in both languages.
        register(key, label=label, staff=True, zh=("{{ text }}", "{{ text }}" + STAFF_FOOTER_ZH),
                 en=("{{ text }}", "{{ text }}" + STAFF_FOOTER_ZH))
