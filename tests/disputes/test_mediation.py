"""A dispute from report to agreement, its follow-up, a broken agreement, a failed mediation's
referral, the mediation time limit, the computed risk and its override, and the parties' privacy."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from docx import Document

from gongzhi.core.deadlines import DueState
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.models import AuditEntry, Notification
from gongzhi.core.reveal import reveal
from gongzhi.core.scoping import get_visible_or_404
from gongzhi.disputes import services
from gongzhi.disputes.lifecycle import DISPUTE_LIFECYCLE
from gongzhi.disputes.models import Dispute

from .conftest import PARTIES


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_whole_mediation_path_ends_in_a_signed_agreement(org, report, kinds):
    dispute = report()
    assert dispute.number.startswith("TJ") and dispute.status == "reported"
    assert dispute.region == org.east_c  # the grid's community
    assert [p.name for p in dispute.parties.all()] == ["王建国", "李秀英"]

    dispute = services.accept(dispute, org.mediator)
    assert (dispute.status, dispute.mediator) == ("mediating", org.mediator)
    assert dispute.due_at.date() >= (timezone.localtime(dispute.accepted_at) + dt.timedelta(days=30)).date()

    services.record_session(dispute, org.mediator, held_at=timezone.now() - dt.timedelta(hours=1),
                            place="东湖社区调解室", participants="王建国、李秀英、调解员", record="双方陈述，初步同意维修分担。")
    dispute = services.settle(dispute, org.mediator, outcome="调解成功",
                              terms="李秀英负责维修卫生间防水\n李秀英赔偿王建国装修损失3000元",
                              performance="2026年12月31日前一次性付清")
    assert dispute.status == "agreed" and dispute.sessions.count() == 1

    document = docx_text(services.agreement_document(dispute, org.mediator))
    for expected in ("人民调解协议书", dispute.number, "王建国", "李秀英", "110101198001011234",
                     "李秀英负责维修卫生间防水", "赔偿王建国装修损失3000元", "2026年12月31日前一次性付清",
                     "签名或盖章", "3栋301卫生间漏水"):
        assert expected in document
    # The agreement shows the identities in full: making it is an audited reveal, one per party.
    assert AuditEntry.objects.filter(action="reveal_personal_data", target_type="disputes.disputeparty").count() == 2
    with pytest.raises(ActionRefused):
        services.agreement_document(dispute, org.grid_worker)

    scan = SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    dispute = services.upload_signed(dispute, org.mediator, scan)
    assert dispute.signed_uploaded_by == org.mediator and dispute.signed_scan.name.endswith(".pdf")

    dispute = services.follow_up(dispute, org.mediator, kept=True, note="已维修，已付款")
    dispute = services.close(dispute, org.mediator)
    assert dispute.status == "closed"
    assert list(dispute.events.values_list("kind", flat=True)) == [
        "reported", "accept", "session", "settle", "upload_signed", "follow_up", "close"]


def test_a_broken_agreement_reopens_the_mediation_with_a_new_time_limit(org, report):
    dispute = services.accept(report(), org.mediator)
    dispute = services.settle(dispute, org.mediator, outcome="", terms="赔偿3000元", performance="一周内")
    first_due = dispute.due_at
    later = timezone.now() + dt.timedelta(days=10)
    dispute = services.follow_up(dispute, org.mediator, kept=False, note="对方拒不付款", at=later)
    assert (dispute.status, dispute.reopen_count) == ("mediating", 1)
    assert dispute.due_at > first_due
    assert dispute.events.last().kind == "reopened"
    assert Notification.objects.filter(user=org.mediator, kind="dispute_reopened").exists()
    assert dispute.visits.get().kept is False


def test_a_failed_mediation_is_referred_and_its_result_closes_the_case(org, report):
    dispute = services.accept(report(), org.mediator)
    with pytest.raises(FieldErrors):
        services.fail(dispute, org.mediator, outcome=" ")
    dispute = services.fail(dispute, org.mediator, outcome="双方分歧过大")
    with pytest.raises(FieldErrors) as refused:
        services.refer(dispute, org.mediator, kind="police", body="某派出所")
    assert "kind" in refused.value.errors
    referral = services.refer(dispute, org.mediator, kind="court", body="示范区人民法院", note="诉调对接")
    dispute.refresh_from_db()
    assert dispute.status == "referred" and referral.get_kind_display() == "人民法院"
    dispute = services.referral_result(dispute, org.mediator, result="法院调解结案")
    referral.refresh_from_db()
    assert (dispute.status, referral.result) == ("closed", "法院调解结案") and referral.result_at


def test_actions_out_of_order_or_role_are_refused_and_change_nothing(org, report):
    dispute = report()
    with pytest.raises(ActionRefused) as refused:
        services.settle(dispute, org.mediator, outcome="", terms="x", performance="y")
    assert "不能调解成功" in str(refused.value)
    with pytest.raises(ActionRefused):
        services.accept(dispute, org.grid_worker)
    with pytest.raises(FieldErrors):
        services.report(actor=org.grid_worker, title="x", facts="y", kind=None, region=org.east_c,
                        parties=PARTIES[:1], amount="lots")
    dispute.refresh_from_db()
    assert dispute.status == "reported" and dispute.events.count() == 1 and Dispute.objects.count() == 1
    assert DISPUTE_LIFECYCLE.allowed(dispute, org.mediator) == ["accept", "override_risk"]


def test_the_mediation_time_limit_is_swept_and_escalated_once(org, report):
    dispute = services.accept(report(), org.mediator)
    assert services.sweep_deadlines(dispute.due_at - dt.timedelta(hours=2))["due_soon"] == 1
    assert services.sweep_deadlines(dispute.due_at + dt.timedelta(hours=1))["newly_overdue"] == 1
    assert services.sweep_deadlines(dispute.due_at + dt.timedelta(hours=2))["newly_overdue"] == 0
    dispute.refresh_from_db()
    assert dispute.due_state == DueState.OVERDUE and dispute.events.last().kind == "overdue"
    told = set(Notification.objects.filter(kind="overdue").values_list("user__username", flat=True))
    assert told == {"mediator", "supervisor", "east_supervisor"}


def test_risk_is_computed_with_reasons_and_red_or_orange_alarm_the_region(org, report, kinds):
    calm = report()
    assert calm.risk_level == "blue" and not Notification.objects.filter(kind="dispute_risk").exists()

    wages = report(title="工地拖欠农民工工资", kind=kinds["labour_wages"], people_involved=30, amount="850000",
                   facts="三十多名农民工讨薪，扬言要去上访、拉横幅，有人说再不给钱就跳楼。",
                   parties=[{"name": "刘大军", "phone": "13955556666"}, {"name": "某建筑公司", "kind": "organisation"}])
    assert wages.risk_level == "red" and wages.distress
    reasons = " ".join(wages.risk_reasons)
    assert "涉及30人" in reasons and "易激化" in reasons and "跳楼" in reasons and "850,000" in reasons
    told = set(Notification.objects.filter(kind="dispute_risk").values_list("user__username", flat=True))
    assert told == {"supervisor", "east_supervisor"}

    # A party seen before makes a repeat; the override keeps the computed level and its reason.
    again = report(parties=[PARTIES[0], {"name": "赵六"}])
    assert any("重复" in r for r in again.risk_reasons)
    with pytest.raises(FieldErrors) as refused:
        services.override_risk(again, org.mediator, level="orange", reason="")
    assert "理由" in refused.value.errors["reason"]
    Notification.objects.all().delete()
    again = services.override_risk(again, org.mediator, level="orange", reason="当事人情绪激动，曾有冲突")
    assert (again.risk_level, again.computed_risk_level, again.risk_overridden) == ("orange", calm.risk_level, True)
    assert Notification.objects.filter(kind="dispute_risk", user=org.supervisor).exists()


def test_parties_details_are_revealed_only_to_roles_that_contact_them_and_audited(org, report):
    party = report().parties.first()
    assert reveal(party, org.mediator, "phone") == "13911112222"
    entry = AuditEntry.objects.get(action="reveal_personal_data")
    assert entry.detail["field"] == "phone" and "13911112222" not in str(entry.detail)
    with pytest.raises(ActionRefused):
        reveal(party, org.grid_worker, "id_number")


def test_scope_a_mediator_sees_their_cases_a_community_its_own_and_others_get_404(org, report, east_mediator):
    from tests.disputes.conftest import person
    from gongzhi.core.models import Role

    east = report()
    west = report(grid=org.west_g, actor=org.operator)
    services.accept(east, east_mediator)
    west_worker = person("west_worker", Role.GRID_WORKER, grid=org.west_g)
    visible = lambda user: set(Dispute.objects.restrict(user).values_list("pk", flat=True))  # noqa: E731
    assert visible(east_mediator) == {east.pk}  # their own case; the west one is outside their region
    assert visible(org.mediator) == {west.pk}  # the district mediator: unassigned ones to take on
    assert visible(org.grid_worker) == {east.pk} and visible(west_worker) == {west.pk}
    assert visible(org.supervisor) == {east.pk, west.pk}
    with pytest.raises(Http404):
        get_visible_or_404(Dispute.objects, west_worker, pk=east.pk)


def test_mediation_success_rate_and_median_days_per_kind_and_region(org, report, kinds):
    now = timezone.now()
    for days, succeed in ((4, True), (10, True), (20, False)):
        dispute = services.accept(report(), org.mediator, at=now - dt.timedelta(days=days))
        if succeed:
            services.settle(dispute, org.mediator, outcome="", terms="赔偿", performance="一周内", at=now)
        else:
            services.fail(dispute, org.mediator, outcome="分歧大", at=now)
    services.accept(report(kind=kinds["traffic"]), org.mediator)  # still in mediation: not counted
    from gongzhi.disputes.stats import mediation_results

    by_kind = mediation_results(Dispute.objects.restrict(org.supervisor), "kind")
    assert by_kind == [{"id": kinds["neighbour"].pk, "code": "neighbour", "name": "邻里纠纷", "concluded": 3, "agreed": 2, "success_rate": 66.7, "median_days": 10.0}]
    assert mediation_results(Dispute.objects.restrict(org.supervisor), "region")[0]["name"] == "东湖社区"
    client = __import__("django.test", fromlist=["Client"]).Client()
    client.force_login(org.supervisor)
    assert "66.7%" in client.get("/disputes/").content.decode()
