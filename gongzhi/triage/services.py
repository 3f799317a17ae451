"""Triage inside the platform: runs at intake, keeps hot issues and alerts, trains the classifier.

The analysis itself is pure Python in this package (classifier, duplicates, hotissues, risk);
this module adapts appeals to plain data, keeps the in-process indexes warm and writes the results
through the services that own the rows.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gongzhi.appeals import services as appeal_services
from gongzhi.appeals.models import Appeal, Category, Status
from gongzhi.core import audit

from .models import Alert, ClassifierVersion, HotIssue

log = logging.getLogger(__name__)
MODELS_DIR = Path(settings.DATA_DIR) / "models"
WINDOW_DAYS = 365
HIGH_RISK = 70
TRAIN_LIMIT = 50_000  # the most recent closed appeals: enough to learn from, bounded at city scale


def _plain(appeal: Appeal):
    from .duplicates import Appeal as PlainAppeal

    return PlainAppeal(
        id=str(appeal.pk), text=f"{appeal.title}\n{appeal.content}",
        time=timezone.localtime(appeal.received_at).replace(tzinfo=None),
        user=appeal.appellant_phone or (f"user:{appeal.appellant_user_id}" if appeal.appellant_user_id else None),
        title=appeal.title,
    )


class _Indexes:
    """The duplicate and hot-issue indexes of this process, built lazily from the last year."""

    def __init__(self):
        self.lock = threading.RLock()
        self.duplicates = None
        self.hot = None
        self.classifier = None
        self.classifier_version = None

    def reset(self):
        with self.lock:
            self.duplicates = self.hot = self.classifier = self.classifier_version = None

    def ensure(self, exclude_id: int | None = None):
        """Load the last year once; `exclude_id` (the appeal being received) is added by the caller."""
        from .duplicates import DuplicateIndex
        from .hotissues import HotIssueIndex

        with self.lock:
            if self.duplicates is not None:
                return
            since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
            rows = list(Appeal.objects.filter(received_at__gte=since).exclude(status=Status.MERGED)
                        .exclude(pk=exclude_id).order_by("received_at", "id").only("id", "title", "content", "received_at",
                                                              "appellant_phone", "appellant_user_id"))
            self.duplicates, self.hot = DuplicateIndex(window_days=WINDOW_DAYS), HotIssueIndex()
            plain = [_plain(a) for a in rows]
            for p in plain:
                self.duplicates.add(p)
            self.hot.rebuild(plain)

    def model(self):
        from .classifier import TextClassifier

        active = ClassifierVersion.objects.filter(active=True).first()
        with self.lock:
            if active is None:
                self.classifier = self.classifier_version = None
            elif active.version != self.classifier_version:
                self.classifier, self.classifier_version = TextClassifier.load(active.path), active.version
            return self.classifier


INDEXES = _Indexes()


def suggestions_for(appeal: Appeal) -> list[dict]:
    """Top-3 categories (with their departments) for an appeal, most likely first."""
    model = INDEXES.model()
    if model is None:
        return []
    prediction = model.predict([f"{appeal.title}\n{appeal.content}"])[0]
    roots = {c.name: c for c in Category.objects.filter(parent__isnull=True).select_related("default_department")}
    out = []
    for label, prob in prediction.top3:
        cat = roots.get(label)
        out.append({
            "label": label, "confidence": round(float(prob), 4),
            "category": cat.pk if cat else None,
            "department": cat.default_department_id if cat and cat.default_department_id else None,
            "department_name": cat.default_department.name if cat and cat.default_department_id else "",
        })
    if out:
        out[0]["key_terms"] = list(prediction.key_terms)[:8]
    return out


def on_intake(appeal: Appeal) -> None:
    """Classify, find duplicates, score risk, update hot issues; dispatch when confident enough."""
    _analyse(appeal, fresh=True)


def triage_backlog() -> int:
    """Analyse appeals waiting for dispatch that never went through intake triage (imports, the
    demo's history): suggestions, duplicates and risk for the dispatcher; nothing is dispatched."""
    count = 0
    for appeal in Appeal.objects.filter(status=Status.RECEIVED).order_by("received_at"):
        if not (appeal.triage or {}).get("risk"):
            _analyse(appeal, fresh=False)
            count += 1
    return count


def prepare_demo() -> None:
    """After the demo's history: a classifier trained on its closed appeals, and the queue triaged."""
    train_from_database()
    triage_backlog()


def _analyse(appeal: Appeal, *, fresh: bool) -> None:
    from .hotissues import alert_checks, group_signals
    from .risk import score_risk

    INDEXES.ensure(exclude_id=appeal.pk if fresh else None)
    plain = _plain(appeal)
    issue = None
    with INDEXES.lock:
        if fresh:
            duplicates = INDEXES.duplicates.check(plain, limit=5)
            issue = INDEXES.hot.issues.get(INDEXES.hot.add(plain))
        else:
            duplicates = [c for c in INDEXES.duplicates.query(plain, limit=6) if c.id != plain.id][:5]
    dup_rows = []
    known = {str(a.pk): a for a in Appeal.objects.filter(pk__in=[int(c.id) for c in duplicates]).exclude(status=Status.MERGED)}
    for cand in duplicates:
        other = known.get(cand.id)
        if other is not None and (fresh or other.received_at <= appeal.received_at):
            dup_rows.append({"id": other.pk, "tracking_number": other.tracking_number, "title": other.title,
                             "similarity": round(cand.similarity, 3), "reason": cand.explain(),
                             "status": other.status})
    suggestions = suggestions_for(appeal)
    repeat_contacts = sum(1 for c in duplicates if "same_user" in c.reasons)
    risk = score_risk(f"{appeal.title}\n{appeal.content}", repeat_contacts=repeat_contacts)
    found = {"suggestions": suggestions, "duplicates": dup_rows, "risk": {"score": risk.score, "reasons": risk.reasons}}
    if issue is not None:
        found["hot_issue"] = int(issue.members[0])
    appeal = appeal_services.record_triage(
        appeal, found, risk_score=risk.score, urgency=risk.urgency,
        note=f"风险评分{risk.score}：{'；'.join(risk.reasons[:3])}" if risk.score >= HIGH_RISK else "",
    )
    if issue is not None:
        hot = _persist_issue(issue, appeal)
        reasons = [a.message for a in alert_checks(issue, now=plain.time) if a.kind != "group_signal"]
        if reasons and hot.size >= 3:
            raise_alert(Alert.Kind.HOT_ISSUE, f"热点升温：{hot.title}", reasons, hot_issue=hot, region=hot.region,
                        level=Alert.Level.ORANGE if hot.distinct_people >= 10 else Alert.Level.YELLOW)
    signals = group_signals(f"{appeal.title}\n{appeal.content}")
    if signals:
        raise_alert(Alert.Kind.GROUP_SIGNAL, f"群体性风险信号：{appeal.title}",
                    [f"{s.label}（“{s.text}”）" for s in signals], appeal=appeal, region=appeal.region,
                    level=Alert.Level.RED if len(signals) >= 2 else Alert.Level.ORANGE)
    elif risk.score >= HIGH_RISK:
        raise_alert(Alert.Kind.HIGH_RISK, f"高风险诉求：{appeal.title}", risk.reasons, appeal=appeal,
                    region=appeal.region, level=Alert.Level.ORANGE)
    if fresh:
        _maybe_auto_dispatch(appeal, suggestions)


def _maybe_auto_dispatch(appeal: Appeal, suggestions: list[dict]) -> None:
    if not suggestions or appeal.status != Status.RECEIVED or appeal.triage.get("duplicates"):
        return
    best = suggestions[0]
    if not best["category"] or not best["department"]:
        return
    category = Category.objects.select_related("default_department").get(pk=best["category"])
    if best["confidence"] < category.auto_dispatch_threshold:
        return
    appeal_services.dispatch(appeal, None, category.default_department, category=appeal.category or category,
                             instructions=f"智能分类“{best['label']}”置信度{best['confidence']:.0%}，自动派单",
                             automatic=True)


def _persist_issue(issue, appeal: Appeal) -> HotIssue:
    aware = lambda t: timezone.make_aware(t) if t is not None and timezone.is_naive(t) else t  # noqa: E731
    hot, _ = HotIssue.objects.update_or_create(
        key=int(issue.members[0]), state=HotIssue.State.ACTIVE,
        defaults=dict(title=issue.title[:200] or appeal.title[:200], place=issue.place[:100],
                      start=aware(issue.start), end=aware(issue.end), size=issue.size,
                      distinct_people=issue.distinct_people, heat=round(issue.heat(), 3),
                      terms=issue.top_terms(8), region=appeal.region or None),
    )
    ids = [int(m) for m in issue.members]
    hot.appeals.add(*Appeal.objects.filter(pk__in=ids))
    return hot


def raise_alert(kind, title, reasons, *, appeal=None, hot_issue=None, region=None, level=Alert.Level.YELLOW) -> Alert | None:
    """One open alert per appeal or hot issue; supervisors of the region are notified."""
    existing = Alert.objects.filter(kind=kind, appeal=appeal, hot_issue=hot_issue, state=Alert.State.OPEN).first()
    if existing:
        existing.reasons, existing.title = reasons, title[:200]
        existing.save(update_fields=["reasons", "title"])
        return existing
    alert = Alert.objects.create(kind=kind, level=level, title=title[:200], reasons=reasons, appeal=appeal,
                                 hot_issue=hot_issue, region=region)
    target = appeal or Appeal(region=region)
    transaction.on_commit(lambda: appeal_services.notify(
        appeal_services.supervisors_for(target), "alert", f"预警：{alert.title}", f"/triage/alerts/{alert.pk}/"))
    return alert


def acknowledge_alert(alert: Alert, user, note: str = "") -> Alert:
    if alert.state != Alert.State.OPEN:
        raise appeal_services.ActionRefused(gettext("该预警已处理"))
    alert.state, alert.acknowledged_by, alert.acknowledged_at = Alert.State.ACKNOWLEDGED, user, timezone.now()
    alert.resolution = note[:300]
    alert.save()
    audit.record(user, "alert_acknowledged", alert, note=note[:300])
    return alert


def close_alert(alert: Alert, user, outcome: str, note: str = "") -> Alert:
    """Dismiss, or record the case the alert became (a dispute, a petition, an emergency incident)."""
    if alert.state in (Alert.State.CONVERTED, Alert.State.DISMISSED):
        raise appeal_services.ActionRefused(gettext("该预警已处理"))
    if outcome not in (Alert.State.CONVERTED, Alert.State.DISMISSED):
        raise appeal_services.FieldErrors({"outcome": gettext("未知处置结果")})
    note = (note or "").strip()
    if not note:
        raise appeal_services.FieldErrors({"note": gettext("请填写处置说明")})
    alert.state = outcome
    alert.acknowledged_by = alert.acknowledged_by or user
    alert.acknowledged_at = alert.acknowledged_at or timezone.now()
    alert.resolution = note[:300]
    alert.save()
    audit.record(user, f"alert_{outcome}", alert, note=note[:300])
    return alert


def train_from_database(min_per_class: int = 5, activate: bool = True) -> ClassifierVersion:
    """Train on recent closed appeals' final categories (their first-level names), register the model."""
    from .classifier import TextClassifier

    texts, labels = [], []
    rows = (Appeal.objects.filter(status=Status.CLOSED, category__isnull=False).select_related("category__parent")
            .order_by("-closed_at")[:TRAIN_LIMIT])
    for a in rows.iterator():
        texts.append(f"{a.title}\n{a.content}")
        labels.append(a.category.root.name)
    counts = {label: labels.count(label) for label in set(labels)}
    keep = [i for i, label in enumerate(labels) if counts[label] >= min_per_class]
    if len({labels[i] for i in keep}) < 2:
        raise appeal_services.ActionRefused(gettext("已办结且已分类的诉求太少，至少需要两个类别、每类5件"))
    texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    return register_model(TextClassifier().fit(texts, labels), "database", len(texts), activate)


def register_model(model, source: str, size: int, activate: bool = True) -> ClassifierVersion:
    version = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
    path = MODELS_DIR / f"classifier-{version}"
    model.save(path)
    import json

    report_path = path / "report.json"
    report = json.loads(report_path.read_text("utf-8")) if report_path.exists() else {}
    with transaction.atomic():
        if activate:
            ClassifierVersion.objects.filter(active=True).update(active=False)
        row = ClassifierVersion.objects.create(version=version, path=str(path), source=source, trained_on=size,
                                               report=report, active=activate)
    INDEXES.classifier_version = None
    return row


def rebuild_hot_issues() -> int:
    """Full rebuild: recluster the last year and replace the active hot issues."""
    INDEXES.reset()
    INDEXES.ensure()
    with transaction.atomic():
        HotIssue.objects.filter(state=HotIssue.State.ACTIVE, alerts__isnull=True).delete()
        HotIssue.objects.filter(state=HotIssue.State.ACTIVE).update(state=HotIssue.State.CLOSED)
        count = 0
        regions = dict(Appeal.objects.filter(received_at__gte=timezone.now() - dt.timedelta(days=WINDOW_DAYS))
                       .values_list("id", "region_id"))
        for issue in INDEXES.hot.ranked(min_size=2):
            anchor = Appeal(region_id=regions.get(int(issue.members[-1])))
            _persist_issue(issue, anchor)
            count += 1
    return count


def score_reply(appeal: Appeal, reply) -> None:
    """Keep the reply-quality score with the reply, for evaluation and the handler's feedback."""
    from gongzhi.core.workdays import WorkCalendar

    from .reply_quality import score_reply as score

    cal = WorkCalendar.current()
    result = score(appeal_text=appeal.content, reply_text=reply.text, appeal_title=appeal.title,
                   appeal_time=appeal.received_at, reply_time=reply.created_at,
                   workdays=lambda a, b: cal.workdays_between(a, b))
    reply.quality = result.as_row()
    reply.save(update_fields=["quality"])
