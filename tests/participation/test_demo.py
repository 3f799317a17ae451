"""The demo city's participation part, on the demo organisation: proposals at every stage, an open
consultation with comments, a reported one, and surveys with answers."""
from __future__ import annotations

import random

import pytest
from django.test import Client

from gongzhi.demo.organisation import build_organisation
from gongzhi.demo.participation import build_demo_participation
from gongzhi.participation.models import Consultation, Moderation, Proposal, Survey

pytestmark = pytest.mark.django_db


def test_the_demo_has_proposals_at_every_stage_a_consultation_and_surveys_with_answers():
    build_organisation(random.Random(3), lambda *a: None)
    summary = build_demo_participation()
    assert set(Proposal.objects.values_list("status", flat=True)) == set(Proposal.Status.values)
    assert Proposal.objects.filter(status="assigned", due_state="overdue").exists()
    assert Proposal.objects.filter(status="assigned", due_state="on_track").exists()
    assert set(Moderation.objects.values_list("status", flat=True)) >= {"approved", "appealed", "pending"}
    assert Moderation.objects.filter(flagged=True, status="pending").exists()
    open_c = Consultation.objects.get(status="open")
    assert open_c.sections.count() == 3 and open_c.sections.filter(comments__parent__isnull=False).exists()
    assert Consultation.objects.filter(status="reported").exists()
    survey = Survey.objects.get(status="open")
    assert survey.response_count == 25 and Survey.objects.filter(status="closed", mode="anonymous").exists()
    assert summary["surveys"] == 3
    draft = Consultation.objects.get(status="draft")
    draft_survey = Survey.objects.get(status="draft")
    drafter = Client()
    drafter.force_login(draft.created_by)
    for path in (f"/participation/staff/consultations/{draft.pk}/edit/",
                 f"/participation/staff/surveys/{draft_survey.pk}/edit/"):
        assert drafter.get(path).status_code == 200, path  # the bureau's drafts, to finish on its pages
    assert Client().get(f"/participation/consultations/{draft.pk}/").status_code == 404  # not public yet
    assert Proposal.objects.filter(photos__isnull=False).distinct().count() == 3  # a few proposals with a photo
    c = Client()
    for path in ("/participation/", f"/participation/consultations/{open_c.pk}/",
                 f"/participation/surveys/{survey.pk}/results/"):
        assert c.get(path).status_code == 200, path
