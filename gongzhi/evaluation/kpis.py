"""KPI arithmetic on plain data: per-appeal facts, additive counters, rates, scores and rankings.

No Django import: the same functions serve the event hook, the full rebuild, the bulk generator and
the benchmark. Every KPI is a ratio of two additive counters (or a histogram for the p90), so a
quarter is the sum of its months and a subdistrict the sum of its communities, and the figures
stay exact however they are rolled up. Formulas: docs/kpis.md.
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

# Additive integer counters of one unit in one month (order = column order of the rollup table).
COUNTERS = (
    "appeals",          # appeals received in the month (not merged, not excluded)
    "excluded",         # appeals excluded from evaluation by a supervisor
    "dispatched",       # ... that were dispatched to a lead department
    "ack_on_time",      # ... acknowledged by the lead department by the acknowledgement deadline
    "replied",          # ... answered (current reply)
    "replied_on_time",  # ... answered by the handling deadline
    "rated",            # ... rated by the appellant (web, phone, or counted when unrated)
    "satisfied",
    "basic",
    "dissatisfied",
    "resolved",         # rated and the appellant says the problem is solved
    "returned",         # at least one 退单 of a lead assignment
    "repeated",         # other appeals about the same matter were merged into it
    "reopened",         # reopened (重办) at least once
    "closed",
    "open",
    "answered_at_intake",  # answered from the knowledge base at intake (直接答复), never dispatched
    "handled_centi",    # sum of handling times in hundredths of a working day (replied appeals)
)
FLAG_COUNTERS = COUNTERS[:-1]

# KPI name -> (numerator counter, denominator counter, higher is better)
RATES = {
    "response_rate": ("ack_on_time", "dispatched", True),
    "on_time_rate": ("replied_on_time", "replied", True),
    "resolution_rate": ("resolved", "rated", True),
    "satisfaction_rate": (None, "rated", True),  # weighted: (w_s*satisfied + w_b*basic) / rated
    "return_rate": ("returned", "dispatched", False),
    "repeat_rate": ("repeated", "appeals", False),
    "reopen_rate": ("reopened", "replied", False),
}
KPI_LABELS = {
    "response_rate": "响应率",
    "on_time_rate": "按时办结率",
    "resolution_rate": "解决率",
    "satisfaction_rate": "满意率",
    "return_rate": "退单率",
    "repeat_rate": "重复诉求率",
    "reopen_rate": "重办率",
    "mean_days": "平均办理时长(工作日)",
    "p90_days": "90%办理时长(工作日)",
    "intake_answer_rate": "受理即答率",
}
DEFAULT_WEIGHTS = {
    "response_rate": 10, "on_time_rate": 20, "resolution_rate": 30, "satisfaction_rate": 30,
    "return_rate": 5, "repeat_rate": 0, "reopen_rate": 5,
}
DEFAULT_SATISFACTION_WEIGHTS = {"satisfied": 1.0, "basic": 1.0}


# ---------------------------------------------------------------- working days

class WorkdayIndex:
    """O(1) working-day arithmetic over a date range, equal to WorkCalendar.workdays_between on
    local (naive) datetimes: a cumulative count of working days per date."""

    def __init__(self, is_workday: Callable[[dt.date], bool], first: dt.date, last: dt.date):
        self.first = first
        days = (last - first).days + 2
        self.work = [bool(is_workday(first + dt.timedelta(days=i))) for i in range(days)]
        self.cum = [0]
        for w in self.work:
            self.cum.append(self.cum[-1] + (1 if w else 0))
        self.is_workday = is_workday

    def _index(self, day: dt.date) -> int:
        i = (day - self.first).days
        if i < 0 or i >= len(self.work):
            raise ValueError(f"{day} outside the calendar index {self.first}..")
        return i

    def between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working days from start to end (fractional; rest days count zero)."""
        if end <= start:
            return 0.0
        i, j = self._index(start.date()), self._index(end.date())
        day_start = dt.datetime.combine(start.date(), dt.time())
        day_end = dt.datetime.combine(end.date(), dt.time())
        if i == j:
            return (end - start).total_seconds() / 86400 if self.work[i] else 0.0
        total = 0.0
        if self.work[i]:
            total += 1 - (start - day_start).total_seconds() / 86400
        total += self.cum[j] - self.cum[i + 1]  # whole days strictly between
        if self.work[j]:
            total += (end - day_end).total_seconds() / 86400
        return total


