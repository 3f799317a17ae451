"""Supplies by warehouse, with their movements: in, out, transfer, count; and the request-and-
dispatch flow. Stock never goes below zero, however many dispatches run at once: a dispatch takes
stock with one conditional UPDATE (quantity >= n), which only as many concurrent dispatches win as
the stock covers; the database's CHECK constraint (quantity >= 0) stands behind it."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event

from .lifecycle import INCIDENT_LIFECYCLE
from .services import said
from .models import Item, Movement, Stock, SupplyRequest, Warehouse

K = Movement.Kind


def _positive(quantity) -> int:
    try:
        n = int(quantity)
    except (TypeError, ValueError):
        n = 0
    if n <= 0:
        raise FieldErrors({"quantity": _("数量必须是正整数")})
    return n


def _take(warehouse: Warehouse, item: Item, n: int) -> bool:
    return bool(Stock.objects.filter(warehouse=warehouse, item=item, quantity__gte=n)
                .update(quantity=F("quantity") - n))


def _put(warehouse: Warehouse, item: Item, n: int) -> None:
    stock, _created = Stock.objects.get_or_create(warehouse=warehouse, item=item)
    Stock.objects.filter(pk=stock.pk).update(quantity=F("quantity") + n)


def quantity(warehouse: Warehouse, item: Item) -> int:
    row = Stock.objects.filter(warehouse=warehouse, item=item).first()
    return row.quantity if row else 0


def receive(warehouse: Warehouse, item: Item, quantity, actor, note: str = "") -> Movement:
    n = _positive(quantity)
    with transaction.atomic():
        _put(warehouse, item, n)
        return Movement.objects.create(kind=K.IN, item=item, warehouse=warehouse, quantity=n, by=actor, note=note)


def _short(warehouse, item, n):
    return ActionRefused(_("%(warehouse)s 的 %(item)s 库存不足 %(n)d") % {
        "warehouse": warehouse.name, "item": item.name, "n": n})


def issue(warehouse: Warehouse, item: Item, quantity, actor, *, incident=None, note: str = "") -> Movement:
    n = _positive(quantity)
    try:
        with transaction.atomic():
            if not _take(warehouse, item, n):
                raise _short(warehouse, item, n)
            return Movement.objects.create(kind=K.OUT, item=item, warehouse=warehouse, quantity=-n, by=actor,
                                           incident=incident, note=note)
    except IntegrityError:  # the CHECK constraint: never reached while _take is conditional
        raise _short(warehouse, item, n) from None


def transfer(source: Warehouse, target: Warehouse, item: Item, quantity, actor, note: str = "") -> Movement:
    n = _positive(quantity)
    if source.pk == target.pk:
        raise FieldErrors({"to_warehouse": _("调入仓库不能与调出仓库相同")})
    with transaction.atomic():
        if not _take(source, item, n):
            raise _short(source, item, n)
        _put(target, item, n)
        return Movement.objects.create(kind=K.TRANSFER, item=item, warehouse=source, to_warehouse=target,
                                       quantity=-n, by=actor, note=note)


def count(warehouse: Warehouse, item: Item, counted, actor, note: str = "") -> Movement:
    """A stock count: the quantity found replaces the book figure; the movement keeps the difference."""
    try:
        found = int(counted)
    except (TypeError, ValueError):
        found = -1
    if found < 0:
        raise FieldErrors({"quantity": _("盘点数量必须是非负整数")})
    with transaction.atomic():
        stock, _created = Stock.objects.select_for_update().get_or_create(warehouse=warehouse, item=item)
        difference = found - stock.quantity
        stock.quantity = found
        stock.save(update_fields=["quantity"])
        return Movement.objects.create(kind=K.COUNT, item=item, warehouse=warehouse, quantity=difference, by=actor,
                                       note=note)


def request(incident, item: Item, quantity, actor) -> SupplyRequest:
    n = _positive(quantity)
    INCIDENT_LIFECYCLE.require(incident, "request_supplies", actor)
    return SupplyRequest.objects.create(incident=incident, item=item, quantity=n, requested_by=actor)


def dispatch(supply_request: SupplyRequest, warehouse: Warehouse, actor) -> SupplyRequest:
    """Dispatch a request from a warehouse: all of it or nothing (refused when stock is short)."""
    INCIDENT_LIFECYCLE.require_role(actor, "request_supplies")
    with transaction.atomic():
        locked = SupplyRequest.objects.select_for_update().select_related("incident", "item").get(pk=supply_request.pk)
        if locked.status != SupplyRequest.Status.REQUESTED:
            raise ActionRefused(_("该物资申请已处理"))
        if not _take(warehouse, locked.item, locked.quantity):
            raise _short(warehouse, locked.item, locked.quantity)
        Movement.objects.create(kind=K.OUT, item=locked.item, warehouse=warehouse, quantity=-locked.quantity,
                                by=actor, incident=locked.incident, note=_("物资申请 #%(id)d") % {"id": locked.pk})
        locked.status, locked.warehouse = SupplyRequest.Status.DISPATCHED, warehouse
        locked.save(update_fields=["status", "warehouse"])
        record_event(locked.incident, "supplies", actor, from_status=locked.incident.status,
                     **said(N_("调拨物资：%(item)s × %(n)d（%(warehouse)s）"), item=locked.item.name,
                            n=locked.quantity, warehouse=warehouse.name))
        type(locked.incident).objects.filter(pk=locked.incident_id).update(updated_at=timezone.now())
    return locked


def refuse(supply_request: SupplyRequest, actor, reason: str) -> SupplyRequest:
    """The office cannot meet a request (no warehouse holds enough): it says so, on the timeline."""
    if not (reason or "").strip():
        raise FieldErrors({"reason": _("请说明不能调拨的原因")})
    INCIDENT_LIFECYCLE.require_role(actor, "request_supplies")
    with transaction.atomic():
        locked = SupplyRequest.objects.select_for_update().select_related("incident", "item").get(pk=supply_request.pk)
        if locked.status != SupplyRequest.Status.REQUESTED:
            raise ActionRefused(_("该物资申请已处理"))
        locked.status = SupplyRequest.Status.REFUSED
        locked.save(update_fields=["status"])
        record_event(locked.incident, "supplies", actor, from_status=locked.incident.status,
                     **said(N_("物资申请未能满足：%(item)s × %(n)d（%(reason)s）"), item=locked.item.name,
                            n=locked.quantity, reason=reason.strip()[:100]))
        type(locked.incident).objects.filter(pk=locked.incident_id).update(updated_at=timezone.now())
    return locked
