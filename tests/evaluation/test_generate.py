"""The bulk generator writes appeals whose KPI facts and rollups equal what the services compute."""
from __future__ import annotations

import pytest

from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.evaluation import services as ev
from gongzhi.evaluation.generate import generate
from gongzhi.evaluation.models import AppealFact, KpiRollup


def snapshot():
    facts = {f.appeal_id: f.to_fact() for f in AppealFact.objects.all()}
    rollups = {(r.kind, r.unit_id, r.month): r.counts() for r in KpiRollup.objects.all()}
    return facts, rollups


@pytest.mark.django_db
def test_generated_appeals_have_events_and_exact_rollups():
    result = generate(2500, months=3, seed=7, chunk=1000, log=lambda *_: None)
    assert result["appeals"] == 2500 and Appeal.objects.count() == 2500
    assert AppealEvent.objects.filter(kind="received").count() == 2500
    statuses = set(Appeal.objects.values_list("status", flat=True))
    assert {"closed", "merged"} <= statuses
    facts, rollups = snapshot()
    ev.rebuild()
    facts2, rollups2 = snapshot()
    assert facts == facts2
    assert rollups == rollups2


def test_generate_command_rejects_nonsense():
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate", "--appeals", "0")
