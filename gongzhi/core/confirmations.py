"""Confirmed notifications: a message its recipients must confirm, escalated when they do not.

`request(users, kind, text, link, ref=..., escalate_after=..., chain=...)` tells each person through
`recipients.notify` on every channel they have an address on (in-app, e-mail, SMS, whatever they
chose or not: an emergency does not wait for preferences), each message carrying a signed one-click
link (`/accounts/confirm/<token>/`) and a short reply code. A person confirms through the link (it
opens a page with one button: a GET never confirms, since mail scanners and link previews fetch
links nobody clicked; the button's POST does, signed in or not), by replying with the code
(`confirm_by_reply`, which the SMS provider's inbound callback reaches through
`/accounts/confirm/reply/`), by answering the e-mail (`confirm_by_mail`: the mail server pipes the
reply to `gongzhi confirm_mail`, or posts it to `/accounts/confirm/mail/`), or on the case's page
(`confirm`).

A message unconfirmed `escalate_after` minutes after it went out escalates (`escalate_due`, every
minute in the worker and in `gongzhi sweep`): the first person of its `chain` who is active and not
already asked about the same case is asked in turn (with the rest of the chain and the same time
limit), and the row says to whom it escalated. The chain is the caller's: an app passes its duty
roster, in order. `status_of(ref)` is who has and who has not confirmed, for the case's page.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from . import periodic
from .models import Confirmation

SALT = "gongzhi.core.confirmations"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud or typed on a phone
CODE_LENGTH = 6
S = Confirmation.State


def token_for(row: Confirmation) -> str:
    return signing.dumps(row.pk, salt=SALT)


def confirm_path(row: Confirmation) -> str:
    return f"/accounts/confirm/{token_for(row)}/"


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _ask(user, kind: str, text: str, link: str, ref: str, escalate_after: int | None, chain: list[int],
         now: dt.datetime, escalated_from: Confirmation | None = None) -> Confirmation:
    from .recipients import absolute, notify

    row = Confirmation.objects.create(
        ref=ref, kind=kind, recipient=user, text=text[:300], link=link, code=_code(), sent_at=now,
        escalate_after=escalate_after, chain=chain, escalated_from=escalated_from,
        escalate_at=now + dt.timedelta(minutes=escalate_after) if escalate_after else None)
    confirm_link = absolute(confirm_path(row))
    prompt = _("确认收到请点击 %(link)s ，或回复 %(code)s") % {"link": confirm_link, "code": row.code}
    notify([user], kind, f"{text}\n{prompt}", link, every_channel=True, ref=ref,
           context={"confirm_link": confirm_link, "code": row.code, "message": text})
    return row


def request(users: Iterable, kind: str, text: str, link: str = "", *, ref: str,
            escalate_after: int | None = None, chain: Iterable = ()) -> list[Confirmation]:
    """Ask each of `users` to confirm `text` (once each); unconfirmed after `escalate_after` minutes,
    the next of `chain` (users or ids, in order) is asked. Returns the rows, one per person."""
    now = timezone.now()
    people = list({u.pk: u for u in users}.values())
    chain_ids = [getattr(c, "pk", c) for c in chain]
    asked = {u.pk for u in people}
    rest = [pk for pk in chain_ids if pk not in asked]
    with transaction.atomic():
        return [_ask(u, kind, text, link, ref, escalate_after, rest, now) for u in people]


def _confirm(row: Confirmation, via: str, now: dt.datetime | None = None) -> bool:
    """Confirm the row if it still waits; True if this call confirmed it. A row that escalated
    may still be confirmed (late), and says so: the person who was asked next stays asked."""
    now = now or timezone.now()
    return bool(Confirmation.objects.filter(pk=row.pk, confirmed_at__isnull=True).update(
        confirmed_at=now, confirmed_via=via,
        state=S.CONFIRMED if row.state in (S.PENDING, S.UNANSWERED) else row.state))


def confirm(row: Confirmation, user, via: str = "page") -> bool:
    """The recipient confirms on a page (their own rows only)."""
    if row.recipient_id != user.pk:
        return False
    return _confirm(row, via)


def confirm_pending(ref: str, user, via: str = "page") -> int:
    """The recipient confirms every message about the case that waits for them."""
    return sum(_confirm(row, via) for row in Confirmation.objects.filter(ref=ref, recipient=user,
                                                                       confirmed_at__isnull=True))


def row_of_token(token: str) -> Confirmation | None:
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return Confirmation.objects.filter(pk=pk).select_related("recipient").first()


def confirm_by_token(token: str) -> Confirmation | None:
    """The link's button: the row it names, confirmed (None for a link that is not ours). A second
    press changes nothing: the first confirmation's time and way stand."""
    row = row_of_token(token)
    if row is not None:
        _confirm(row, "link")
        row.refresh_from_db()
    return row


CODE_RE = re.compile(r"[2-9A-HJ-NP-Z]{%d}" % CODE_LENGTH)


