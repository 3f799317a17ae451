"""Who is told, and telling them: the in-app notifications every app sends.

`supervisors_of(region)` and `handlers_of(department)` find the people a case concerns; `notify`
is the one way anybody is told anything: it writes one Notification per person (once each, however
often they are listed) and queues the same message on the other channels each person chose
(NotificationPreference: e-mail, SMS, webhook), and on the channels of the addresses in `to` (people
without an account, such as a citizen's phone or e-mail); the task worker sends those
(core.delivery), in the wording of the event key (core.messages). `mark_read` is how a person's
notifications are marked read. Apps call these, never the Notification or Delivery rows.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from .models import CaseContact, Delivery, Notification, NotificationPreference, Region, Role

TEXT_MAX = 300  # Notification.text
CHOOSERS_KEY = "gz-notify-choosers"  # the ids of people who chose a channel besides in-app


@dataclass(frozen=True)
class Address:
    """Someone to tell who is not (or not as) a user: a channel code and the address on it."""

    channel: str
    address: str
    language: str = "zh-hans"


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def supervisors_of(region: Region | None):
    """Active supervisors whose region scope covers `region` (held in it or in a region above it),
    and the jurisdiction-wide ones (no region) always; `region` None: only those."""
    q = Q(roles__role=Role.SUPERVISOR, roles__region__isnull=True)
    if region is not None:
        q |= Q(roles__role=Role.SUPERVISOR, roles__region__path__in=_ancestor_paths(region.path))
    return get_user_model().objects.filter(q, is_active=True).distinct()


def holders_of(region: Region | None, *roles: str):
    """Active holders of any of `roles` whose region scope covers `region` (held in it or above it,
    or jurisdiction-wide); the generalisation of supervisors_of for other roles (petition officers)."""
    q = Q(roles__role__in=roles, roles__region__isnull=True, roles__department__isnull=True,
          roles__grid__isnull=True)
    if region is not None:
        q |= Q(roles__role__in=roles, roles__region__path__in=_ancestor_paths(region.path))
    return get_user_model().objects.filter(q, is_active=True).distinct()


def handlers_of(department_id: int | None):
    """Active handlers (承办人) of a department."""
    return get_user_model().objects.filter(roles__role=Role.HANDLER, roles__department_id=department_id,
                                           is_active=True).distinct()


def absolute(link: str) -> str:
    """A site path as the full address a message carries (GONGZHI_SITE_URL + path)."""
    if not link or "://" in link:
        return link
    return getattr(settings, "GONGZHI", {}).get("SITE_URL", "http://localhost:8000").rstrip("/") + link


def _choosers() -> set[int]:
    found = cache.get(CHOOSERS_KEY)
    if found is None:
        found = {p.user_id for p in NotificationPreference.objects.only("user_id", "channels")
                 if any(c != "inapp" for chosen in p.channels.values() for c in chosen)}
        cache.set(CHOOSERS_KEY, found, 60)  # per-process caches: another process sees a change within a minute
    return found


def forget_choices(**_ignored) -> None:
    """A preference changed: the next notify reads who chose what again."""
    cache.delete(CHOOSERS_KEY)


def notify(users: Iterable, kind: str, text: str, link: str = "", *, to: Iterable[Address] = (),
           context: dict | None = None, ref: str = "", every_channel: bool = False) -> int:
    """Tell people about `kind` (the event key of its wording): one in-app notification per person in
    `users` (each once), the same message queued on the other channels each of them chose for this
    kind, and on the addresses in `to`. `context` is what the wording may use besides `text` and
    `link` (plain values). `every_channel`: on every channel each person has an address on, whatever
    they chose (an emergency, core.confirmations). Returns how many in-app notifications were written."""
    from . import channels, delivery, messages

    people = {u.pk: u for u in users}
    # A Localised text is written in each person's own language (NotificationPreference.language),
    # whoever sent it and in whatever language their request was.
    languages = language_of_users(people) if isinstance(text, messages.Localised) and people else {}
    rows = [Notification(user=u, kind=kind, text=messages.text_in(text, languages.get(u.pk))[:TEXT_MAX], link=link)
            for u in people.values()]
    Notification.objects.bulk_create(rows)
    values = {"text": messages.text_in(text, None), "link": absolute(link), **(context or {})}
    deliveries = []
    choosers = _choosers() & set(people) if people else set()
    if every_channel and people:
        prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=list(people))}
        for user in get_user_model().objects.filter(pk__in=list(people)):
            for code, channel in channels.CHANNELS.items():
                address = channel.address_of(user, prefs.get(user.pk)) if code != "inapp" else ""
                if address and channel.available():
                    deliveries.append(Delivery(recipient=user, channel=code, address=address, template=kind,
                                               language=_language(prefs.get(user.pk)), context=values, ref=ref))
        choosers = set()
    if choosers:
        for pref in NotificationPreference.objects.filter(user_id__in=choosers).select_related("user"):
            user = pref.user  # as stored now: the caller's object may predate an address change
            for code in pref.channels.get(kind, ()):
                channel = channels.get(code)
                address = channel.address_of(user, pref) if channel and code != "inapp" else ""
                if address:
                    deliveries.append(Delivery(recipient=user, channel=code, address=address, template=kind,
                                               language=_language(pref), context=values, ref=ref))
    seen = set()
    for target in to:
        if target.address and target.channel in channels.CHANNELS and (target.channel, target.address) not in seen:
            seen.add((target.channel, target.address))
            deliveries.append(Delivery(channel=target.channel, address=target.address, template=kind,
                                       language=target.language, context=values, ref=ref))
    if deliveries:
        plain = {}
        for d in deliveries:  # the text in the language each delivery is worded in
            if d.language not in plain:
                plain[d.language] = messages.plain({**values, "text": messages.text_in(text, d.language)})
            d.context = plain[d.language]
        delivery.queue(deliveries)
    return len(rows)


def _language(pref) -> str:
    return _language_code(getattr(pref, "language", ""))


def _language_code(chosen: str) -> str:
    from . import messages

    return messages.language_of(chosen or settings.LANGUAGE_CODE)


def language_of_users(people) -> dict[int, str]:
    """Each person's language for what they are sent (their notification settings; the site's default)."""
    chosen = dict(NotificationPreference.objects.filter(user_id__in=list(people)).exclude(language="")
                  .values_list("user_id", "language"))
    return {pk: _language_code(chosen.get(pk, "")) for pk in people}


def unread(user):
    return Notification.objects.filter(user=user, read_at__isnull=True)


def withdraw(kind: str, link: str) -> int:
    """Mark read the unread notifications of `kind` about `link` that no longer ask anything of
    anyone (an extension request that lapsed): nobody acts on a settled question. Returns how many."""
    return Notification.objects.filter(kind=kind, link=link, read_at__isnull=True).update(read_at=timezone.now())


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s unread notifications read: those with the given ids, or all of them (None).
    Someone else's notifications are never touched. Returns how many were marked."""
    rows = unread(user)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())


