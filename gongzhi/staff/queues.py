"""The appeal queue as a centre works it: filtered and sorted by the columns that matter, each row
with its urgency and the mark of a return (退单) with the reason, and bulk actions in which every
item goes through the same service as the single action (a refusal is listed, never a 500)."""
from __future__ import annotations

import datetime as dt

from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.appeals import services
from gongzhi.appeals.lifecycle import APPEAL_LIFECYCLE
from gongzhi.appeals.models import OPEN_STATUSES, Appeal, Assignment, Urgency
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.lifecycle import may_act
from gongzhi.core.models import Department, Region

from .forms import OPEN, AppealFilterForm

URGENCY_RANK = Case(When(urgency=Urgency.CRITICAL, then=Value(0)), When(urgency=Urgency.URGENT, then=Value(1)),
                    default=Value(2), output_field=IntegerField())

# sort key -> (column label, ordering ascending, ordering descending). Deadlines without a date last.
SORTS = {
    "received": (gettext_lazy("受理时间"), [F("received_at").asc(), "id"], [F("received_at").desc(), "-id"]),
    "due": (gettext_lazy("办理时限"), [F("due_at").asc(nulls_last=True), "id"], [F("due_at").desc(nulls_last=True), "-id"]),
    "urgency": (gettext_lazy("紧急程度"), [URGENCY_RANK.asc(), F("due_at").asc(nulls_last=True)],
                [URGENCY_RANK.desc(), F("due_at").asc(nulls_last=True)]),
    "category": (gettext_lazy("分类"), [F("category__code").asc(nulls_last=True), "id"],
                 [F("category__code").desc(nulls_last=True), "-id"]),
    "region": (gettext_lazy("区域"), [F("region__path").asc(nulls_last=True), "id"],
               [F("region__path").desc(nulls_last=True), "-id"]),
    "channel": (gettext_lazy("渠道"), ["channel", "id"], ["-channel", "-id"]),
    "returned": (gettext_lazy("退单"), ["return_count", "id"], ["-return_count", "-id"]),
    "status": (gettext_lazy("状态"), ["status", "id"], ["-status", "-id"]),
}
DEFAULT_SORT = "-received"


def sort_choices():
    out = []
    for key, (label, _asc, _desc) in SORTS.items():
        out += [(key, label), (f"-{key}", label)]
    return out


def _last_return(field: str):
    return Subquery(Assignment.objects.filter(appeal=OuterRef("pk"), state=Assignment.State.RETURNED)
                    .order_by("-finished_at", "-id").values(field)[:1])


def return_annotations() -> dict:
    """last_return_reason and last_return_department of each appeal (the latest 退单), for the queues."""
    return {"last_return_reason": _last_return("return_reason"),
            "last_return_department": _last_return("department__name")}


def filtered_appeals(request, data=None):
    """(form, queryset) for the filters in the query string, sorted as asked (newest first by default)."""
    form = AppealFilterForm(data if data is not None else (request.GET or None))
    qs = (Appeal.objects.restrict(request.user)
          .select_related("category", "category__parent", "lead_department", "region")
          .annotate(**return_annotations()))
    sort = DEFAULT_SORT
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            term = d["q"].strip()
            qs = qs.filter(Q(tracking_number=term.upper()) | Q(title__icontains=term) | Q(content__icontains=term))
        if d["status"] == OPEN:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif d["status"]:
            qs = qs.filter(status=d["status"])
        for field in ("due_state", "channel", "urgency"):
            if d[field]:
                qs = qs.filter(**{field: d[field]})
        if d["category"]:
            qs = qs.filter(Q(category_id=d["category"]) | Q(category__parent_id=d["category"]))
        if d["department"]:
            qs = qs.filter(lead_department_id=d["department"])
        if d["region"]:
            region = Region.objects.filter(pk=d["region"]).first()
            if region:
                qs = qs.filter(region__path__startswith=region.path)
        if d["returned"] == "yes":
            qs = qs.filter(return_count__gt=0)
        elif d["returned"] == "no":
            qs = qs.filter(return_count=0)
        tz = timezone.get_current_timezone()
        if d["date_from"]:
            qs = qs.filter(received_at__gte=dt.datetime.combine(d["date_from"], dt.time.min, tz))
        if d["date_to"]:
            qs = qs.filter(received_at__lt=dt.datetime.combine(d["date_to"] + dt.timedelta(days=1), dt.time.min, tz))
        if d["due_before"]:
            qs = qs.filter(due_at__lt=dt.datetime.combine(d["due_before"] + dt.timedelta(days=1), dt.time.min, tz))
        sort = d["sort"] or DEFAULT_SORT
    ids = [int(v) for v in (request.GET.get("ids") or "").split(",") if v.strip().isdigit()][:BULK_MAX]
    if ids:  # a bulk export of the rows ticked on the page
        qs = qs.filter(pk__in=ids)
    key = sort.lstrip("-")
    _label, ascending, descending = SORTS[key]
    return form, qs.order_by(*(descending if sort.startswith("-") else ascending))


