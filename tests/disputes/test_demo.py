"""The demo city's disputes and petitions part, on the test organisation: every stage is there."""
from __future__ import annotations

from gongzhi.demo.disputes import build_demo_disputes
from gongzhi.disputes.models import Dispute
from gongzhi.disputes.petition_models import Petition
from gongzhi.disputes.screening_models import ScreeningTask


def test_the_demo_has_campaigns_and_disputes_and_petitions_at_every_stage(org, kinds):
    summary = build_demo_disputes()
    assert set(Dispute.objects.values_list("status", flat=True)) == set(Dispute.Status.values)
    assert Dispute.objects.filter(reopen_count=1).exists() and Dispute.objects.filter(due_state="overdue").exists()
    stages = set(Petition.objects.values_list("status", flat=True))
    assert stages >= {"received", "accepted", "not_accepted", "answered", "review_requested", "concluded"}
    assert Petition.objects.filter(extension_days=30).exists() and Petition.objects.filter(is_group=True).exists()
    assert Petition.objects.filter(on_concluded_matter=True).exists()
    assert Petition.objects.filter(status="received", due_state="overdue").exists()
    assert set(ScreeningTask.objects.values_list("status", flat=True)) >= {"found", "pending"}
    assert summary["campaigns"] == 2
