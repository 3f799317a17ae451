"""The staff pages: a mediator works a dispute from the list to the agreement; an appeal and an
alert become disputes with the link shown on both pages; out of scope is a 404."""
from __future__ import annotations

import io

import pytest
from django.test import Client
from docx import Document

from gongzhi.core.models import Role
from gongzhi.disputes.models import Dispute
from gongzhi.triage import alerts

from .conftest import person


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_mediator_works_a_dispute_through_its_page(org, report):
    dispute = report()
    client = signed_in(org.mediator)
    listing = client.get("/disputes/", {"risk_level": "blue", "kind": "neighbour"})
    assert listing.status_code == 200 and dispute.number in listing.content.decode()
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "13911112222" not in page and "139****2222" in page  # masked until revealed
    client.post(f"/disputes/{dispute.pk}/accept/")
    client.post(f"/disputes/{dispute.pk}/session/", {"held_at": "2026-11-30T10:00", "place": "调解室",
                                                      "participants": "双方", "record": "同意分担维修"})
    refused = client.post(f"/disputes/{dispute.pk}/settle/", {"terms": "", "performance": ""}, follow=True)
    assert "必填" in refused.content.decode() and Dispute.objects.get().status == "mediating"
    client.post(f"/disputes/{dispute.pk}/settle/", {"terms": "李秀英维修防水\n赔偿3000元", "performance": "月底前"})
    dispute.refresh_from_db()
    assert dispute.status == "agreed" and dispute.sessions.count() == 1
    docx = client.get(f"/disputes/{dispute.pk}/agreement.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "王建国" in text and "赔偿3000元" in text
    shown = client.post(f"/disputes/{dispute.pk}/parties/{dispute.parties.first().pk}/reveal/phone/")
    assert "13911112222" in shown.content.decode()


def test_out_of_scope_pages_are_404_and_the_list_shows_only_the_scope(org, report):
    dispute = report()
    west_worker = signed_in(person("west_worker", Role.GRID_WORKER, grid=org.west_g))
    assert west_worker.get(f"/disputes/{dispute.pk}/").status_code == 404
    assert west_worker.post(f"/disputes/{dispute.pk}/accept/").status_code == 404
    assert dispute.number not in west_worker.get("/disputes/").content.decode()
    assert signed_in(org.handler_housing).get("/disputes/").status_code == 404  # no dispute role


def test_the_report_form_says_why_it_refuses(org, kinds):
    client = signed_in(org.grid_worker)
    answer = client.post("/disputes/new/", {"title": "漏水", "facts": "", "kind": kinds["neighbour"].pk,
                                            "grid": org.east_g.pk, "party1_name": "甲"})
    assert answer.status_code == 422 and "请填写纠纷事实" in answer.content.decode()
    assert not Dispute.objects.exists()


def test_an_appeal_becomes_a_dispute_and_each_page_links_the_other(org, kinds, make_appeal):
    appeal = make_appeal()
    client = signed_in(org.mediator)
    answer = client.post(f"/disputes/from-appeal/{appeal.pk}/", {"kind": kinds["property_mgmt"].pk,
                                                                 "respondent": "某物业公司"})
    dispute = Dispute.objects.get()
    assert answer.status_code == 302 and dispute.appeal == appeal and dispute.source == "appeal"
    assert [p.name for p in dispute.parties.all()] == ["张三", "某物业公司"]
    assert appeal.tracking_number in client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert dispute.number in client.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    again = client.post(f"/disputes/from-appeal/{appeal.pk}/", {"kind": kinds["other"].pk, "respondent": "x"},
                        follow=True)
    assert "已转为矛盾纠纷" in again.content.decode() and Dispute.objects.count() == 1


def test_an_alert_becomes_a_dispute_through_its_registered_conversion(org, kinds):
    alert = alerts.raise_alert("group_signal", "群体性风险信号：拖欠工资", ["讨薪", "拉横幅"], region=org.east_c)
    dispute = alerts.convert_alert(alert, org.supervisor, "dispute", "转矛盾纠纷排查化解")
    assert isinstance(dispute, Dispute) and dispute.alert == alert and dispute.source == "alert"
    assert "讨薪" in dispute.facts
    alert.refresh_from_db()
    assert alerts.conversion_of(alert)["link"] == f"/disputes/{dispute.pk}/"