def sort_links(request, current: str) -> dict:
    """{column key: {"url": query string sorting by it, "dir": "asc"|"desc"|""}} for the table head."""
    current = current or DEFAULT_SORT
    links = {}
    for key in SORTS:
        params = request.GET.copy()
        params.pop("page", None)
        if current == key:
            params["sort"], direction = f"-{key}", "asc"
        elif current == f"-{key}":
            params["sort"], direction = key, "desc"
        else:
            params["sort"], direction = (key if key in ("due", "urgency") else f"-{key}"), ""
        links[key] = {"url": "?" + params.urlencode(), "dir": direction}
    return links


def queue_rows(request, limit: int):
    form, qs = filtered_appeals(request)
    return form, list(qs[:limit]), qs.count()


# ---------------------------------------------------------------- bulk actions

BULK_MAX = 200
BULK_LABELS = {"dispatch": gettext_lazy("批量派单"), "urge": gettext_lazy("批量催办"), "export": gettext_lazy("导出所选")}


def bulk_choices(user) -> list[tuple[str, str]]:
    """The bulk actions this user's roles allow (the lifecycle's roles; export for every staff member)."""
    return [(name, BULK_LABELS[name]) for name in ("dispatch", "urge")
            if may_act(user, APPEAL_LIFECYCLE[name].roles)] + [("export", BULK_LABELS["export"])]


def _bulk_dispatch(request, appeal):
    value = request.POST.get("lead", "")
    lead = Department.objects.filter(pk=value, active=True).first() if value.isdigit() else None
    if lead is None:
        raise FieldErrors({"lead": _("请选择承办单位")})
    services.dispatch(appeal, request.user, lead, instructions=request.POST.get("instructions", "").strip())


def _bulk_urge(request, appeal):
    services.urge(appeal, request.user, request.POST.get("note", "").strip())


BULK_ACTIONS = {"dispatch": _bulk_dispatch, "urge": _bulk_urge}


def selected(request):
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()][:BULK_MAX]
    return Appeal.objects.restrict(request.user).filter(pk__in=ids)


def run_bulk(request, action: str) -> tuple[list[Appeal], list[tuple[Appeal, str]]]:
    """Apply `action` to each selected appeal the user can see, one service call (transaction) each."""
    done, refused = [], []
    act = BULK_ACTIONS[action]
    for appeal in selected(request).order_by("received_at", "id"):
        try:
            act(request, appeal)
        except ActionRefused as exc:
            refused.append((appeal, str(exc)))
        except FieldErrors as exc:
            refused.append((appeal, "；".join(str(m) for m in exc.errors.values())))
        else:
            done.append(appeal)
    return done, refused


def assignment_return_annotations() -> dict:
    """The same for a department's assignment rows: the appeal's latest return by any department."""
    latest = (Assignment.objects.filter(appeal=OuterRef("appeal"), state=Assignment.State.RETURNED)
              .order_by("-finished_at", "-id"))
    return {"last_return_reason": Subquery(latest.values("return_reason")[:1]),
            "last_return_department": Subquery(latest.values("department__name")[:1])}
