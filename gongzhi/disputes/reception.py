"""Leaders' reception days: scheduled by a petition officer, petitions put on the day's list, the
outcome recorded per case (and in the petition's history)."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from gongzhi.core import messages, scoping
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.lifecycle import may_act
from gongzhi.core.models import Role
from gongzhi.core.recipients import notify

from .petition_models import Petition
from .reception_models import ReceptionCase, ReceptionDay

ORGANISERS = (Role.PETITION_OFFICER,)


def _require(actor) -> None:
    if not may_act(actor, ORGANISERS):
        raise ActionRefused(_("您的角色无权安排领导接访"))


def schedule(actor, *, leader, day: dt.date | None, place: str, region) -> ReceptionDay:
    _require(actor)
    errors = {}
    if leader is None or not (leader.is_superuser or scoping.has_role(leader, Role.LEADER)):
        errors["leader"] = _("请选择接访领导")
    if day is None:
        errors["day"] = _("请填写接访日期")
    if not (place or "").strip():
        errors["place"] = _("请填写接访地点")
    if region is None:
        errors["region"] = _("请选择所属区域")
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        reception = ReceptionDay.objects.create(leader=leader, day=day, place=place.strip(), region=region,
                                                created_by=actor)
        notify([leader], "reception_day", messages.localised(N_("领导接访日：%(day)s，%(place)s"), day=day.isoformat(), place=place),
               "/disputes/reception/")
    return reception


def add_case(reception: ReceptionDay, actor, petition: Petition) -> ReceptionCase:
    _require(actor)
    if reception.cases.filter(petition=petition).exists():
        raise ActionRefused(_("该信访件已在接访名单中"))
    with transaction.atomic():
        item = ReceptionCase.objects.create(reception=reception, petition=petition)
        record_event(petition, "reception_listed", actor, from_status=petition.status, public=True,
                     note=_("列入%(day)s领导接访") % {"day": reception.day.isoformat()})
    return item


def record_outcome(item: ReceptionCase, actor, outcome: str) -> ReceptionCase:
    if not (may_act(actor, ORGANISERS) or actor.pk == item.reception.leader_id):
        raise ActionRefused(_("您的角色无权记录接访结果"))
    if not (outcome or "").strip():
        raise FieldErrors({"outcome": _("请填写接访结果")})
    with transaction.atomic():
        item.outcome, item.recorded_at = outcome.strip(), timezone.now()
        item.save()
        record_event(item.petition, "reception_outcome", actor, from_status=item.petition.status, public=True,
                     note=_("领导接访：%(outcome)s") % {"outcome": item.outcome})
    return item
