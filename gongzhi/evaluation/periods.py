"""Which period a dashboard shows, and how it says a period is still running.

Dashboards open on the last complete period (a month two days old has a handful of appeals and
rates that mean little); the current period is one click away and every figure of it is marked
partial, in the period note and in the trend charts."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from . import kpis, services

PERIODS = ("month", "quarter", "year")


def month_label(m: dt.date) -> str:
    return f"{m.year}-{m.month:02d}"


def period_args(request) -> tuple[dt.date, str, list[dt.date]]:
    """(anchor month, period, its months) from ?month=&period=, by default the last complete period."""
    period = request.GET.get("period", "month")
    if period not in PERIODS:
        period = "month"
    month = services.parse_month(request.GET.get("month"), services.default_anchor(period))
    return month, period, kpis.period_months(period, month)


def period_note(request, month: dt.date, period: str) -> dict:
    """What _period_note.html shows: whether this period is partial, and links to the current and
    to the last complete period (the other query parameters kept)."""
    today = timezone.localdate()
    current = kpis.period_months(period, services.month_start(today))[0]
    complete = services.default_anchor(period, today)

    def url(m: dt.date) -> str:
        query = request.GET.copy()
        query["month"], query["period"] = month_label(m), period
        query.pop("page", None)
        return "?" + query.urlencode()

    return {"partial": services.is_partial(period, month, today), "as_of": today,
            "is_current": kpis.period_months(period, month)[0] == current,
            "is_complete": kpis.period_months(period, month)[0] == complete,
            "current_url": url(current), "current_label": month_label(current),
            "complete_url": url(complete), "complete_label": month_label(complete)}


def partial_index(months: list[dt.date], today: dt.date | None = None) -> int | None:
    """The position of the month still running in a monthly series, if it is in it."""
    today = today or timezone.localdate()
    for i, m in enumerate(months):
        if (m.year, m.month) >= (today.year, today.month):
            return i
    return None


def series_labels(months: list[dt.date], today: dt.date | None = None) -> tuple[list[str], int | None]:
    """Month labels for a trend chart, the running month labelled partial, and its position."""
    index = partial_index(months, today)
    labels = [month_label(m) for m in months]
    if index is not None:
        labels[index] = _("%(month)s（未完结）") % {"month": labels[index]}
    return labels, index
