"""Mediation results per region and per kind: how many concluded, the success rate (agreements among
concluded mediations) and the median days from acceptance to conclusion. Over the rows a reader's
scope allows (the caller passes a restricted queryset)."""
from __future__ import annotations

from collections import defaultdict
from statistics import median


SUCCEEDED = ("agreed", "closed")  # closed after an agreement; a referral's close counts as failed below


def mediation_results(disputes, by: str) -> list[dict]:
    """`by`: "region" (the community's subdistrict or above as named) or "kind"."""
    key = {"region": "region__name", "kind": "kind__name"}[by]
    rows = (disputes.filter(concluded_at__isnull=False, accepted_at__isnull=False)
            .values_list(key, "status", "accepted_at", "concluded_at", "referrals"))
    groups: dict[str, dict] = defaultdict(lambda: {"concluded": 0, "agreed": 0, "days": []})
    for name, status, accepted, concluded, referral in rows:
        g = groups[name]
        g["concluded"] += 1
        g["agreed"] += status in SUCCEEDED and referral is None
        g["days"].append((concluded - accepted).total_seconds() / 86400)
    return [{"name": name, "concluded": g["concluded"], "agreed": g["agreed"],
             "success_rate": round(100 * g["agreed"] / g["concluded"], 1),
             "median_days": round(median(g["days"]), 1)} for name, g in sorted(groups.items())]

