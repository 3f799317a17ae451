"""Panels an app adds to the dashboards of another (the evaluation app's leader dashboard), without
either importing the other: the app that owns the figures registers a panel in its
AppConfig.ready(); the dashboard asks for the panels a reader may see and draws them as tables.

    dashboards.register_panel("mediation", _("矛盾纠纷调解成效"), build, order=10)

`build(user)` returns the panel's content for this reader (their scope is theirs to apply, e.g. a
model's restrict(user)), or None to leave the panel out (nothing to show, a role that may not see
it). The content is plain data::

    {"note": "…", "figures": [{"label": …, "value": …}],
     "tables": [{"caption": …, "headers": [...], "rows": [[cell, …]]}]}

where a cell is a value, or {"text": …, "url": …} for a drill-down link. A panel that fails is
logged and left out: a dashboard never breaks on another app's figures.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Panel:
    key: str
    title: object  # a (lazy) string in the reader's language
    build: Callable[[object], dict | None]
    order: int = 100


_lock = threading.Lock()
_panels: dict[str, Panel] = {}


def register_panel(key: str, title, build: Callable[[object], dict | None], *, order: int = 100) -> None:
    """Add (or, under the same key, replace) a panel."""
    with _lock:
        _panels[key] = Panel(key, title, build, order)


def unregister_panel(key: str) -> None:
    with _lock:
        _panels.pop(key, None)


def registered() -> list[Panel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.key))


def panels_for(user) -> list[dict]:
    """The panels this reader may see, built: [{"key", "title", "note", "figures", "tables"}]."""
    shown = []
    for panel in registered():
        try:
            content = panel.build(user)
        except Exception:  # another app's figures must never break the dashboard
            log.exception("dashboard panel %s failed", panel.key)
            continue
        if content:
            shown.append({"key": panel.key, "title": str(panel.title), "note": content.get("note", ""),
                          "figures": content.get("figures", []), "tables": content.get("tables", [])})
    return shown
