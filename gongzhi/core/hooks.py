"""Hooks: what other apps do when something happens in one, without the one importing them.

An app publishes a topic ("appeal.received", "appeal.replied", "event.recorded") with its
arguments; the apps that care subscribe to it in their AppConfig.ready()::

    hooks.subscribe("appeal.received", triage_services.on_intake)
    hooks.subscribe("event.recorded", on_event, sender=AppealEvent)  # only events of that class
    hooks.subscribe("event.recorded", on_reply, sender=AppealEvent, when=lambda e: e.kind == "replied")

Each subscriber runs in its own atomic block, after the publisher's transaction commits (or at once
with on_commit=False, or when there is no transaction). A failing subscriber is logged and never
propagates: the publisher's work is committed first and is never lost to a hook.

A subscriber that is a single statement, or opens its own transaction where it needs one, says so
with ``atomic=False``: run after the commit (no transaction open) it gets no atomic block around it,
which would cost a BEGIN and a COMMIT for nothing (every appeal event runs evaluation's mark, and
every intake triage, on the request path). Run inside an open transaction it still gets one (a
savepoint), so its failure cannot break the publisher's transaction.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from django.db import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Subscriber:
    fn: Callable
    sender: type | None = None  # only when the first argument is an instance of it
    when: Callable[..., bool] | None = None  # only when when(*args) is true (checked at publish time)
    atomic: bool = True  # False: no atomic block of its own when no transaction is open

    def wants(self, args: tuple) -> bool:
        if self.sender is not None and not (args and isinstance(args[0], self.sender)):
            return False
        return self.when is None or bool(self.when(*args))


_lock = threading.Lock()
_topics: dict[str, tuple[_Subscriber, ...]] = {}


def subscribe(topic: str, fn: Callable, *, sender: type | None = None, when: Callable[..., bool] | None = None,
              atomic: bool = True) -> None:
    """Run `fn(*args)` whenever `topic` is published (once, however often it is subscribed).
    `when(*args)`, a cheap test of the arguments already at hand (no query), is checked when the
    topic is published: a subscriber it turns down costs nothing, not even its transaction.
    `atomic=False`: `fn` is one statement or opens its own transaction (see the module's doc)."""
    with _lock:
        current = _topics.get(topic, ())
        if all(s.fn != fn for s in current):  # == : a bound method is made anew each time
            _topics[topic] = (*current, _Subscriber(fn, sender, when, atomic))


def unsubscribe(topic: str, fn: Callable) -> None:
    with _lock:
        _topics[topic] = tuple(s for s in _topics.get(topic, ()) if s.fn != fn)


def subscribers(topic: str) -> list[Callable]:
    return [s.fn for s in _topics.get(topic, ())]


@contextmanager
def subscribed(topic: str, fn: Callable, *, sender: type | None = None,
               when: Callable[..., bool] | None = None, atomic: bool = True) -> Iterator[Callable]:
    """Subscribe `fn` for the block (tests: listen to a topic and stop afterwards)."""
    already = fn in subscribers(topic)
    subscribe(topic, fn, sender=sender, when=when, atomic=atomic)
    try:
        yield fn
    finally:
        if not already:
            unsubscribe(topic, fn)


@contextmanager
def muted(*topics: str) -> Iterator[None]:
    """No subscriber of these topics (of every topic when none is named) runs within the block;
    the subscriptions are back afterwards, as they were."""
    with _lock:
        names = list(topics) if topics else list(_topics)
        saved = {name: _topics.get(name, ()) for name in names}
        for name in names:
            _topics[name] = ()
    try:
        yield
    finally:
        with _lock:
            for name, subs in saved.items():
                # what was subscribed meanwhile stays (an app made ready inside the block)
                _topics[name] = (*subs, *(s for s in _topics.get(name, ()) if s not in subs))


def publish(topic: str, *args, on_commit: bool = True) -> None:
    """Run every subscriber of `topic` with `args`: after the current transaction commits (nothing
    runs if it rolls back), or at once when `on_commit` is False or no transaction is open."""
    for sub in _topics.get(topic, ()):
        if not sub.wants(args):
            continue
        if on_commit:
            transaction.on_commit(partial(_run, topic, sub.fn, args, sub.atomic))
        else:
            _run(topic, sub.fn, args, sub.atomic)


def _run(topic: str, fn: Callable, args: tuple, atomic: bool = True) -> None:
    try:
        if not atomic and not transaction.get_connection().in_atomic_block:
            fn(*args)  # autocommit: its one statement, or its own transaction, is atomic by itself
            return
        with transaction.atomic():
            fn(*args)
    except Exception:  # a hook must never lose or block the publisher's work
        log.exception("hook %s of %s failed", getattr(fn, "__qualname__", fn), topic)
