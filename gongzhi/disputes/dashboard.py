"""The disputes' panel on the evaluation dashboards (core.dashboards): mediation success rate and
median days from acceptance to conclusion over the last twelve months, per community and per kind,
over the reader's scope (Dispute.restrict), each row linking to its disputes. Registered in
AppConfig.ready(); evaluation draws it without importing this app."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import pages, stats
from .models import Dispute

WINDOW_DAYS = 365


def _table(caption: str, unit: str, rows: list[dict], param: str, key: str) -> dict:
    base = reverse("disputes:dispute_list")
    return {"caption": caption,
            "headers": [unit, _("调解终结"), _("调解成功"), _("成功率"), _("调解天数中位数")],
            "rows": [[{"text": r["name"], "url": f"{base}?{urlencode({param: r[key]})}"}, r["concluded"], r["agreed"],
                      f"{r['success_rate']}%", r["median_days"]] for r in rows]}


def mediation_panel(user) -> dict | None:
    if not pages.DISPUTES.permits(user):
        return None
    disputes = Dispute.objects.restrict(user)
    since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
    total = stats.overall(disputes, since=since)
    if total is None:
        return {"note": _("近12个月没有调解终结的纠纷。")}
    return {
        "note": _("近12个月调解终结的纠纷（受理至调解终结的天数；移交法院、仲裁或行政机关的计为未成功）。"),
        "figures": [{"label": _("调解终结"), "value": total["concluded"]},
                    {"label": _("调解成功率"), "value": f"{total['success_rate']}%"},
                    {"label": _("调解天数中位数"), "value": total["median_days"]}],
        "tables": [_table(_("按社区"), _("社区"), stats.mediation_results(disputes, "region", since=since),
                          "region", "id"),
                   _table(_("按纠纷类型"), _("类型"), stats.mediation_results(disputes, "kind", since=since),
                          "kind", "code")],
    }


def screening_panel(user) -> dict | None:
    """The grid worker's screening tasks still to report (排查任务), for their phone page."""
    from .screening_models import ScreeningTask

    if not pages.SCREENING.permits(user):
        return None
    tasks = (ScreeningTask.objects.filter(assignee=user, status=ScreeningTask.Status.PENDING)
             .select_related("campaign", "grid", "community").order_by("due_at")[:20])
    if not tasks:
        return None
    return {"tables": [{"caption": "", "headers": [_("排查"), _("截止")],
                        "rows": [[{"text": f"{t.campaign.title} · {t.unit}",
                                   "url": reverse("disputes:task_detail", args=[t.pk])},
                                  timezone.localtime(t.due_at).strftime("%m-%d")] for t in tasks]}]}


def register() -> None:
    from django.utils.translation import gettext_lazy

    from gongzhi.core import dashboards

    dashboards.register_panel("disputes.mediation", gettext_lazy("矛盾纠纷调解成效"), mediation_panel, order=20)
    dashboards.register_panel("disputes.screening", gettext_lazy("排查任务"), screening_panel, order=20,
                              board="field")