# ---------------------------------------------------------------- parties without an account

UNSUBSCRIBE_SALT = "gongzhi.recipients.unsubscribe"


def ref_of(case) -> str:
    """The name of a case in the delivery log and the contact table: "appeals.appeal:12"."""
    return f"{case._meta.label_lower}:{case.pk}"


def remember_contact(ref: str, *, email: str = "", language: str = "zh-hans", wants_news: bool = True) -> CaseContact:
    """Keep how the party to a case wants to be told (at submission)."""
    from . import messages

    contact, _created = CaseContact.objects.update_or_create(ref=ref, defaults={
        "email": (email or "").strip()[:254], "language": messages.language_of(language),
        "opted_out_at": None if wants_news else timezone.now()})
    return contact


def contact_of(ref: str) -> CaseContact | None:
    return CaseContact.objects.filter(ref=ref).first()


def unsubscribe_token(ref: str) -> str:
    return signing.dumps(ref, salt=UNSUBSCRIBE_SALT, compress=True)


def ref_of_unsubscribe_token(token: str) -> str | None:
    try:
        return str(signing.loads(token, salt=UNSUBSCRIBE_SALT))
    except signing.BadSignature:
        return None


def opt_out(ref: str) -> CaseContact:
    """No more messages about this case to its party's addresses (the unsubscribe link). Messages
    already queued for it are not sent either."""
    contact, _created = CaseContact.objects.get_or_create(ref=ref)
    if contact.opted_out_at is None:
        contact.opted_out_at = timezone.now()
        contact.save(update_fields=["opted_out_at"])
    Delivery.objects.filter(ref=ref, recipient__isnull=True, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SKIPPED, last_error="opted out", context={})
    return contact
