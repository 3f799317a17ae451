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

A panel belongs to one board: "leader" (the default, evaluation's leader dashboard) or another
page's, e.g. "field" (the grid worker's phone page: the disputes' screening tasks due)::

    dashboards.register_panel("disputes.screening", _("排查任务"), build, board="field")
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
    board: str = "leader"


_lock = threading.Lock()
_panels: dict[str, Panel] = {}


def register_panel(key: str, title, build: Callable[[object], dict | None], *, order: int = 100,
                   board: str = "leader") -> None:
    """Add (or, under the same key, replace) a panel of `board`."""
    with _lock:
        _panels[key] = Panel(key, title, build, order, board)


def unregister_panel(key: str) -> None:
    with _lock:
        _panels.pop(key, None)


def registered(board: str | None = None) -> list[Panel]:
    """The panels of `board` (every board's with None), in their order."""
    return sorted((p for p in _panels.values() if board is None or p.board == board), key=lambda p: (p.order, p.key))


def panels_for(user, board: str = "leader") -> list[dict]:
    """The panels of `board` this reader may see, built: [{"key", "title", "note", "figures", "tables"}]."""
    shown = []
    for panel in registered(board):
        try:
            content = panel.build(user)
        except Exception:  # another app's figures must never break the dashboard
            log.exception("dashboard panel %s failed", panel.key)
            continue
        if content:
            shown.append({"key": panel.key, "title": str(panel.title), "note": content.get("note", ""),
                          "figures": content.get("figures", []), "tables": content.get("tables", [])})
    return shown
