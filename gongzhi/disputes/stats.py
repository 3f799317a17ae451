"""Mediation results per region and per kind: how many concluded, the success rate (agreements among
concluded mediations) and the median days from acceptance to conclusion. Over the rows a reader's
scope allows (the caller passes a restricted queryset)."""
from __future__ import annotations

from collections import defaultdict
from statistics import median

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext

from .kinds import DEFAULT_NAMES

SUCCEEDED = ("agreed", "closed")  # closed after an agreement; a referral's close counts as failed below


def kind_label(code: str, name: str) -> str:
    """A built-in kind in the reader's language; one an admin renamed or added stays as typed."""
    return gettext(name) if DEFAULT_NAMES.get(code) == name else name


def mediation_results(disputes, by: str, *, since=None) -> list[dict]:
    """`by`: "region" (the dispute's community) or "kind"; each row has the unit's `id` (for a
    link to its disputes) and `name` (a built-in kind in the reader's language). `since`: only
    mediations concluded from then on."""
    from .models import Referral

    fields = {"region": ("region_id", "region__name", "region__code"), "kind": ("kind_id", "kind__name", "kind__code")}[by]
    rows = disputes.filter(concluded_at__isnull=False, accepted_at__isnull=False)
    if since is not None:
        rows = rows.filter(concluded_at__gte=since)
    rows = (rows.annotate(referred=Exists(Referral.objects.filter(dispute=OuterRef("pk"))))
            .values_list(*fields, "status", "accepted_at", "concluded_at", "referred"))
    groups: dict[int, dict] = defaultdict(lambda: {"concluded": 0, "agreed": 0, "days": []})
    for unit_id, name, code, status, accepted, concluded, referred in rows:
        g = groups[unit_id]
        g["name"], g["code"] = (kind_label(code, name) if by == "kind" else name), code
        g["concluded"] += 1
        g["agreed"] += status in SUCCEEDED and not referred
        g["days"].append((concluded - accepted).total_seconds() / 86400)
    return [{"id": unit_id, "code": g["code"], "name": g["name"], "concluded": g["concluded"], "agreed": g["agreed"],
             "success_rate": round(100 * g["agreed"] / g["concluded"], 1),
             "median_days": round(median(g["days"]), 1)}
            for unit_id, g in sorted(groups.items(), key=lambda item: item[1]["name"])]


def overall(disputes, *, since=None) -> dict | None:
    """All the concluded mediations together (None when there is none): counts, rate, median days."""
    rows = disputes.filter(concluded_at__isnull=False, accepted_at__isnull=False)
    if since is not None:
        rows = rows.filter(concluded_at__gte=since)
    found = mediation_results(rows, "kind")
    if not found:
        return None
    concluded, agreed = sum(r["concluded"] for r in found), sum(r["agreed"] for r in found)
    days = [(c - a).total_seconds() / 86400 for a, c in rows.values_list("accepted_at", "concluded_at")]
    return {"concluded": concluded, "agreed": agreed, "success_rate": round(100 * agreed / concluded, 1),
            "median_days": round(median(days), 1)}