def centi_days(days: float) -> int:
    """Handling time stored in hundredths of a working day, rounded half up."""
    return int(math.floor(days * 100 + 0.5))


def tenths_ceil(centi: int) -> int:
    """The p90 is taken over handling times rounded up to a tenth of a working day."""
    return -(-centi // 10)


# ---------------------------------------------------------------- facts

@dataclass(frozen=True)
class Fact:
    """What one appeal contributes to its units' counters in its month."""

    month: dt.date
    department_id: int | None
    subdistrict_id: int | None
    community_id: int | None
    grid_id: int | None
    category_id: int | None
    flags: tuple[int, ...]       # FLAG_COUNTERS, 0/1 (appeals..open)
    handled_centi: int | None    # handling time of a replied appeal

    def as_counts(self) -> dict:
        counts = dict(zip(FLAG_COUNTERS, self.flags))
        counts["handled_centi"] = self.handled_centi or 0
        return counts

    def units(self) -> list[tuple[str, int]]:
        units = [("city", 0)]
        for kind, uid in (("department", self.department_id), ("subdistrict", self.subdistrict_id),
                          ("community", self.community_id), ("grid", self.grid_id),
                          ("category", self.category_id)):
            if uid is not None:
                units.append((kind, uid))
        return units


UNIT_KINDS = ("city", "department", "subdistrict", "community", "grid", "category")
RANKED_KINDS = ("department", "subdistrict", "community")


def month_of(local: dt.datetime) -> dt.date:
    return dt.date(local.year, local.month, 1)


def compute_fact(a: Mapping, workdays: Callable[[dt.datetime, dt.datetime], float]) -> Fact | None:
    """The fact of one appeal from its plain values (local naive datetimes), or None if it does not
    count at all (merged into another appeal: the target carries the matter).

    Keys: status, received_at, region (community id), subdistrict, grid, category (root id),
    lead_department, dispatched_at, lead_ack_at, lead_ack_due_at, replied_at, due_at, satisfaction,
    resolved, return_count, reopen_count, merged_count, excluded.
    """
    if a["status"] == "merged":
        return None
    excluded = bool(a.get("excluded"))
    dispatched = a.get("dispatched_at") is not None and a.get("lead_department") is not None
    ack_at, ack_due = a.get("lead_ack_at"), a.get("lead_ack_due_at")
    replied_at, due_at = a.get("replied_at"), a.get("due_at")
    replied = replied_at is not None and a["status"] in ("replied", "closed")
    satisfaction = a.get("satisfaction") or ""
    rated = satisfaction in ("satisfied", "basic", "dissatisfied")
    values = {
        "appeals": 1,
        "excluded": 0,
        "dispatched": int(dispatched),
        "ack_on_time": int(dispatched and ack_at is not None and ack_due is not None and ack_at <= ack_due),
        "replied": int(replied),
        "replied_on_time": int(replied and due_at is not None and replied_at <= due_at),
        "rated": int(rated),
        "satisfied": int(satisfaction == "satisfied"),
        "basic": int(satisfaction == "basic"),
        "dissatisfied": int(satisfaction == "dissatisfied"),
        "resolved": int(rated and a.get("resolved") is True),
        "returned": int((a.get("return_count") or 0) > 0),
        "repeated": int((a.get("merged_count") or 0) > 0),
        "reopened": int(replied and (a.get("reopen_count") or 0) > 0),
        "closed": int(a["status"] == "closed"),
        "open": int(a["status"] in ("received", "dispatched", "handling", "replied")),
        "answered_at_intake": int(bool(a.get("answered_at_intake"))),
    }
    handled = centi_days(workdays(a["received_at"], replied_at)) if replied else None
    if excluded:
        values = dict.fromkeys(values, 0)
        values["excluded"] = 1
        handled = None
    return Fact(
        month=month_of(a["received_at"]), department_id=a.get("lead_department"),
        subdistrict_id=a.get("subdistrict"), community_id=a.get("region"), grid_id=a.get("grid"),
        category_id=a.get("category"), flags=tuple(values[k] for k in FLAG_COUNTERS), handled_centi=handled,
    )


# ---------------------------------------------------------------- counters

def empty_counts() -> dict:
    c = dict.fromkeys(COUNTERS, 0)
    c["hist"] = {}
    return c


def add_counts(total: dict, part: Mapping, sign: int = 1) -> dict:
    """total += sign * part (counters and the handling-time histogram {tenths: count})."""
    for k in COUNTERS:
        total[k] = total.get(k, 0) + sign * (part.get(k) or 0)
    hist = total.setdefault("hist", {})
    for key, n in (part.get("hist") or {}).items():
        key = str(key)
        v = hist.get(key, 0) + sign * n
        if v:
            hist[key] = v
        else:
            hist.pop(key, None)
    return total


def fact_counts(fact: Fact) -> dict:
    counts = fact.as_counts()
    counts["hist"] = {str(tenths_ceil(fact.handled_centi)): 1} if fact.handled_centi is not None else {}
    return counts


def percentile_nearest_rank(hist: Mapping, q: float) -> float | None:
    """Nearest-rank percentile of a {tenths-of-a-day: count} histogram, in working days."""
    items = sorted((int(k), n) for k, n in hist.items() if n)
    total = sum(n for _, n in items)
    if not total:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for value, n in items:
        seen += n
        if seen >= rank:
            return value / 10
    return items[-1][0] / 10


def kpis(counts: Mapping, satisfaction_weights: Mapping | None = None) -> dict:
    """All KPI values of one counter set; a rate with an empty denominator is None (no data)."""
    w = {**DEFAULT_SATISFACTION_WEIGHTS, **(satisfaction_weights or {})}
    out = {}
    for name, (num, den, _better) in RATES.items():
        d = counts.get(den) or 0
        if not d:
            out[name] = None
            continue
        if name == "satisfaction_rate":
            n = w["satisfied"] * (counts.get("satisfied") or 0) + w["basic"] * (counts.get("basic") or 0)
        else:
            n = counts.get(num) or 0
        out[name] = n / d
    replied = counts.get("replied") or 0
    out["mean_days"] = (counts.get("handled_centi") or 0) / 100 / replied if replied else None
    out["p90_days"] = percentile_nearest_rank(counts.get("hist") or {}, 0.9)
    for k in ("appeals", "excluded", "dispatched", "replied", "rated", "open", "closed", "answered_at_intake"):
        out[k] = counts.get(k) or 0
    # Not a ranked rate (no department takes part): the share of appeals answered at intake.
    out["intake_answer_rate"] = out["answered_at_intake"] / out["appeals"] if out["appeals"] else None
    return out


# ---------------------------------------------------------------- schemes and rankings

def score(values: Mapping, weights: Mapping | None = None, better: Mapping[str, bool] | None = None) -> float | None:
    """Weighted score 0..100: rates where higher is better count as is, the others as 1 - rate.
    KPIs without data are left out and the remaining weights renormalised; None if nothing is left.
    `better` names other apps' rates (core.indicators) and whether higher is better for each."""
    weights = weights or DEFAULT_WEIGHTS
    better = better or {}
    num = den = 0.0
    for name, weight in weights.items():
        if not weight or values.get(name) is None:
            continue
        if name in RATES:
            higher = RATES[name][2]
        elif name in better:
            higher = better[name]
        else:
            continue
        v = values[name]
        num += weight * (v if higher else 1 - v)
        den += weight
    return round(100 * num / den, 2) if den else None


@dataclass
class Ranked:
    unit_id: int
    values: dict
    score: float | None
    rank: int | None
    previous_rank: int | None = None
    too_few: bool = False  # fewer appeals than the ranking's minimum: shown, never ranked

    @property
    def cases(self) -> int:
        return self.values.get("appeals") or 0

    @property
    def movement(self) -> int | None:
        """Places gained since the previous period (positive = moved up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


def rank(units: Mapping[int, Mapping], weights: Mapping | None = None, satisfaction_weights: Mapping | None = None,
         previous: Mapping[int, Mapping] | None = None, min_cases: int = 0,
         extra: Mapping[int, Mapping] | None = None, previous_extra: Mapping[int, Mapping] | None = None,
         better: Mapping[str, bool] | None = None) -> list[Ranked]:
    """Rank units by score (ties share a rank). Units without a score, and units with fewer than
    `min_cases` appeals (a rate on three appeals says little), come last, unranked. `extra` adds
    other apps' values per unit ({unit: {name: value}}, core.indicators), scored as `better` says."""

    def ranked(source, more):
        rows = []
        for uid, counts in source.items():
            values = {**kpis(counts, satisfaction_weights), **((more or {}).get(uid) or {})}
            rows.append(Ranked(uid, values, score(values, weights, better), None,
                               too_few=(values["appeals"] < min_cases)))
        scored = sorted((r for r in rows if r.score is not None and not r.too_few), key=lambda r: (-r.score, r.unit_id))
        scores = [-r.score for r in scored]
        for r in scored:
            r.rank = bisect.bisect_left(scores, -r.score) + 1
        rest = [r for r in rows if r.rank is None]
        return scored + sorted(rest, key=lambda r: (r.score is None, -(r.cases), r.unit_id))

    rows = ranked(units, extra)
    if previous:
        before = {r.unit_id: r.rank for r in ranked(previous, previous_extra)}
        for r in rows:
            r.previous_rank = before.get(r.unit_id)
    return rows


def top_and_bottom(rows: list[Ranked], n: int = 10) -> tuple[list[Ranked], list[Ranked]]:
    """The best and the worst ranked units, at most `n` each and never the same unit in both:
    with fewer than 2n ranked units each list takes half (the worst list worst first)."""
    ranked = [r for r in rows if r.rank is not None]
    k = min(n, len(ranked) // 2)
    return ranked[:k], list(reversed(ranked[len(ranked) - k:])) if k else []


def period_months(period: str, anchor: dt.date) -> list[dt.date]:
    """The months of the period (month, quarter, year) that contains `anchor`."""
    if period == "month":
        return [dt.date(anchor.year, anchor.month, 1)]
    if period == "quarter":
        q0 = (anchor.month - 1) // 3 * 3 + 1
        return [dt.date(anchor.year, m, 1) for m in range(q0, q0 + 3)]
    if period == "year":
        return [dt.date(anchor.year, m, 1) for m in range(1, 13)]
    raise ValueError(f"unknown period {period!r}")


def previous_anchor(period: str, anchor: dt.date) -> dt.date:
    first = period_months(period, anchor)[0]
    return (first - dt.timedelta(days=1)).replace(day=1)


def is_partial(period: str, anchor: dt.date, today: dt.date) -> bool:
    """The period has not ended yet on `today` (its figures are still growing)."""
    last = period_months(period, anchor)[-1]
    return (last.year, last.month) >= (today.year, today.month)


def last_complete(period: str, today: dt.date) -> dt.date:
    """The first month of the latest period that has ended by `today`: what a dashboard shows first."""
    return period_months(period, previous_anchor(period, today))[0]


def sum_counts(parts: Iterable[Mapping]) -> dict:
    total = empty_counts()
    for p in parts:
        add_counts(total, p)
    return total
