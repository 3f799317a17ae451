"""The lifecycle of a police incident, declared once (core.lifecycle): an incident moves to another
status, and the action is named by the status it leads to. Nothing returns to "reported".

`services.change_status` requires it; who may edit an incident of which region is
`services.can_edit` (the roles below, within the analyst's region).
"""
from __future__ import annotations

from django.utils.translation import gettext

from gongzhi.core.lifecycle import Lifecycle, Transition

from .models import EDIT_ROLES, IncidentStatus

REPORTED, INVESTIGATING, SOLVED, CLOSED = (IncidentStatus.REPORTED, IncidentStatus.INVESTIGATING,
                                           IncidentStatus.SOLVED, IncidentStatus.CLOSED)


def _state_refusal(incident, transition: Transition) -> str:
    return gettext("警情当前为“%(current)s”，不能改为“%(wanted)s”") % {
        "current": incident.get_status_display(), "wanted": IncidentStatus(transition.target).label}


INCIDENT_LIFECYCLE = Lifecycle([
    Transition(REPORTED, (), EDIT_ROLES, REPORTED, label=IncidentStatus.REPORTED.label),
    Transition(INVESTIGATING, (REPORTED, SOLVED, CLOSED), EDIT_ROLES, INVESTIGATING,
               label=IncidentStatus.INVESTIGATING.label),
    Transition(SOLVED, (REPORTED, INVESTIGATING), EDIT_ROLES, SOLVED, label=IncidentStatus.SOLVED.label),
    Transition(CLOSED, (REPORTED, INVESTIGATING, SOLVED), EDIT_ROLES, CLOSED, label=IncidentStatus.CLOSED.label),
], state_refusal=_state_refusal)
