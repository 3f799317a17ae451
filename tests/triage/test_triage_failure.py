"""When the intake analysis fails, staff can see it: the appeal keeps no silent gap in its triage
(no suggestions, duplicate check, risk or auto-dispatch, and only a log line said so)."""
import io
import shutil

from django.core.management import call_command
from django.urls import reverse

from gongzhi.appeals import services
from gongzhi.appeals.models import Status
from gongzhi.triage import services as triage
from gongzhi.triage.classifier import TextClassifier
from tests.triage.test_intake import HOUSING, NOISE


def model_for(org):
    texts = [f"{t}\n{t}，希望有关部门尽快处理。" for t in HOUSING * 3] + [f"{t}\n{t}，请相关部门处理。" for t in NOISE * 3]
    labels = [org.cat_root.name] * (len(HOUSING) * 3) + ["噪声污染"] * (len(NOISE) * 3)
    return TextClassifier().fit(texts, labels)


def test_a_failed_triage_is_marked_on_the_appeal_page_and_in_the_queue_and_the_backlog_redoes_it(org, client):
    org.cat_root.auto_dispatch_threshold = 1.01
    org.cat_root.save()
    broken = triage.register_model(model_for(org), "test", 48)
    shutil.rmtree(broken.path)  # the active model's files are gone: loading it fails at intake
    appeal, _ = services.receive(channel="web", title="物业公司乱收物业费", content="物业公司乱收物业费，还不公开公共收益。",
                                 appellant_phone="13812345678")
    appeal.refresh_from_db()
    assert appeal.triage["failed"]["error"] == "FileNotFoundError"
    assert appeal.status == Status.RECEIVED and not appeal.triage.get("suggestions")

    client.force_login(org.dispatcher)
    page = client.get(reverse("staff:appeal_detail", args=[appeal.pk])).content.decode()
    assert 'data-testid="triage-failed"' in page and "智能分析失败" in page
    queue = client.get(reverse("staff:inbox")).content.decode()
    assert queue.count('data-testid="triage-failed"') == 1

    triage.register_model(model_for(org), "test", 48)
    out = io.StringIO()
    call_command("triage", "backlog", stdout=out)
    assert out.getvalue().strip() == "1 waiting appeals analysed"
    appeal.refresh_from_db()
    assert not appeal.triage["failed"] and appeal.triage["suggestions"][0]["label"] == "城乡建设"
    assert "triage-failed" not in client.get(reverse("staff:appeal_detail", args=[appeal.pk])).content.decode()
    assert "triage-failed" not in client.get(reverse("staff:inbox")).content.decode()
