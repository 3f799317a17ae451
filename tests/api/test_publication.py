"""Defect 7 of issue 13: open data published unreviewed text at once, junk and 纪检监察 reports included.

Open data and the Open311 public feed carry only appeals a moderator approved or that are older than
GONGZHI_PUBLICATION_DELAY_DAYS, never a withheld one or one of a confidential category, and never the
words the moderation settings hide. One rule decides (gongzhi.core.publication.may_publish).
"""
from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Category
from gongzhi.core import publication
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.publication import Review

BASE = "/open311/v2"


def days_ago(n: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


def open_data(tmp_path) -> set[str]:
    call_command("opendata", "--out", str(tmp_path))
    return {r["tracking_number"] for r in json.loads((tmp_path / "appeals-latest.json").read_text(encoding="utf-8"))}


def feed(client: Client) -> set[str]:
    rows = client.get(f"{BASE}/requests.json", {"start_date": "2020-01-01T00:00:00Z"}).json()
    return {r["service_request_id"] for r in rows}


@pytest.fixture
def confidential(org):
    return Category.objects.create(name="纪检监察", code="JJ", confidential=True)


def test_a_new_appeal_is_published_only_after_the_delay(org, make_appeal, tmp_path):
    fresh = make_appeal(title="测试测试测试", content="asdfasdf 乱码提交")
    old = make_appeal(received_at=days_ago(4))
    client = Client()
    assert open_data(tmp_path) == {old.tracking_number}
    assert feed(client) == {old.tracking_number}
    assert client.get(f"{BASE}/requests/{fresh.tracking_number}.json").status_code == 404
    assert client.get(f"{BASE}/requests/{old.tracking_number}.json").status_code == 200


def test_the_delay_is_configurable(org, make_appeal, settings, tmp_path):
    two_days = make_appeal(received_at=days_ago(2))
    assert open_data(tmp_path) == set()
    settings.GONGZHI = {**settings.GONGZHI, "PUBLICATION_DELAY_DAYS": 1}
    assert open_data(tmp_path) == {two_days.tracking_number}


def test_an_approved_appeal_is_published_at_once_and_a_withheld_one_never(org, make_appeal, tmp_path):
    approved = make_appeal()
    junk = make_appeal(title="啊啊啊啊", content="测试一下这个网站能不能用", received_at=days_ago(30))
    services.review_publication(approved, org.dispatcher, "approved")
    services.review_publication(junk, org.supervisor, "withheld", "无实际内容的测试提交")
    client = Client()
    assert open_data(tmp_path) == {approved.tracking_number}
    assert feed(client) == {approved.tracking_number}
    assert client.get(f"{BASE}/requests/{junk.tracking_number}.xml").status_code == 404
    junk.refresh_from_db()
    assert junk.publication == Review.WITHHELD and junk.publication_reviewed_by == org.supervisor
    event = junk.events.get(kind="publication_reviewed")
    assert event.note == "不予公开：无实际内容的测试提交" and not event.public


def test_a_confidential_category_is_never_published_even_when_old_or_approved(org, make_appeal, confidential, tmp_path):
    report = make_appeal(category=confidential, title="反映社区干部优亲厚友", received_at=days_ago(60))
    services.review_publication(report, org.dispatcher, "approved")
    client = Client()
    assert open_data(tmp_path) == set()
    assert feed(client) == set()
    assert client.get(f"{BASE}/requests/{report.tracking_number}.json").status_code == 404


def test_hidden_words_never_reach_public_text(org, make_appeal, settings, tmp_path):
    settings.GONGZHI = {**settings.GONGZHI, "PUBLICATION_HIDDEN_WORDS": ["王局长", "Scammer"]}
    appeal = make_appeal(title="王局长不作为", content="王局长收了钱，物业是个 scammer", location_text="东湖社区3栋",
                         received_at=days_ago(5))
    call_command("opendata", "--out", str(tmp_path))
    text = (tmp_path / "appeals-latest.json").read_text(encoding="utf-8")
    one = Client().get(f"{BASE}/requests/{appeal.tracking_number}.json").content.decode()
    for public in (text, one):
        assert "王局长" not in public and "scammer" not in public.lower()
        assert publication.HIDDEN in public


def test_withholding_needs_a_reason_and_only_moderators_decide(org, make_appeal):
    appeal = make_appeal()
    with pytest.raises(FieldErrors) as refused:
        services.review_publication(appeal, org.dispatcher, "withheld", "")
    assert "note" in refused.value.errors
    with pytest.raises(FieldErrors):
        services.review_publication(appeal, org.dispatcher, "maybe")
    for outsider in (org.handler_housing, org.operator, org.citizen):
        with pytest.raises(ActionRefused):
            services.review_publication(appeal, outsider, "approved")
    appeal.refresh_from_db()
    assert appeal.publication == Review.PENDING and not appeal.events.filter(kind="publication_reviewed").exists()


@pytest.mark.parametrize("review,age_days,confidential", itertools.product(Review.values, (0, 2.9, 3.1, 40), (False, True)))
def test_the_rule_and_its_query_agree(org, make_appeal, review, age_days, confidential):
    category = Category.objects.create(name="某类", code="X1", confidential=True) if confidential else org.cat_property
    appeal = make_appeal(category=category, received_at=days_ago(age_days))
    Appeal.objects.filter(pk=appeal.pk).update(publication=review)
    appeal.refresh_from_db()
    expected = not confidential and review != Review.WITHHELD and (review == Review.APPROVED or age_days > 3)
    assert appeal.may_publish() is expected
    assert Appeal.objects.publishable().filter(pk=appeal.pk).exists() is expected


def test_moderators_review_from_a_queue_and_the_appeal_page(client, org, make_appeal, confidential):
    waiting = make_appeal(title="小区门口垃圾成堆")
    make_appeal(category=confidential, title="保密举报")  # never published: nothing to review
    make_appeal(title="早已公开", received_at=days_ago(10))  # published by the delay already
    client.login(username="dispatcher", password=org.password)
    page = client.get("/staff/publication/").content.decode()
    assert "小区门口垃圾成堆" in page and "保密举报" not in page and "早已公开" not in page
    answer = client.post(f"/staff/appeals/{waiting.pk}/review_publication/",
                         {"decision": "approved", "next": "/staff/publication/"})
    assert answer.status_code == 302 and answer["Location"] == "/staff/publication/"
    assert "小区门口垃圾成堆" not in client.get("/staff/publication/").content.decode()
    detail = client.get(f"/staff/appeals/{waiting.pk}/").content.decode()
    assert 'data-testid="publication-withhold"' in detail  # a decision may be changed
    client.logout()
    client.login(username="handler_zjj", password=org.password)
    assert client.get("/staff/publication/").status_code == 404
    assert 'data-testid="publication-approve"' not in client.get(f"/staff/appeals/{waiting.pk}/").content.decode()
