"""One support per person also when the same person's requests race (double clicks, retries) on
PostgreSQL, and one survey sheet per verified person likewise."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone

from gongzhi.core.errors import ActionRefused
from gongzhi.participation import moderation, services, surveys
from gongzhi.participation.categories import ensure_default_categories
from gongzhi.participation.models import Moderation, Proposal, ProposalCategory, ProposalSupport, SurveyResponse
from gongzhi.participation.verification import Voter
from tests.conftest import build_org, postgres_only

from .conftest import citizen


def race(calls) -> tuple[int, list]:
    """Run the calls at once in threads, each on its own connection; (successes, other errors)."""
    start, done, errors = threading.Barrier(len(calls)), [], []

    def run(call):
        try:
            start.wait(10)
            call()
            done.append(1)
        except ActionRefused:
            pass
        except Exception as exc:  # pragma: no cover - reported by the assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return len(done), errors


@pytest.mark.django_db(transaction=True)
@postgres_only("concurrent transactions on separate connections")
def test_racing_supports_count_each_person_once():
    org = build_org()
    ensure_default_categories(ProposalCategory)
    proposal = services.submit(Voter(user=org.citizen), title="社区食堂", text="建议在社区活动中心开设老年食堂，方便独居老人。",
                               category=ProposalCategory.objects.get(code="community"))
    moderation.approve(moderation.case_of(Moderation.Item.PROPOSAL, proposal.pk), org.operator)
    same, others = citizen("clicker"), [citizen(f"neighbour{i}") for i in range(4)]
    calls = [lambda: services.support(proposal, Voter(user=same)) for _ in range(6)]
    calls += [lambda u=u: services.support(proposal, Voter(user=u)) for u in others]
    calls += [lambda: services.support(proposal, Voter(phone_key="f" * 64)) for _ in range(3)]
    succeeded, errors = race(calls)
    assert not errors
    assert succeeded == 1 + 4 + 1
    assert Proposal.objects.get(pk=proposal.pk).support_count == 6 == ProposalSupport.objects.filter(active=True).count()


@pytest.mark.django_db(transaction=True)
@postgres_only("concurrent transactions on separate connections")
def test_racing_survey_sheets_of_one_person_count_once():
    org = build_org()
    survey = surveys.create(org.handler_housing, title="停车位调查", department=org.housing,
                            closes_at=timezone.now() + dt.timedelta(days=3),
                            questions=[{"kind": "single", "text": "是否需要充电桩", "options": ["需要", "不需要"]}])
    q = survey.questions.get()
    person = citizen("voter")
    succeeded, errors = race([lambda: surveys.answer(survey, Voter(user=person), {q.pk: 0}) for _ in range(6)])
    assert not errors and succeeded == 1
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
