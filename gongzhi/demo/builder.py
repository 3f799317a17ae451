"""Builds the demo city, part by part, in order.

1. the organisation (organisation.py: regions, grids, departments, an account for every role);
2. the appeals (appeals.py: the category tree, then 90 days of appeals through the real services),
   in one transaction with the organisation;
3. afterwards, each other app's own part (DERIVED below): the data it keeps up to date through hooks
   while the site runs (KPI facts, hot issues, triage), rebuilt once from the appeals since the hooks
   were off, and the safety history (safety.py). Each step is best effort: a failing one is reported
   in one line and does not spoil the rest; a step whose app is not installed is skipped.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from gongzhi.appeals.models import Appeal, AppealEvent, Status
from gongzhi.core.models import Department, Grid, Notification, Region, User

from .appeals import AppealsHistory, build_categories
from .knowledge import build_gazetteer, build_knowledge
from .organisation import build_organisation


def is_populated() -> bool:
    """Any organisation or appeal already there (the demo's or a real one): the demo stays out."""
    return Region.objects.exists() or Department.objects.exists() or Appeal.objects.exists()


def build(appeals: int = 2000, seed: int = 2026, now: dt.datetime | None = None, out=print) -> dict:
    """Build the organisation and the appeals in one transaction; returns counts for the summary."""
    started = time.monotonic()
    rng = random.Random(seed)
    now = now or timezone.now()
    with transaction.atomic():
        city = build_organisation(rng, out)
        build_categories(city)
        places = build_gazetteer(city)
        answers = build_knowledge(city.users["supervisor"])
        out(f"受理台：{places} 个地名，{answers} 条知识库答复")
        out(f"组织架构：{Region.objects.count()} 个区划，{Grid.objects.count()} 个网格，{Department.objects.count()} 个部门，"
            f"{User.objects.count()} 个账号")
        stats = AppealsHistory(city, rng, appeals, now, out).run()
    open_links = {f"/staff/appeals/{pk}/" for pk in Appeal.objects.open().values_list("pk", flat=True)}
    Notification.objects.exclude(link__in=open_links).update(read_at=timezone.now())
    by_status = Counter(Appeal.objects.values_list("status", flat=True))
    summary = {
        "appeals": Appeal.objects.count(),
        "events": AppealEvent.objects.count(),
        "by_status": {Status(k).label: v for k, v in sorted(by_status.items())},
        "overdue_open": Appeal.objects.open().filter(due_state="overdue").count(),
        "due_soon_open": Appeal.objects.open().filter(due_state="due_soon").count(),
        "replied_late": AppealEvent.objects.filter(kind="replied", data__late=True).count(),
        "reopened": Appeal.objects.filter(reopen_count__gt=0).count(),
        "returned": Appeal.objects.filter(return_count__gt=0).count(),
        "rated": Appeal.objects.exclude(satisfaction="").count(),
        "merged": by_status.get(Status.MERGED, 0),
        "supervised": Appeal.objects.filter(supervised=True).count(),
        "refused_steps": stats.get("refused", 0),
        "seconds": round(time.monotonic() - started, 1),
    }
    return summary


# ------------------------------------------------------------------ each other app's part

def _kpi_facts() -> None:
    from gongzhi.evaluation.services import rebuild

    rebuild()


def _hot_issues() -> None:
    from gongzhi.triage.services import rebuild_hot_issues

    rebuild_hot_issues()


def _classifier_and_queue() -> None:
    """A classifier trained on the demo's closed appeals, and the dispatcher's queue triaged."""
    from gongzhi.triage.services import train_from_database, triage_backlog

    train_from_database()
    triage_backlog()


def _safety_history() -> None:
    from .safety import build_demo_incidents

    build_demo_incidents()


def _notification_choices() -> None:
    """handler_zjj also gets new assignments, due-soon and urges by e-mail (printed by the worker
    in development, as every mail without GONGZHI_EMAIL_HOST): /staff/notifications/settings/."""
    from gongzhi.core import preferences

    user = User.objects.filter(username="handler_zjj").first()
    if user is not None:
        preferences.save(user, choices={kind: ["email"] for kind in ("assigned", "due_soon", "urged")},
                         email="handler_zjj@example.gov.cn", phone=user.phone)


def _participation() -> None:
    from .participation import build_demo_participation

    build_demo_participation()


def _disputes() -> None:
    from .disputes import build_demo_disputes

    build_demo_disputes()


def _grid() -> None:
    from .grid import build_demo_grid

    build_demo_grid(out=lambda *a: None)


def _emergency() -> None:
    from .emergency import build_demo_emergency

    build_demo_emergency()


# (label, the app it needs, step), run in this order after the appeals.
DERIVED = [
    ("考核指标", "gongzhi.evaluation", _kpi_facts),
    ("热点诉求", "gongzhi.triage", _hot_issues),
    ("智能分类模型与待派单分析", "gongzhi.triage", _classifier_and_queue),
    ("治安警情", "gongzhi.safety", _safety_history),
    ("通知渠道", "gongzhi.core", _notification_choices),
    ("矛盾纠纷与信访", "gongzhi.disputes", _disputes),
    ("网格与社区", "gongzhi.grid", _grid),
    ("应急管理", "gongzhi.emergency", _emergency),
    ("公众参与", "gongzhi.participation", _participation),
]


def rebuild_derived(out=print) -> None:
    """Best effort: a failing step is reported in one line and does not spoil the demo."""
    for label, app, step in DERIVED:
        if not apps.is_installed(app):
            continue
        started = time.monotonic()
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - another app's failure must not undo the demo
            out(f"  {label}：未能生成（{type(exc).__name__}: {str(exc)[:120]}）")
        else:
            out(f"  {label}：已生成（{time.monotonic() - started:.1f} 秒）")
