"""情绪疏导: a case whose text shows distress says so; a care referral is opened for a worker with a
follow-up date, seen only by the roles that arrange care and the worker, and every view is audited."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.models import AuditEntry, Notification
from gongzhi.disputes import care
from gongzhi.disputes import petition_services as petitions


def test_a_distressed_party_is_referred_and_every_view_is_audited(org, report, officer):
    dispute = report(facts="对方拒不赔偿，当事人说活不下去了，想一死了之。")
    assert dispute.distress
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(FieldErrors) as refused:
        care.open_referral(dispute, org.mediator, worker=officer, reason="", follow_up_on=tomorrow - dt.timedelta(days=2))
    assert set(refused.value.errors) == {"reason", "follow_up_on"}
    with pytest.raises(ActionRefused):
        care.open_referral(dispute, org.grid_worker, worker=officer, reason="情绪低落", follow_up_on=tomorrow)
    referral = care.open_referral(dispute, org.mediator, worker=officer, reason="当事人情绪低落，有轻生念头",
                                  follow_up_on=tomorrow)
    assert Notification.objects.filter(user=officer, kind="care_referral").exists()
    assert dispute.events.last().kind == "care_referral" and "轻生" not in dispute.events.last().note

    mediator = Client()
    mediator.force_login(org.mediator)
    page = mediator.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "情绪异常" in page and f"/disputes/care/{referral.pk}/" in page
    assert "有轻生念头" in mediator.get(f"/disputes/care/{referral.pk}/").content.decode()
    assert AuditEntry.objects.filter(action="view_care_referral", target_id=str(referral.pk)).count() == 1

    worker = Client()
    worker.force_login(org.grid_worker)
    assert worker.get(f"/disputes/care/{referral.pk}/").status_code == 404
    assert f"/disputes/care/{referral.pk}/" not in worker.get(f"/disputes/{dispute.pk}/").content.decode()
    assert AuditEntry.objects.filter(action="view_care_referral").count() == 1

    care.close_referral(referral, officer, outcome="已疏导，情绪平稳")
    referral.refresh_from_db()
    assert referral.status == "closed"


def test_a_petition_with_threats_shows_distress(org, officer):
    petition = petitions.register(actor=officer, channel="visit", received_at=timezone.now(), petitioner_name="某",
                                  subject="补偿款", content="再不解决我就去跳楼", region=org.east_c)
    assert petition.distress
