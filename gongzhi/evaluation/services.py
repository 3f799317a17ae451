"""Evaluation operations: keeping facts and rollups current, reading KPIs, exclusions, follow-up.

Rollups are kept exact by deltas: when an appeal changes, its previous fact is subtracted from its
units' rollup rows and its new fact added, in one transaction. The change itself only leaves a
mark (`PendingRefresh`, one INSERT after the event commits): the request that changed the appeal
never locks a rollup row, so concurrent intake does not queue on the city's row. `flush_pending()`
folds the marks in batches, one folder at a time: the worker every minute (`tasks.flush_pending_kpis`)
and every reader of the figures below before it reads (`catch_up()`), so what is shown is exact.
Code that reads KpiRollup or AppealFact rows directly calls `flush_pending()` first (tests do).
`rebuild()` recomputes everything from the appeals (after bulk loads or a change of rules).
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from gongzhi.appeals import services as appeal_services
from gongzhi.appeals.models import Appeal, Assignment, Category, Status
from gongzhi.core import audit, indicators, pii, scoping
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.models import Department, Grid, Region, Role
from gongzhi.core.workdays import WorkCalendar

from . import kpis
from .models import AppealFact, EvaluationScheme, Exclusion, FollowUpCall, KpiRollup, PendingRefresh

log = logging.getLogger(__name__)
UNIT_FIELD = {
    "department": "department_id", "subdistrict": "subdistrict_id", "community": "community_id",
    "grid": "grid_id", "category": "category_id",
}


# ---------------------------------------------------------------- facts from appeals

def _local(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


class _Lookups:
    """Region and category maps loaded once per batch."""

    def __init__(self):
        self.region = {r[0]: (r[1], r[2]) for r in Region.objects.values_list("id", "level", "parent_id")}
        parents = dict(Category.objects.values_list("id", "parent_id"))
        self.root = {}
        for cid in parents:
            node = cid
            while parents.get(node):
                node = parents[node]
            self.root[cid] = node

    def places(self, region_id):
        """(subdistrict, community) of an appeal's region."""
        if region_id is None or region_id not in self.region:
            return None, None
        level, parent = self.region[region_id]
        if level == Region.Level.COMMUNITY:
            return parent, region_id
        if level == Region.Level.SUBDISTRICT:
            return region_id, None
        return None, None


def appeal_values(ids: Iterable[int], lookups: _Lookups | None = None) -> list[dict]:
    """The plain values compute_fact needs, for a batch of appeals (four queries per batch)."""
    ids = list(ids)
    lookups = lookups or _Lookups()
    rows = list(Appeal.objects.filter(pk__in=ids).values(
        "id", "status", "received_at", "region_id", "grid_id", "category_id", "lead_department_id", "dispatched_at",
        "replied_at", "due_at", "satisfaction", "resolved", "return_count", "reopen_count", "answered_at_intake"))
    leads: dict[int, tuple] = {}
    for a_id, dept, ack_at, ack_due in (Assignment.objects.filter(appeal_id__in=ids, role=Assignment.Role.LEAD)
                                        .exclude(state__in=[Assignment.State.RETURNED, Assignment.State.WITHDRAWN])
                                        .order_by("appeal_id", "dispatched_at", "id")
                                        .values_list("appeal_id", "department_id", "acknowledged_at", "ack_due_at")):
        leads.setdefault((a_id, dept), (ack_at, ack_due))
    merged = dict(Appeal.objects.filter(merged_into_id__in=ids).values_list("merged_into_id").annotate(n=Count("id")))
    excluded = set(Exclusion.objects.filter(appeal_id__in=ids).values_list("appeal_id", flat=True))
    out = []
    for r in rows:
        sub, comm = lookups.places(r["region_id"])
        ack_at, ack_due = leads.get((r["id"], r["lead_department_id"]), (None, None))
        out.append({
            "id": r["id"], "status": r["status"], "received_at": _local(r["received_at"]), "region": comm,
            "subdistrict": sub, "grid": r["grid_id"], "category": lookups.root.get(r["category_id"]),
            "lead_department": r["lead_department_id"], "dispatched_at": _local(r["dispatched_at"]),
            "lead_ack_at": _local(ack_at), "lead_ack_due_at": _local(ack_due), "replied_at": _local(r["replied_at"]),
            "due_at": _local(r["due_at"]), "satisfaction": r["satisfaction"], "resolved": r["resolved"],
            "return_count": r["return_count"], "reopen_count": r["reopen_count"], "merged_count": merged.get(r["id"], 0),
            "excluded": r["id"] in excluded, "answered_at_intake": r["answered_at_intake"],
        })
    return out


