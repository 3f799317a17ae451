"""What the operator desk asks of triage while a call is taken: where the typed place is, which
category the text suggests, which earlier appeals it repeats and which standard answers fit.

A thin Django adapter: the matching is triage's pure code (gazetteer.py, answers.py, the
classifier through suggestions_for, the duplicate index through INDEXES), the rows are read here,
and every candidate appeal is one the operator may see, its text masked as the operator reads it.
"""
from __future__ import annotations

import threading
import time

from django.utils import timezone

from gongzhi.appeals import services as appeal_services
from gongzhi.appeals.models import Appeal, KnowledgeEntry, Status
from gongzhi.core.geo import find_grid, valid_coordinates
from gongzhi.core.models import Grid, Region

from .answers import Answer, rank_answers
from .gazetteer import Entry, Gazetteer, parse_coordinates
from .models import PlaceName

GAZETTEER_SECONDS = 60.0  # how stale this process's copy of the names may be
_cache: dict = {}
_lock = threading.Lock()


def build_gazetteer() -> Gazetteer:
    """Subdistricts, communities, grids and the named roads, compounds and landmarks."""
    regions = {r.pk: r for r in Region.objects.filter(level__in=[Region.Level.SUBDISTRICT, Region.Level.COMMUNITY])}

    def where(region_id) -> str:
        region = regions.get(region_id)
        if region is None:
            return ""
        parent = regions.get(region.parent_id)
        return f"{parent.name} {region.name}" if parent else region.name

    entries = [Entry(f"region:{r.pk}", r.name, "community" if r.level == Region.Level.COMMUNITY else "subdistrict",
                     where(r.parent_id), r.pk) for r in regions.values()]
    for g in Grid.objects.all():
        lat, lon = _centre(g.polygon)
        entries.append(Entry(f"grid:{g.pk}", g.name, "grid", where(g.community_id), g.community_id, g.pk, lat, lon))
    for p in PlaceName.objects.filter(active=True):
        entries.append(Entry(f"place:{p.pk}", p.name, p.kind, where(p.region_id), p.region_id, p.grid_id, p.lat, p.lon))
    return Gazetteer(entries)


def _centre(ring) -> tuple[float | None, float | None]:
    points = [p for p in (ring or [])[:-1] if len(p) >= 2] or [p for p in (ring or []) if len(p) >= 2]
    if not points:
        return None, None
    return (round(sum(p[1] for p in points) / len(points), 6), round(sum(p[0] for p in points) / len(points), 6))


def gazetteer() -> Gazetteer:
    """This process's gazetteer, read again at most every GAZETTEER_SECONDS."""
    now = time.monotonic()
    cached = _cache.get("gazetteer")
    if cached and now - cached[0] < GAZETTEER_SECONDS:
        return cached[1]
    built = build_gazetteer()
    with _lock:
        _cache["gazetteer"] = (now, built)
    return built


def forget_gazetteer(**_signal) -> None:
    """Drop this process's copy (a region, grid or place name changed here: read them again)."""
    _cache.pop("gazetteer", None)


def forget_on_change() -> None:
    """Connected in TriageConfig.ready(): a saved or deleted name is suggested at once in this process
    (other processes within GAZETTEER_SECONDS)."""
    from django.db.models.signals import post_delete, post_save

    for model in (Region, Grid, PlaceName):
        post_save.connect(forget_gazetteer, sender=model, dispatch_uid=f"gazetteer-save-{model.__name__}")
        post_delete.connect(forget_gazetteer, sender=model, dispatch_uid=f"gazetteer-delete-{model.__name__}")


def locate(typed: str, limit: int = 8) -> list[dict]:
    """Suggestions for a typed location: a coordinate pair first (with the grid it falls in), then
    the names it matches. Each says what picking it sets (region, grid, lat, lon)."""
    out = []
    point = parse_coordinates(typed or "")
    if point and valid_coordinates(*point):
        grid = find_grid(*point)
        out.append({"key": "point", "name": f"{point[0]:.6f}, {point[1]:.6f}", "kind": "point",
                    "context": f"{grid.community.name} {grid.name}" if grid else "",
                    "region": grid.community_id if grid else None, "grid": grid.pk if grid else None,
                    "lat": point[0], "lon": point[1], "how": "coordinates"})
    for m in gazetteer().suggest(typed or "", limit=limit):
        e = m.entry
        out.append({"key": e.key, "name": e.name, "kind": e.kind, "context": e.context, "region": e.region_id,
                    "grid": e.grid_id, "lat": e.lat, "lon": e.lon, "how": m.how})
    return out[:limit]


def _draft(title: str, content: str, phone: str = "") -> Appeal:
    """The appeal being typed, unsaved: what the classifier and the duplicate index read."""
    return Appeal(pk=None, title=title, content=content, appellant_phone=phone, received_at=timezone.now())


def categories(title: str, content: str) -> list[dict]:
    """The classifier's top suggestions for the text (triage.services.suggestions_for)."""
    from .services import suggestions_for

    if not (title or content).strip():
        return []
    return suggestions_for(_draft(title, content))


def duplicates(title: str, content: str, user, phone: str = "", limit: int = 5) -> list[dict]:
    """Earlier appeals the text repeats, among those `user` may see; their titles as `user` reads them."""
    from .places import extract_places
    from .services import INDEXES, _plain

    if len((title + content).strip()) < 6:
        return []
    draft = _draft(title, content, phone)
    plain = _plain(draft)
    plain.id = "draft"
    found = INDEXES.query(plain, extract_places(plain.text))
    if not found:
        return []
    ids = [int(c.id) for c in found if c.id.isdigit()]
    visible = {a.pk: a for a in Appeal.objects.restrict(user).filter(pk__in=ids).exclude(status=Status.MERGED)
               .only("id", "tracking_number", "title", "status", "received_at", "appellant_user_id")}
    rows = []
    for c in found:
        appeal = visible.get(int(c.id)) if c.id.isdigit() else None
        if appeal is None:
            continue
        rows.append({"appeal": appeal, "title": appeal_services.shown_text(appeal, user, appeal.title),
                     "similarity": round(c.similarity * 100), "reason": c.explain(),
                     "closed": appeal.status == Status.CLOSED})
    return rows[:limit]


def answers(title: str, content: str, expected: list[str] = (), limit: int = 3) -> list[dict]:
    """Active knowledge-base entries that fit the text, best first."""
    entries = {e.pk: e for e in KnowledgeEntry.objects.filter(active=True).select_related("category__parent")}
    plain = [Answer(e.pk, e.question, tuple(e.keyword_list), e.category.root.name if e.category_id else "")
             for e in entries.values()]
    return [{"entry": entries[s.answer.id], "matched": s.matched, "score": s.score}
            for s in rank_answers(f"{title}\n{content}", plain, limit=limit, expected_categories=expected)]


def live(title: str, content: str, user, phone: str = "") -> dict:
    """All the desk shows beside the form for the text typed so far."""
    cats = categories(title, content)
    return {"categories": cats[:3], "duplicates": duplicates(title, content, user, phone),
            "answers": answers(title, content, [c["label"] for c in cats[:1]])}
