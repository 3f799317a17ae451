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


def test_an_appeals_person_is_referred_to_care_from_the_appeal_page(org, make_appeal, officer):
    from gongzhi.appeals.models import AppealEvent
    from gongzhi.disputes.care_models import CareReferral

    appeal = make_appeal(content="东湖社区3栋电梯坏了两个月，物业不修，我真的活不下去了，想一死了之。")
    supervisor = Client()
    supervisor.force_login(org.supervisor)
    page = supervisor.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="distress"' in page and f"/disputes/from-appeal/{appeal.pk}/care/" in page
    events_before = AppealEvent.objects.filter(appeal=appeal).count()
    follow_up = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    answer = supervisor.post(f"/disputes/from-appeal/{appeal.pk}/care/",
                             {"worker": officer.pk, "reason": "诉求人情绪低落，有轻生表述", "follow_up_on": follow_up})
    assert answer.status_code == 302 and answer.url == f"/staff/appeals/{appeal.pk}/"
    referral = CareReferral.objects.get(appeal=appeal)
    assert (referral.worker, referral.created_by, referral.follow_up_on.isoformat()) == (officer, org.supervisor, follow_up)
    assert Notification.objects.filter(user=officer, kind="care_referral").exists()
    assert AuditEntry.objects.filter(action="open_care_referral", target_id=str(referral.pk)).exists()
    # The appeal's history, read by every department it went to, does not say it.
    assert AppealEvent.objects.filter(appeal=appeal).count() == events_before
    page = supervisor.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert f"/disputes/care/{referral.pk}/" in page
    care_page = supervisor.get(f"/disputes/care/{referral.pk}/").content.decode()
    assert appeal.tracking_number in care_page and "有轻生表述" in care_page

    # An operator sees the appeal but arranges no care: no form, and a post is refused, nothing made.
    operator = Client()
    operator.force_login(org.operator)
    assert f"/disputes/from-appeal/{appeal.pk}/care/" not in operator.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    operator.post(f"/disputes/from-appeal/{appeal.pk}/care/",
                  {"worker": officer.pk, "reason": "x", "follow_up_on": follow_up})
    assert CareReferral.objects.filter(appeal=appeal).count() == 1


def test_a_care_referral_for_an_appeal_out_of_scope_is_a_404(org, make_appeal, officer):
    from gongzhi.core.models import Role

    from .conftest import person

    appeal = make_appeal()
    west = Client()
    west.force_login(person("west_supervisor", Role.SUPERVISOR, region=org.west))
    answer = west.post(f"/disputes/from-appeal/{appeal.pk}/care/", {"worker": officer.pk, "reason": "x",
                                                                     "follow_up_on": timezone.localdate().isoformat()})
    assert answer.status_code == 404