def workday_function(values: list[dict], calendar: WorkCalendar | None = None):
    """A fast working-day function covering the dates of these appeals."""
    calendar = calendar or WorkCalendar.current()
    dates = [v[k].date() for v in values for k in ("received_at", "replied_at") if v.get(k)]
    if not dates:
        return calendar.workdays_between
    index = kpis.WorkdayIndex(calendar.is_workday, min(dates), max(dates))
    return index.between


def _fact_row(appeal_id: int, fact: kpis.Fact) -> AppealFact:
    return AppealFact(appeal_id=appeal_id, month=fact.month, department_id=fact.department_id,
                      subdistrict_id=fact.subdistrict_id, community_id=fact.community_id, grid_id=fact.grid_id,
                      category_id=fact.category_id, handled_centi=fact.handled_centi,
                      **dict(zip(kpis.FLAG_COUNTERS, fact.flags)))


def _apply(deltas: dict[tuple, dict]) -> None:
    """Add counter deltas to rollup rows, creating rows that do not exist yet."""
    for (kind, unit_id, month), delta in sorted(deltas.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        if not any(delta.get(k) for k in kpis.COUNTERS) and not delta.get("hist"):
            continue
        for _attempt in range(3):
            row = KpiRollup.objects.select_for_update().filter(kind=kind, unit_id=unit_id, month=month).first()
            if row is None:
                try:
                    with transaction.atomic():
                        counts = kpis.add_counts(kpis.empty_counts(), delta)
                        KpiRollup.objects.create(kind=kind, unit_id=unit_id, month=month,
                                                 **{k: counts[k] for k in kpis.COUNTERS}, hist=counts["hist"])
                    break
                except IntegrityError:
                    continue  # created meanwhile by another transaction: update it instead
            counts = kpis.add_counts(row.counts(), delta)
            for k in kpis.COUNTERS:
                setattr(row, k, counts[k])
            row.hist = counts["hist"]
            row.save()
            break


# One folder of facts into rollups at a time (PostgreSQL advisory lock; SQLite has one writer).
_FOLD_LOCK = 0x67_7A_6B_70_69  # "gzkpi"
FLUSH_BATCH = 500  # appeals folded per transaction


def _hold_fold_lock() -> None:
    """Until the current transaction ends, be the only one moving facts and rollups. Two folds of
    one appeal must not interleave (both would add its new fact), and the appeal rows themselves
    are not locked: intake and the lifecycle hold them, and a fold must never make them wait."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FOLD_LOCK])


def _refresh_held(ids: list[int]) -> int:
    """refresh() with the fold lock held: recompute facts, move the rollup contributions."""
    old = {f.appeal_id: f for f in AppealFact.objects.filter(appeal_id__in=ids)}
    values = appeal_values(ids)
    workdays = workday_function(values)
    new = {v["id"]: kpis.compute_fact(v, workdays) for v in values}
    deltas: dict[tuple, dict] = defaultdict(kpis.empty_counts)
    changed = []
    for appeal_id in ids:
        before = old[appeal_id].to_fact() if appeal_id in old else None
        after = new.get(appeal_id)
        if before == after:
            continue
        changed.append(appeal_id)
        for fact, sign in ((before, -1), (after, 1)):
            if fact is None:
                continue
            counts = kpis.fact_counts(fact)
            for kind, uid in fact.units():
                kpis.add_counts(deltas[(kind, uid, fact.month)], counts, sign)
    if changed:
        AppealFact.objects.filter(appeal_id__in=[i for i in changed if i in old]).delete()
        AppealFact.objects.bulk_create([_fact_row(i, new[i]) for i in changed if new.get(i) is not None])
    _apply(deltas)
    return len(changed)


def refresh(appeal_ids: Iterable[int]) -> int:
    """Recompute the facts of these appeals now and move their rollup contributions. Returns changes."""
    ids = sorted(set(appeal_ids))
    changed = 0
    for start in range(0, len(ids), FLUSH_BATCH):
        with transaction.atomic():
            _hold_fold_lock()
            changed += _refresh_held(ids[start:start + FLUSH_BATCH])
    return changed


def mark_stale(appeal_ids: Iterable[int]) -> None:
    """Note that these appeals' facts may have changed (one INSERT, no lock on a shared row). Every
    appeal event comes here, on the request path: a plain statement, not the ORM's bulk insert."""
    ids = sorted(set(appeal_ids))
    if not ids:
        return
    table = connection.ops.quote_name(PendingRefresh._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (appeal_id) VALUES {', '.join(['(%s)'] * len(ids))}", ids)


def flush_pending() -> int:
    """Fold every pending mark into the facts and rollups, FLUSH_BATCH appeals per transaction.
    Returns how many facts changed. Marks written while it runs are folded too, or by the next call.

    Tests that read KpiRollup or AppealFact rows right after an event call this first."""
    changed = 0
    while True:
        with transaction.atomic():
            _hold_fold_lock()
            # Exactly the marks read are deleted: one committed meanwhile with a lower id (ids are
            # drawn before commit) stays for the next batch.
            marks = list(PendingRefresh.objects.order_by("pk").values_list("pk", "appeal_id")[:FLUSH_BATCH])
            if not marks:
                return changed
            changed += _refresh_held(sorted({appeal_id for _, appeal_id in marks}))
            PendingRefresh.objects.filter(pk__in=[pk for pk, _ in marks]).delete()
        if len(marks) < FLUSH_BATCH:
            return changed


def catch_up() -> None:
    """Before figures are read: fold what is pending (one cheap query when nothing is)."""
    if PendingRefresh.objects.exists():
        flush_pending()


def on_event(event) -> None:
    """Subscribed to every AppealEvent ("event.recorded"): an appeal changed; a merge also changes the target's repeat count."""
    ids = [event.appeal_id]
    if event.kind == "merged" and event.data.get("into"):
        ids.append(int(event.data["into"]))
    mark_stale(ids)  # folded by flush_pending(): the request takes no rollup lock


def rebuild(batch: int = 5000) -> dict:
    """Recompute every fact from the appeals, then every rollup from the facts."""
    lookups = _Lookups()
    calendar = WorkCalendar.current()
    facts = 0
    with transaction.atomic():
        _hold_fold_lock()
        # what was pending is part of this rebuild; marks written from here on are folded later
        PendingRefresh.objects.all().delete()
        AppealFact.objects.all().delete()
        last = 0
        while True:
            ids = list(Appeal.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            last = ids[-1]
            values = appeal_values(ids, lookups)
            workdays = workday_function(values, calendar)
            rows = [_fact_row(v["id"], f) for v in values if (f := kpis.compute_fact(v, workdays)) is not None]
            AppealFact.objects.bulk_create(rows, batch_size=2000)
            facts += len(rows)
        rollups = rollup_from_facts()
    return {"facts": facts, "rollups": rollups}


def rollup_from_facts() -> int:
    """Replace all rollup rows by GROUP BY aggregates of the facts (one pass per unit kind)."""
    with transaction.atomic():
        _hold_fold_lock()
        return _rollup_from_facts()


def _rollup_from_facts() -> int:
    KpiRollup.objects.all().delete()
    total = 0
    sums = {k: Sum(k) for k in kpis.COUNTERS if k != "handled_centi"}
    tenths = ExpressionWrapper((F("handled_centi") + 9) / 10, output_field=IntegerField())
    for kind in kpis.UNIT_KINDS:
        field = UNIT_FIELD.get(kind)
        keys = ["month"] + ([field] if field else [])
        base = AppealFact.objects.all() if field is None else AppealFact.objects.filter(**{f"{field}__isnull": False})
        hists: dict[tuple, dict] = defaultdict(dict)
        for row in (base.filter(handled_centi__isnull=False).annotate(t=tenths).values(*keys, "t")
                    .annotate(n=Count("pk")).order_by()):
            hists[(row["month"], row[field] if field else 0)][str(row["t"])] = row["n"]
        rows = []
        for row in base.values(*keys).annotate(**sums, hc=Sum(F("handled_centi"))).order_by():
            key = (row["month"], row[field] if field else 0)
            rows.append(KpiRollup(kind=kind, unit_id=key[1], month=key[0], handled_centi=row["hc"] or 0,
                                  hist=hists.get(key, {}), **{k: row[k] or 0 for k in sums}))
        KpiRollup.objects.bulk_create(rows, batch_size=2000)
        total += len(rows)
    return total


# ---------------------------------------------------------------- reading KPIs

def month_start(day: dt.date | None = None) -> dt.date:
    day = day or timezone.localdate()
    return dt.date(day.year, day.month, 1)


def add_months(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.year * 12 + month.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


def parse_month(text: str | None, default: dt.date | None = None) -> dt.date:
    try:
        y, m = (int(x) for x in (text or "").split("-")[:2])
        return dt.date(y, m, 1)
    except (TypeError, ValueError):
        return default or month_start()


def unit_counts(kind: str, unit_id: int, months: Iterable[dt.date]) -> dict:
    catch_up()
    rows = KpiRollup.objects.filter(kind=kind, unit_id=unit_id, month__in=list(months))
    return kpis.sum_counts(r.counts() for r in rows)


def units_counts(kind: str, months: Iterable[dt.date]) -> dict[int, dict]:
    catch_up()
    out: dict[int, dict] = {}
    for r in KpiRollup.objects.filter(kind=kind, month__in=list(months)):
        kpis.add_counts(out.setdefault(r.unit_id, kpis.empty_counts()), r.counts())
    return out


def monthly_series(kind: str, unit_id: int, first: dt.date, last: dt.date) -> dict[dt.date, dict]:
    catch_up()
    by_month = {r.month: r.counts() for r in KpiRollup.objects.filter(kind=kind, unit_id=unit_id, month__gte=first,
                                                                       month__lte=last)}
    out, m = {}, first
    while m <= last:
        out[m] = by_month.get(m, kpis.empty_counts())
        m = add_months(m, 1)
    return out


def unit_names(kind: str, ids: Iterable[int] | None = None) -> dict[int, str]:
    model = {"department": Department, "subdistrict": Region, "community": Region, "grid": Grid,
             "category": Category}.get(kind)
    if model is None:
        return {0: "全市"}
    qs = model.objects.all() if ids is None else model.objects.filter(pk__in=list(ids))
    return dict(qs.values_list("pk", "name"))


def units_of_kind(kind: str) -> dict[int, str]:
    """Every unit of a ranked kind, so a unit with no appeals still appears in the table."""
    if kind == "department":
        return dict(Department.objects.filter(active=True).values_list("pk", "name"))
    if kind in ("subdistrict", "community"):
        return dict(Region.objects.filter(level=kind).values_list("pk", "name"))
    return unit_names(kind)


def ranking_minimum() -> int:
    """Appeals a unit needs in the period to be ranked (GONGZHI_RANKING_MIN_APPEALS)."""
    return settings.GONGZHI["RANKING_MIN_APPEALS"]


def default_anchor(period: str = "month", today: dt.date | None = None) -> dt.date:
    """Dashboards open on the last complete period; the current one is a click away, marked partial."""
    return kpis.last_complete(period, today or timezone.localdate())


def is_partial(period: str, anchor: dt.date, today: dt.date | None = None) -> bool:
    return kpis.is_partial(period, anchor, today or timezone.localdate())


def default_scheme(kind: str = "department", period: str = "month") -> EvaluationScheme:
    scheme = EvaluationScheme.objects.filter(active=True, scope_kind=kind, period=period).first()
    return scheme or EvaluationScheme(name="默认方案", scope_kind=kind, period=period)


def ranking(kind: str, anchor: dt.date, scheme: EvaluationScheme | None = None, period: str | None = None):
    """The ranking table of all units of a kind for the period containing `anchor`, with movement."""
    scheme = scheme or default_scheme(kind, period or "month")
    period = period or scheme.period
    months = kpis.period_months(period, anchor)
    prev_months = kpis.period_months(period, kpis.previous_anchor(period, anchor))
    current, previous = units_counts(kind, months), units_counts(kind, prev_months)
    names = units_of_kind(kind)
    for uid in names:
        current.setdefault(uid, kpis.empty_counts())
    extra, figures = indicator_values(kind, months)
    previous_extra, _figures = indicator_values(kind, prev_months)
    rows = kpis.rank(current, scheme.kpi_weights(), scheme.satisfaction_weights(), previous,
                     min_cases=ranking_minimum(), extra=extra, previous_extra=previous_extra,
                     better=indicators.better(kind))
    others = unit_names(kind, [r.unit_id for r in rows if r.unit_id not in names])
    for r in rows:
        r.name = names.get(r.unit_id) or others.get(r.unit_id) or f"#{r.unit_id}"
        r.indicators = {key: by_unit.get(r.unit_id) for key, by_unit in figures.items()}
    return {"kind": kind, "period": period, "months": months, "scheme": scheme, "rows": rows,
            "indicators": [i for i in indicators.registered(kind) if i.key in figures]}


def period_bounds(months: list[dt.date]) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the first month and of the month after the last (local time)."""
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(months[0], dt.time(), tzinfo=tz),
            dt.datetime.combine(add_months(months[-1], 1), dt.time(), tzinfo=tz))


def indicator_values(kind: str, months: list[dt.date]) -> tuple[dict[int, dict], dict]:
    """Other apps' figures of the units of `kind` in these months (core.indicators): the values per
    unit the score reads ({unit: {key: value}}) and the figures themselves ({key: {unit: Figure}})."""
    since, until = period_bounds(months)
    figures = indicators.figures(kind, since, until)
    values: dict[int, dict] = defaultdict(dict)
    for key, by_unit in figures.items():
        for uid, figure in by_unit.items():
            values[uid][key] = figure.value
    return dict(values), figures


def unit_indicators(kind: str, unit_id: int, months: list[dt.date]) -> list[dict]:
    """One unit's other-app figures for a panel: [{key, label, rate, value, cases, url}]."""
    since, until = period_bounds(months)
    figures = indicators.figures(kind, since, until)
    out = []
    for indicator in indicators.registered(kind):
        by_unit = figures.get(indicator.key)
        if by_unit is None:
            continue  # it failed: left out, as on the rankings
        figure = by_unit.get(unit_id) or indicators.Figure(None if indicator.rate else 0, 0)
        url = indicator.link(kind, unit_id, since, until) if indicator.link else ""
        out.append({"key": indicator.key, "label": str(indicator.label), "rate": indicator.rate,
                    "value": figure.value, "cases": figure.cases, "url": url})
    return out


# ---------------------------------------------------------------- drill-down

DRILL_COUNTERS = set(kpis.FLAG_COUNTERS) | {"ack_late", "replied_late", "unresolved"}


def drill_queryset(user, kind: str, unit_id: int | None, months: list[dt.date], counter: str = "appeals"):
    """The appeals behind a number, scoped to what the user may see."""
    catch_up()
    qs = Appeal.objects.restrict(user).filter(kpi_fact__month__in=months)
    field = UNIT_FIELD.get(kind)
    if field and unit_id is not None:
        qs = qs.filter(**{f"kpi_fact__{field}": unit_id})
    if counter == "ack_late":
        qs = qs.filter(kpi_fact__dispatched=1, kpi_fact__ack_on_time=0)
    elif counter == "replied_late":
        qs = qs.filter(kpi_fact__replied=1, kpi_fact__replied_on_time=0)
    elif counter == "unresolved":
        qs = qs.filter(kpi_fact__rated=1, kpi_fact__resolved=0)
    elif counter in kpis.FLAG_COUNTERS:
        qs = qs.filter(**{f"kpi_fact__{counter}": 1})
    return qs.select_related("category", "lead_department", "region").order_by("-received_at", "-id")


# ---------------------------------------------------------------- live queue figures

LIVE_COUNTERS = ("today", "open", "overdue", "due_soon", "awaiting_ack")


def live_querysets(base, now: dt.datetime | None = None) -> dict:
    """The appeals behind each live queue figure (the same filters count and list them)."""
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    soon = now + dt.timedelta(hours=settings.GONGZHI["DUE_SOON_HOURS"])
    active = base.filter(status__in=[Status.DISPATCHED, Status.HANDLING])
    return {
        "today": base.filter(received_at__gte=today),
        "open": base.filter(status__in=[Status.RECEIVED, Status.DISPATCHED, Status.HANDLING, Status.REPLIED]),
        "overdue": active.filter(due_at__lt=now),
        "due_soon": active.filter(due_at__gte=now, due_at__lt=soon),
        "awaiting_ack": base.filter(status=Status.DISPATCHED),
    }


def queue_health(department: Department | None = None, now: dt.datetime | None = None) -> dict:
    """Today's intake, open, overdue and due-soon counts (live, from the appeal table's indexes).

    "Open" can be a large share of a big table, so it is summed from the rollups' `open` counters
    (exact: pending changes are folded first) plus the open appeals excluded from evaluation."""
    catch_up()
    base = Appeal.objects.all()
    if department is not None:
        base = base.filter(lead_department=department)
    live = live_querysets(base, now)
    out = {k: qs.count() for k, qs in live.items() if k != "open"}
    rollups = KpiRollup.objects.filter(kind="department", unit_id=department.pk) if department is not None else \
        KpiRollup.objects.filter(kind="city", unit_id=0)
    excluded_open = live["open"].filter(kpi_exclusion__isnull=False).count()
    out["open"] = (rollups.aggregate(n=Sum("open"))["n"] or 0) + excluded_open
    return out


# ---------------------------------------------------------------- exclusions

def exclude(appeal: Appeal, actor, reason: str, request=None) -> Exclusion:
    """A supervisor judges an appeal unreasonable: it leaves every KPI. Audited."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise FieldErrors({"reason": "请填写剔除理由（至少4个字）"})
    if not (getattr(actor, "is_superuser", False) or scoping.has_role(actor, Role.SUPERVISOR, Role.ADMIN)):
        raise ActionRefused("只有督办员可以剔除考评")
    if not Appeal.objects.restrict(actor).filter(pk=appeal.pk).exists():
        raise ActionRefused("该诉求不在您的管辖范围内")
    with transaction.atomic():
        if Exclusion.objects.filter(appeal=appeal).exists():
            raise ActionRefused("该诉求已剔除考评")
        exclusion = Exclusion.objects.create(appeal=appeal, reason=reason[:300], decided_by=actor)
        audit.record(actor, "kpi_exclude", appeal, request=request, reason=reason[:300])
        mark_stale([appeal.pk])
    return exclusion


def revoke_exclusion(exclusion: Exclusion, actor, request=None) -> None:
    if not (getattr(actor, "is_superuser", False) or scoping.has_role(actor, Role.SUPERVISOR, Role.ADMIN)):
        raise ActionRefused("只有督办员可以撤销剔除")
    with transaction.atomic():
        appeal_id = exclusion.appeal_id
        audit.record(actor, "kpi_exclude_revoked", ("appeals.appeal", appeal_id), request=request,
                     reason=exclusion.reason)
        exclusion.delete()
        mark_stale([appeal_id])


# ---------------------------------------------------------------- follow-up (回访)

def rating_link(request=None) -> str:
    try:
        path = reverse("portal:track")
    except NoReverseMatch:
        path = "/track/"
    return request.build_absolute_uri(path) if request is not None else path


def sms_text(appeal: Appeal, link: str) -> str:
    """The text an operator sends after a reply so the appellant can rate the answer."""
    # Numbers are taken out before the title is cut: a cut number would escape every mask.
    title = pii.scrub_text(appeal.title)[:20]
    return (f"【共治】您反映的“{title}”（受理编号{appeal.tracking_number}）已有答复。"
            f"请访问 {link} 输入受理编号和查询码查看答复并评价；也可回复：1满意 2基本满意 3不满意。")


def awaiting_follow_up(user):
    return (Appeal.objects.restrict(user).filter(status=Status.REPLIED)
            .select_related("lead_department", "category").order_by("replied_at", "id"))


def record_call(appeal: Appeal, operator, outcome: str, *, satisfaction: str = "", resolved: bool | None = None,
                note: str = "") -> FollowUpCall:
    """An operator's phone follow-up: a rating goes through appeals.services.follow_up (which may
    close or reopen); other outcomes are just logged."""
    if outcome not in FollowUpCall.Outcome.values:
        raise FieldErrors({"outcome": "请选择回访结果"})
    if outcome == FollowUpCall.Outcome.RATED:
        appeal_services.follow_up(appeal, satisfaction, actor=operator, via="phone", comment=note, resolved=resolved)
    elif not (getattr(operator, "is_superuser", False)
              or scoping.has_role(operator, Role.OPERATOR, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN)):
        raise ActionRefused("您的角色无权执行此操作")
    return FollowUpCall.objects.create(appeal=appeal, operator=operator, outcome=outcome, note=(note or "")[:300])


def raw_sql_department_month(department_id: int, month: dt.date) -> tuple:
    """The baseline of bench/kpi.py: a hand-written aggregate over the appeal table itself."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(month, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(add_months(month, 1), dt.time(), tzinfo=tz)
    sql = """
        SELECT count(*),
               sum(CASE WHEN a.replied_at IS NOT NULL AND a.status IN ('replied','closed') THEN 1 ELSE 0 END),
               sum(CASE WHEN a.status IN ('replied','closed') AND a.replied_at <= a.due_at THEN 1 ELSE 0 END),
               sum(CASE WHEN a.satisfaction IN ('satisfied','basic') THEN 1 ELSE 0 END),
               sum(CASE WHEN a.satisfaction <> '' THEN 1 ELSE 0 END),
               sum(CASE WHEN a.satisfaction <> '' AND a.resolved THEN 1 ELSE 0 END),
               sum(CASE WHEN a.return_count > 0 THEN 1 ELSE 0 END)
        FROM appeals_appeal a
        WHERE a.lead_department_id = %s AND a.received_at >= %s AND a.received_at < %s AND a.status <> 'merged'
    """
    with connection.cursor() as cur:
        cur.execute(sql, [department_id, start, end])
        return cur.fetchone()


# ---------------------------------------------------------------- a reader's jurisdiction

@dataclass(frozen=True)
class Jurisdiction:
    """The part of the city a leader or supervisor answers for. Dashboards show this part only: a
    subdistrict's supervisor sees the subdistrict's figures, not the district's."""

    units: tuple[tuple[str, int], ...]        # rollup units whose sum is the jurisdiction
    regions: tuple[Region, ...] = ()          # region scopes (empty: none, or the whole city)
    department_ids: tuple[int, ...] = ()      # department scopes
    label: str = ""

    @property
    def whole_city(self) -> bool:
        return self.units == (("city", 0),)

    def region_q(self, field: str = "region") -> Q:
        """Rows whose `field` (a Region FK) lies in one of the jurisdiction's regions."""
        q = Q(pk__in=[])
        for region in self.regions:
            q |= Q(**{f"{field}__path__startswith": region.path})
        return q

    def rollup_q(self) -> Q:
        """The rollup rows of the jurisdiction's units."""
        q = Q(pk__in=[])
        for kind, uid in self.units:
            q |= Q(kind=kind, unit_id=uid)
        return q

    def appeals(self):
        """The appeals of the jurisdiction (by where they are and which department leads them)."""
        if self.whole_city:
            return Appeal.objects.all()
        q = self.region_q()
        if self.department_ids:
            q |= Q(lead_department_id__in=self.department_ids)
        return Appeal.objects.filter(q)


CITY = Jurisdiction(units=(("city", 0),), label="全市")


def jurisdiction_of(user) -> Jurisdiction:
    """Where the user's leader/supervisor/admin roles reach: the whole city for a role without a region or on
    the root region, else the union of their subdistricts, communities and departments."""
    if getattr(user, "is_superuser", False):
        return CITY
    regions, departments = [], []
    for r in scoping.assignments(user, Role.LEADER, Role.SUPERVISOR, Role.ADMIN):
        if r.region_id is None and r.department_id:
            departments.append(r.department)
        elif r.region_id is None or r.region.parent_id is None:
            return CITY
        elif r.region_id:
            regions.append(r.region)
    regions = [g for g in regions if not any(o.pk != g.pk and g.path.startswith(o.path) for o in regions)]
    regions = list({g.pk: g for g in regions}.values())
    units: list[tuple[str, int]] = []
    for region in regions:
        if region.level in (Region.Level.SUBDISTRICT, Region.Level.COMMUNITY):
            units.append((region.level, region.pk))
        else:  # a district below the root: the sum of its subdistricts
            units += [("subdistrict", pk) for pk in Region.objects.filter(
                level=Region.Level.SUBDISTRICT, path__startswith=region.path).values_list("pk", flat=True)]
    units += [("department", d.pk) for d in departments]
    label = "、".join([g.name for g in regions] + [d.name for d in departments])
    return Jurisdiction(units=tuple(units), regions=tuple(regions), department_ids=tuple(d.pk for d in departments),
                        label=label)


def jurisdiction_series(j: Jurisdiction, first: dt.date, last: dt.date) -> dict[dt.date, dict]:
    """Monthly counters of the jurisdiction, summed from its units' rollups (exact, no scan).
    A region and a department scope may share appeals; then the figures are per scope, summed."""
    catch_up()
    months = {}
    m = first
    while m <= last:
        months[m] = kpis.empty_counts()
        m = add_months(m, 1)
    for row in KpiRollup.objects.filter(j.rollup_q(), month__gte=first, month__lte=last):
        kpis.add_counts(months[row.month], row.counts())
    return months


def jurisdiction_categories(j: Jurisdiction, month: dt.date) -> dict[int, int]:
    """Appeals per root category in the month (from the category rollups city-wide, else from the facts)."""
    if j.whole_city:
        return {uid: c["appeals"] for uid, c in units_counts("category", [month]).items()}
    catch_up()
    q = Q(pk__in=[])
    for kind, uid in j.units:
        q |= Q(**{UNIT_FIELD[kind]: uid})
    rows = (AppealFact.objects.filter(q, month=month, category_id__isnull=False).values("category_id")
            .annotate(n=Sum("appeals")).order_by())
    return {r["category_id"]: r["n"] for r in rows if r["n"]}


def jurisdiction_grids(j: Jurisdiction):
    if j.whole_city:
        return Grid.objects.all()
    return Grid.objects.filter(j.region_q("community"))


def jurisdiction_ranking(j: Jurisdiction, anchor: dt.date) -> dict:
    """Units to compare inside the jurisdiction: departments city-wide, the communities of a subdistrict."""
    if j.whole_city:
        return ranking("department", anchor)
    if any(kind == "subdistrict" for kind, _uid in j.units):
        table = ranking("community", anchor)
        inside = set()
        for region in j.regions:
            inside |= set(Region.objects.filter(level=Region.Level.COMMUNITY, path__startswith=region.path)
                          .values_list("pk", flat=True))
        table["rows"] = [r for r in table["rows"] if r.unit_id in inside]
        return table
    table = ranking("department", anchor)
    table["rows"] = [r for r in table["rows"] if r.unit_id in set(j.department_ids)]
    return table


def jurisdiction_health(j: Jurisdiction, now: dt.datetime | None = None) -> dict:
    """queue_health() for a jurisdiction; "open" again from the units' rollups plus excluded open appeals."""
    if j.whole_city:
        return queue_health(now=now)
    catch_up()
    live = live_querysets(j.appeals(), now)
    out = {k: qs.count() for k, qs in live.items() if k != "open"}
    out["open"] = ((KpiRollup.objects.filter(j.rollup_q()).aggregate(n=Sum("open"))["n"] or 0)
                   + live["open"].filter(kpi_exclusion__isnull=False).count())
    return out