def confirm_by_reply(channel: str, address: str, text: str, via: str = "reply") -> list[Confirmation]:
    """A reply on `channel` from `address` (an SMS provider's inbound message, an e-mail reply):
    every waiting message to the person at that address whose code the reply carries is confirmed.
    A code from another address confirms nothing. Returns the rows confirmed."""
    from . import channels

    chosen = channels.get(channel)
    if chosen is None or not address.strip():
        return []
    codes = set(CODE_RE.findall((text or "").upper()))
    if not codes:
        return []
    done = []
    for row in Confirmation.objects.filter(code__in=codes, confirmed_at__isnull=True).select_related("recipient"):
        if chosen.address_of(row.recipient).strip() == address.strip() and _confirm(row, via):
            done.append(row)
    return done


def _plain_text(message) -> str:
    part = message.get_body(("plain",))
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, ValueError):  # an unknown charset: what can be read of it
        return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


def confirm_by_mail(raw: bytes) -> list[Confirmation]:
    """An e-mail reply (an RFC 822 message, as a mail server hands it to `gongzhi confirm_mail` or
    to /accounts/confirm/mail/): it confirms the messages it answers, found by the signed key of the
    e-mail it replies to (In-Reply-To, References: core.delivery.key_of is its Message-ID) or by a
    reply code in its subject or text. Either way only from the address that message went to: a
    reply forwarded to someone else and sent from there confirms nothing. Returns the rows confirmed."""
    import email
    import email.policy
    from email.utils import getaddresses

    from . import delivery
    from .models import Delivery

    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        senders = [a for _n, a in getaddresses([str(message.get("From", ""))]) if a]
        threads = " ".join(str(message.get(h, "")) for h in ("In-Reply-To", "References"))
        text = "\n".join((str(message.get("Subject", "")), _plain_text(message)))
    except (TypeError, ValueError, IndexError) as exc:  # a message the parser cannot read is no reply
        raise ValueError(f"not an e-mail message: {exc}") from exc
    if len(senders) != 1:
        return []
    sender = senders[0].strip().lower()
    done = []
    for sent in Delivery.objects.filter(pk__in=delivery.delivery_ids_in(threads), channel="email").exclude(ref=""):
        if sent.address.strip().lower() != sender or sent.recipient_id is None:
            continue
        waiting = Confirmation.objects.filter(ref=sent.ref, recipient_id=sent.recipient_id, kind=sent.template,
                                              confirmed_at__isnull=True, sent_at__lte=sent.created_at)
        done += [row for row in waiting if _confirm(row, "email")]
    return done + confirm_by_reply("email", senders[0], text, via="email")


def escalate_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Escalate every message still unconfirmed when its time came: the next person of its chain
    (active, not already asked about the case) is asked; with nobody left it is marked unanswered."""
    now = now or timezone.now()
    User = get_user_model()
    escalated = unanswered = 0
    due = Confirmation.objects.filter(state=S.PENDING, escalate_at__lte=now, confirmed_at__isnull=True)
    for pk in list(due.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            row = Confirmation.objects.select_for_update().filter(pk=pk, state=S.PENDING,
                                                                  confirmed_at__isnull=True).first()
            if row is None:
                continue
            asked = set(Confirmation.objects.filter(ref=row.ref).values_list("recipient_id", flat=True))
            chain = list(row.chain)
            nxt = None
            while chain and nxt is None:
                pk_next = chain.pop(0)
                if pk_next not in asked:
                    nxt = User.objects.filter(pk=pk_next, is_active=True).first()
            if nxt is None:
                row.state = S.UNANSWERED
                row.save(update_fields=["state"])
                unanswered += 1
                continue
            row.state, row.escalated_to = S.ESCALATED, nxt
            row.save(update_fields=["state", "escalated_to"])
            who = str(row.recipient)
            text = _("【升级】%(who)s 未在 %(minutes)s 分钟内确认：%(text)s") % {
                "who": who, "minutes": row.escalate_after, "text": row.text}
            _ask(nxt, row.kind, text, row.link, row.ref, row.escalate_after, chain, now, escalated_from=row)
            escalated += 1
    return {"escalated": escalated, "unanswered": unanswered}


def status_of(ref: str) -> list[Confirmation]:
    """Every message about the case that asked for a confirmation, oldest first, with its recipient."""
    return list(Confirmation.objects.filter(ref=ref).select_related("recipient", "escalated_to"))


def waiting_for(ref: str, user) -> list[Confirmation]:
    if user is None or not user.is_authenticated:
        return []
    return list(Confirmation.objects.filter(ref=ref, recipient=user, confirmed_at__isnull=True))


@task()
def escalate_confirmations() -> dict[str, int]:
    return escalate_due()


def register_periodic() -> None:
    periodic.register(escalate_confirmations, 60)
    periodic.register_sweep("confirmations", escalate_due,
                            lambda c: f"确认通知：升级 {c['escalated']}，无人确认 {c['unanswered']}",
                            help="escalating unconfirmed notifications")
