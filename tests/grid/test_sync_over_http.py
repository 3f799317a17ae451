"""The phone and its service worker may send one record at the same moment (the page on `online`,
the worker on Background Sync): over a real server, with a thread per request, it still arrives once
and both senders are told it arrived."""
from __future__ import annotations

import json
import threading
import urllib.request

import pytest
from django.test import Client

from gongzhi.appeals.models import Appeal
from gongzhi.grid.models import FieldSubmission

pytestmark = pytest.mark.django_db(transaction=True)
CSRF = "a" * 32  # a cookie secret, sent back in the header as the page does


def test_two_sends_of_one_record_at_once_make_one_appeal_and_both_get_its_number(live_server):
    from tests.conftest import build_org

    org = build_org()
    client = Client()
    client.force_login(org.grid_worker)
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={CSRF}"
    answers, lock = [], threading.Lock()

    def send(key: str, start: threading.Barrier):
        body = json.dumps({"key": key, "kind": "report", "photos": [],
                           "data": {"grid": org.east_g.pk, "title": "路灯不亮", "content": "5幢门口路灯坏了一周。"}})
        request = urllib.request.Request(f"{live_server.url}/grid/m/sync/", data=body.encode(), method="POST",
                                         headers={"Content-Type": "application/json", "Cookie": cookie,
                                                  "X-CSRFToken": CSRF})
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, answer = response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            status, answer = exc.code, {}
        with lock:
            answers.append((key, status, answer.get("ref")))

    for n in range(8):
        start = threading.Barrier(2)
        threads = [threading.Thread(target=send, args=(f"key-{n}", start)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    assert sorted(status for _k, status, _r in answers) == [200] * 8 + [201] * 8, answers
    assert Appeal.objects.count() == 8 == FieldSubmission.objects.count()
    for n in range(8):
        refs = {ref for key, _s, ref in answers if key == f"key-{n}"}
        assert refs == {Appeal.objects.get(pk=FieldSubmission.objects.get(key=f"key-{n}").object_id).tracking_number}
