"""The map of disputes and petitions (矛盾纠纷与信访分布): counts per grid and per community over the
reader's scope, never a case's title, party or petitioner (the payload is unit names and numbers).

Like the other staff maps (the leader dashboard's grid map and its hot issues), a dispute is placed
by its grid's polygon (core.Grid, [lon, lat] pairs), and what has only a community (a dispute
without a grid, every petition) at the centre of that community's grids' bounding boxes; a community
with no grid drawn is listed in the table beside the map, not guessed onto it.
"""
from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.models import Grid, Region

from .models import Dispute, RiskLevel
from .petition_models import Petition

LEVELS = [level for level, _label in RiskLevel.choices]  # red first: the worst decides a unit's colour
OPEN_DISPUTE = (Dispute.Status.REPORTED, Dispute.Status.MEDIATING, Dispute.Status.AGREED, Dispute.Status.FAILED,
                Dispute.Status.REFERRED)
OPEN_PETITION = (Petition.Status.RECEIVED, Petition.Status.ACCEPTED, Petition.Status.ANSWERED,
                 Petition.Status.REVIEW_REQUESTED, Petition.Status.REVIEWED, Petition.Status.REEXAM_REQUESTED)


def _worst(levels: dict[str, int]) -> str:
    return next((level for level in LEVELS if levels.get(level)), "")


def _tip_levels(levels: dict[str, int]) -> str:
    labels = dict(RiskLevel.choices)
    return _("、").join(f"{labels[level]} {levels[level]}" for level in LEVELS if levels.get(level))


def build(disputes, petitions, *, show_petitions: bool) -> dict:
    """`disputes` and `petitions`: the reader's restricted, filtered querysets (open cases)."""
    per_grid: dict[int, dict[str, int]] = defaultdict(dict)
    per_community: dict[int, dict[str, int]] = defaultdict(dict)
    for row in disputes.values("grid_id", "region_id", "risk_level").annotate(n=Count("id")):
        target = per_grid[row["grid_id"]] if row["grid_id"] else per_community[row["region_id"]]
        target[row["risk_level"]] = target.get(row["risk_level"], 0) + row["n"]
    petition_counts: dict[int, int] = {}
    if show_petitions:
        petition_counts = {row["region_id"]: row["n"] for row in petitions.values("region_id").annotate(n=Count("id"))}

    base = reverse("disputes:dispute_list")
    grids = []
    for g in Grid.objects.filter(pk__in=list(per_grid)).select_related("community"):
        levels = per_grid[g.pk]
        total = sum(levels.values())
        grids.append({"name": g.name, "count": total, "worst": _worst(levels), "polygon": g.polygon,
                      "url": f"{base}?{urlencode({'grid': g.pk})}",
                      "tip": _("%(name)s：纠纷 %(count)s 件（%(levels)s）") % {
                          "name": g.name, "count": total, "levels": _tip_levels(levels)}})

    community_ids = set(per_community) | set(petition_counts)
    centres: dict[int, tuple[float, float]] = {}
    boxes: dict[int, list] = defaultdict(list)
    for g in Grid.objects.filter(community_id__in=community_ids):
        boxes[g.community_id].append(g)
    for cid, gs in boxes.items():
        centres[cid] = (sum((g.min_lat + g.max_lat) / 2 for g in gs) / len(gs),
                        sum((g.min_lon + g.max_lon) / 2 for g in gs) / len(gs))
    communities = []
    for region in Region.objects.filter(pk__in=community_ids).order_by("path"):
        levels = per_community.get(region.pk, {})
        disputes_n, petitions_n = sum(levels.values()), petition_counts.get(region.pk, 0)
        lat, lon = centres.get(region.pk, (None, None))
        parts = []
        if disputes_n:
            parts.append(_("未划入网格的纠纷 %(count)s 件（%(levels)s）") % {"count": disputes_n,
                                                                        "levels": _tip_levels(levels)})
        if petitions_n:
            parts.append(_("信访 %(count)s 件") % {"count": petitions_n})
        communities.append({"name": region.name, "disputes": disputes_n, "petitions": petitions_n,
                            "worst": _worst(levels), "lat": lat, "lon": lon,
                            "url": f"{base}?{urlencode({'region': region.pk})}",
                            "petition_url": (reverse("disputes:petition_list") + "?" + urlencode({"region": region.pk})
                                             if petitions_n else ""),
                            "tip": _("%(name)s：%(what)s") % {"name": region.name, "what": _("；").join(parts)}})
    return {"grids": grids, "communities": communities}
