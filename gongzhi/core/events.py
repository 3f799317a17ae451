"""The history of a case: one append-only event model per case type, written by one function.

A case type (an appeal, a police incident, an alert …) declares its event model as a subclass of
`CaseEvent` with a foreign key to the case whose ``related_name`` is ``"events"``::

    class DisputeEvent(CaseEvent):
        dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")

        class Meta(CaseEvent.Meta):
            pass

and its services call `record_event(case, kind, actor, ...)`: who did what, when, from which
state to which. Nothing else writes events (bulk imports may ``bulk_create`` rows of the same
shape, for speed).
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from . import hooks

RECORDED = "event.recorded"  # the hook topic every event is published on (subscribe with sender=its model)
SYSTEM_LABEL = "系统"  # the actor label of what the platform does by itself (sweeps, automatic dispatch)


def actor_label(actor) -> str:
    """How an event names its actor, kept even when the account is deleted later."""
    return SYSTEM_LABEL if actor is None else str(actor)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


class CaseEvent(models.Model):
    """One entry in a case's history. Subclasses add the foreign key to their case (related_name
    "events") and may add columns of their own (AppealEvent.department) or override a field's
    indexing; `record_event` fills an added column from the keyword of the same name."""

    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    public = models.BooleanField(default=False)  # shown on the public timeline (the case type decides where)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    # The columns every event has; record_event() passes any other keyword naming a column of the
    # concrete model to that column, and the rest into `data`.
    BASE_FIELDS = frozenset({"id", "kind", "actor", "actor_label", "from_status", "to_status", "note", "public",
                             "data", "created_at"})

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.from_status}->{self.to_status}"

    @classmethod
    def case_field(cls) -> models.ForeignKey:
        """The foreign key to the case (the one whose related_name is "events")."""
        for field in cls._meta.concrete_fields:
            if field.is_relation and field.remote_field.related_name == "events":
                return field
        raise TypeError(f"{cls.__name__} has no foreign key with related_name='events'")

    @property
    def case_id(self):
        return getattr(self, self.case_field().attname)


def _events_key(case) -> models.ForeignKey:
    """The foreign key of the case's event model to the case (the one behind ``case.events``)."""
    model = case if isinstance(case, type) else type(case)
    field = getattr(getattr(model, "events", None), "field", None)
    if field is None or not issubclass(field.model, CaseEvent):
        raise TypeError(f"{model.__name__}.events is not the history of a CaseEvent model")
    return field


def event_model(case) -> type[CaseEvent]:
    """The event model of a case (instance or model class): the model behind its ``events``."""
    return _events_key(case).model


def record_event(case, kind: str, actor=None, *, from_status: str = "", to_status: str = "", note: str = "",
                 public: bool = False, at=None, **data) -> CaseEvent:
    """Append one event to `case`'s history, inside the caller's transaction. `to_status` defaults
    to `from_status` (an action that keeps the state). A keyword naming a column of the concrete event model (AppealEvent.department)
    fills that column; every other keyword is kept in `data`."""
    key = _events_key(case)
    model = key.model
    columns = {name: data.pop(name) for name in list(data)
               if name not in CaseEvent.BASE_FIELDS and _is_column(model, name)}
    event = model.objects.create(
        **{key.name: case}, kind=kind, actor=_user(actor), actor_label=actor_label(actor),
        from_status=from_status, to_status=to_status or from_status, note=note, public=public, data=data,
        created_at=at or timezone.now(), **columns,
    )
    hooks.publish(RECORDED, event)  # after the caller's commit
    return event


def _is_column(model, name: str) -> bool:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a data key
        return False
    return getattr(field, "concrete", False)
