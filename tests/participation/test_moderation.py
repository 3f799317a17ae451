"""Moderation: personal data scrubbed from public text, the administrator's sensitive words hidden
and put first in the queue, hiding with a reason, the author's appeal decided by someone else,
and nothing deleted: a hidden item keeps its text and its history, every action audited."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core import publication
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.models import AuditEntry, Notification
from gongzhi.core.publication import Review
from gongzhi.participation import moderation
from gongzhi.participation.models import Moderation, Proposal, SensitiveWord

pytestmark = pytest.mark.django_db
M = Moderation.Status


def test_public_text_loses_phones_id_numbers_house_numbers_and_names(org, propose):
    proposal = propose(text="我叫王小明，电话13812345678，身份证110101199001011234，住幸福路12号3单元501室，建议修路灯。")
    page = Client().get(reverse("participation:proposal_detail", args=[proposal.pk])).content.decode()
    for secret in ("王小明", "13812345678", "110101199001011234", "12号3单元501室"):
        assert secret not in page
    assert "建议修路灯" in page and "[电话]" in page


def test_an_admins_sensitive_word_is_hidden_everywhere_and_puts_the_text_first_in_the_queue(org, propose):
    plain = propose(approve=False, title="路灯不亮")
    SensitiveWord.objects.create(word="某某黑恶")
    flagged = propose(approve=False, title="举报某某黑恶势力", text="某某黑恶势力在小区收保护费，建议严厉打击。")
    queue = list(moderation.queue())
    assert [c.item_id for c in queue[:2]] == [flagged.pk, plain.pk]
    assert queue[0].flagged and queue[0].flagged_words == ["某某黑恶"]
    assert "某某黑恶" not in publication.public_text(flagged.text)
    moderation.approve(queue[0], org.operator)
    page = Client().get(reverse("participation:proposal_detail", args=[flagged.pk])).content.decode()
    assert "某某黑恶" not in page and publication.HIDDEN in page
    SensitiveWord.objects.all().delete()
    assert "某某黑恶" in publication.public_text(flagged.text)  # the list is read again once it changed


def test_an_unreviewed_item_is_public_after_the_delay_an_approved_one_at_once_a_hidden_one_never(org, propose):
    pending = propose(approve=False)
    assert not moderation.is_public(pending)
    later = pending.created_at + publication.delay() + dt.timedelta(minutes=1)
    assert moderation.is_public(pending, now=later)
    assert Proposal.objects.filter(moderation.public_q(later), pk=pending.pk).exists()
    moderation.hide(moderation.case_of("proposal", pending.pk), org.operator, "广告")
    pending.refresh_from_db()
    assert pending.publication == Review.WITHHELD and not moderation.is_public(pending, now=later)
    assert not Proposal.objects.filter(moderation.public_q(later), pk=pending.pk).exists()


def test_hide_needs_a_reason_the_author_appeals_and_another_person_decides(org, propose, citizens):
    proposal = propose(approve=False)
    case = moderation.case_of("proposal", proposal.pk)
    with pytest.raises(FieldErrors):
        moderation.hide(case, org.operator, "  ")
    with pytest.raises(ActionRefused):
        moderation.hide(case, org.citizen, "我不喜欢")
    case = moderation.hide(case, org.operator, "含有不实信息")
    assert Notification.objects.filter(user=org.citizen, kind="participation.hidden").exists()
    with pytest.raises(ActionRefused, match="发表人"):
        moderation.appeal(case, citizens[1], "我替他申诉")
    case = moderation.appeal(case, org.citizen, "信息属实，有照片为证")
    assert case.status == M.APPEALED
    org.operator.roles.create(role="supervisor", region=org.district)  # the moderator cannot judge their own hide
    with pytest.raises(ActionRefused, match="以外"):
        moderation.overturn(case, org.operator, "属实")
    case = moderation.overturn(case, org.supervisor, "经核实信息属实")
    proposal.refresh_from_db()
    assert case.status == M.APPROVED and proposal.publication == Review.APPROVED
    assert Notification.objects.filter(user=org.citizen, kind="participation.appeal_decided").exists()
    assert [e.kind for e in case.events.all()] == ["opened", "hide", "appeal", "overturn"]
    actions = list(AuditEntry.objects.filter(action__startswith="moderation.").order_by("id").values_list("action", flat=True))
    assert actions == ["moderation.hide", "moderation.appeal", "moderation.overturn"]


def test_an_upheld_hide_keeps_the_text_and_its_history(org, propose):
    proposal = propose(approve=False)
    case = moderation.hide(moderation.case_of("proposal", proposal.pk), org.operator, "重复内容")
    case = moderation.uphold(moderation.appeal(case, org.citizen, "不是重复"), org.supervisor, "与JD2026…重复")
    assert case.status == M.UPHELD
    kept = Proposal.objects.get(pk=proposal.pk)
    assert kept.text == proposal.text and kept.events.exists()
    assert Client().get(reverse("participation:proposal_detail", args=[proposal.pk])).status_code == 404
    # The author still sees their own text and the decision on it.
    c = Client()
    c.force_login(org.citizen)
    assert c.get(reverse("participation:proposal_detail", args=[proposal.pk])).status_code == 200
