"""The public and staff pages: what a citizen and the staff see and do in the browser's place."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core.models import AuditEntry
from gongzhi.participation import moderation, services
from gongzhi.participation.models import Moderation, Proposal
from gongzhi.participation.verification import Voter

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_citizen_submits_and_sees_it_waiting_for_review_while_the_public_does_not(org, categories):
    c = signed_in(org.citizen)
    r = c.post(reverse("participation:proposal_new"), {
        "title": "增设公交站台遮阳棚", "text": "幸福路公交站没有遮阳棚，夏天等车很晒，我的电话13812345678。",
        "category": categories["transport"].pk, "place": "幸福路12号3单元501室"})
    proposal = Proposal.objects.get()
    assert r.status_code == 302 and r.url == reverse("participation:proposal_detail", args=[proposal.pk])
    page = c.get(r.url).content.decode()
    assert "正在审核" in page and "13812345678" not in page and "[电话]" in page
    assert Client().get(r.url).status_code == 404
    assert "增设公交站台遮阳棚" not in Client().get(reverse("participation:proposal_list")).content.decode()


def test_a_public_proposal_is_listed_sorted_and_supported_once(org, propose, citizens):
    first, second = propose(title="多建口袋公园"), propose(title="夜间延长图书馆开放")
    services.support(second, Voter(user=citizens[1]))
    listing = Client().get(reverse("participation:proposal_list") + "?sort=support").content.decode()
    assert listing.index("夜间延长图书馆开放") < listing.index("多建口袋公园")
    c = signed_in(citizens[2])
    url = reverse("participation:proposal_support", args=[first.pk])
    c.post(url)
    c.post(url)
    assert Proposal.objects.get(pk=first.pk).support_count == 1
    page = c.get(reverse("participation:proposal_detail", args=[first.pk])).content.decode()
    assert "撤回支持" in page
    public = Client().get(reverse("participation:proposal_detail", args=[first.pk])).content.decode()
    assert citizens[2].username not in public  # supporters are counted, never named


def test_an_unverified_visitor_is_sent_to_verify_first(propose):
    proposal = propose()
    r = Client().post(reverse("participation:proposal_support", args=[proposal.pk]))
    assert r.status_code == 302 and r.url.startswith(reverse("participation:verify"))


def test_the_author_is_masked_or_anonymous_in_public(org, propose):
    org.citizen.display_name = "林晓雨"
    org.citizen.save()
    named, anonymous = propose(title="建议一甲"), propose(title="建议二乙", anonymous=True)
    page = Client().get(reverse("participation:proposal_detail", args=[named.pk])).content.decode()
    assert "林晓雨" not in page and "林*" in page
    page = Client().get(reverse("participation:proposal_detail", args=[anonymous.pk])).content.decode()
    assert "匿名" in page and "林" not in page.split("<main")[-1].split("办理过程")[0].replace("林晓雨", "")


def test_staff_give_it_to_a_department_which_answers_in_public(org, propose):
    proposal = propose()
    r = signed_in(org.dispatcher).post(reverse("participation:staff_proposal_action", args=[proposal.pk, "assign"]),
                                       {"department": org.housing.pk})
    assert r.status_code == 302
    handler = signed_in(org.handler_housing)
    assert proposal.number in handler.get(reverse("participation:staff_proposals")).content.decode()
    handler.post(reverse("participation:staff_proposal_action", args=[proposal.pk, "answer"]),
                 {"outcome": "partly_adopted", "text": "南门草坪将增设秋千，滑梯因场地限制暂不建设。"})
    page = Client().get(reverse("participation:proposal_detail", args=[proposal.pk])).content.decode()
    assert "部分采纳" in page and "南门草坪将增设秋千" in page
    # Another department's handler sees no such proposal (404, not 403).
    assert signed_in(org.handler_env).get(reverse("participation:staff_proposal", args=[proposal.pk])).status_code == 404


def test_a_refused_action_is_a_message_not_an_error(org, propose):
    proposal = propose()
    r = signed_in(org.dispatcher).post(reverse("participation:staff_proposal_action", args=[proposal.pk, "assign"]),
                                       {"department": ""}, follow=True)
    assert r.status_code == 200 and "请选择答复部门" in r.content.decode()


def test_revealing_the_phone_of_a_phone_verified_proposer_is_audited(org, categories):
    proposal = services.submit(Voter(phone_key="k" * 64), title="河道清淤", text="小区旁边的河道淤积严重，夏天有异味。",
                               category=categories["environment"], phone="13912345678")
    c = signed_in(org.supervisor)
    page = c.get(reverse("participation:staff_proposal", args=[proposal.pk])).content.decode()
    assert "13912345678" not in page and "139****5678" in page
    assert c.post(reverse("participation:staff_proposal_reveal", args=[proposal.pk])).content.decode() == "13912345678"
    assert AuditEntry.objects.filter(action="reveal_personal_data", target_id=str(proposal.pk)).exists()
    assert signed_in(org.handler_env).post(reverse("participation:staff_proposal_reveal", args=[proposal.pk])).status_code == 404


def test_the_moderation_queue_approves_and_hides_with_a_reason(org, propose):
    proposal = propose(approve=False)
    c = signed_in(org.operator)
    queue = c.get(reverse("participation:moderation")).content.decode()
    assert "在东湖公园增设儿童游乐设施" in queue
    case = moderation.case_of(Moderation.Item.PROPOSAL, proposal.pk)
    r = c.post(reverse("participation:moderation_action", args=[case.pk, "hide"]), {"reason": ""}, follow=True)
    assert "理由" in r.content.decode()
    c.post(reverse("participation:moderation_action", args=[case.pk, "hide"]), {"reason": "广告内容"})
    assert Client().get(reverse("participation:proposal_detail", args=[proposal.pk])).status_code == 404
    assert signed_in(org.citizen).get(reverse("participation:moderation")).status_code == 404


def test_every_page_opens(org, propose, client):
    proposal = propose()
    for name, args in (("proposal_list", []), ("proposal_detail", [proposal.pk]), ("consultation_list", []),
                       ("survey_list", []), ("verify", [])):
        assert client.get(reverse(f"participation:{name}", args=args)).status_code == 200, name
    assert client.get(reverse("participation:proposal_new")).status_code == 302
    c = signed_in(org.admin)
    for name in ("staff_proposals", "moderation", "staff_consultations"):
        assert c.get(reverse(f"participation:{name}")).status_code == 200, name
    assert c.get(reverse("participation:staff_proposal", args=[proposal.pk])).status_code == 200
