"""A dispute's risk reasons read in the reader's language: the sentence and its labels translate,
the words quoted from the text stay as written; stored (and in the API) as the risk code wrote them."""
from __future__ import annotations

from django.test import Client
from django.utils import translation

from gongzhi.core import reasons
from gongzhi.disputes import services


def test_every_kind_of_reason_reads_in_english():
    with translation.override("en"):
        assert reasons.translate("含暴力/威胁表述：“同归于尽”") == "Violence or threat wording: “同归于尽”"
        assert reasons.translate("涉及12人，属群体性纠纷") == "12 people involved: a group dispute"
        assert reasons.translate("涉及金额1,200,000元") == "Amount in dispute: 1,200,000 yuan"
        assert reasons.translate("“征地拆迁”类纠纷易激化") == "“Land expropriation and demolition” disputes tend to escalate"
        assert reasons.translate("扬言媒体曝光：“曝光”") == "Threatens going to the media: “曝光”"
        assert reasons.translate("涉及弱势群体：老人、儿童") == "Vulnerable people involved: elderly people, children"
        assert reasons.translate("群体性风险信号：讨薪（“欠薪”）") == "Group risk signal: demanding unpaid wages (“欠薪”)"
        assert reasons.translate("安全隐患：火灾（“着火”）") == "Safety hazard: fire (“着火”)"
        assert reasons.translate("重复来信3次") == "Contacted 3 times before"
        assert reasons.translate("管理员写的理由") == "管理员写的理由"  # unknown: as stored
    with translation.override("zh-hans"):
        assert reasons.translate("涉及12人，属群体性纠纷") == "涉及12人，属群体性纠纷"


def test_the_dispute_page_shows_the_reasons_in_english(org, report, kinds):
    dispute = report(facts="拖欠工资半年，12名工人说要同归于尽。", people_involved=12, kind=kinds["labour_wages"])
    assert "涉及12人，属群体性纠纷" in dispute.risk_reasons  # stored as computed
    client = Client()
    client.force_login(org.mediator)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "12 people involved: a group dispute" in page and "Violence or threat wording" in page
    assert "属群体性纠纷" not in page
    assert services.Dispute.objects.get(pk=dispute.pk).risk_reasons == dispute.risk_reasons


def test_the_history_names_each_event_in_the_readers_language(org, report):
    dispute = services.accept(report(), org.mediator)
    client = Client()
    client.force_login(org.mediator)
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert '<span data-kind="reported">登记</span>' in page and '<span data-kind="accept">受理调解</span>' in page
    client.cookies["django_language"] = "en"
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert '<span data-kind="accept">Accept for mediation</span>' in page
