"""The daily bulletin (日通报): right counts, significance flags, storage, .docx, distribution."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from docx import Document

from gongzhi.core.models import AuditEntry, Notification
from gongzhi.safety import bulletin as bl
from gongzhi.safety import services
from gongzhi.safety.importing import import_incidents
from gongzhi.safety.models import Bulletin, BulletinRecipient, IncidentType, PoliceIncident
from gongzhi.safety.tasks import generate_daily_bulletin
from tests.safety.test_incidents import analyst, fast_hashers, itype, toronto_subset  # noqa: F401

DEMO_DAY = dt.date(2019, 6, 15)


@pytest.fixture
def toronto_june(org, tmp_path, shared_data):
    """Real Toronto incidents from 2019-05-18 to 2019-06-16: a demo day with 28 days before it."""
    path = toronto_subset(tmp_path, shared_data, "2019-05-18", "2019-06-16")
    report = import_incidents(path, "toronto")
    assert report.created > 2000
    return report


def _count(day, code=None):
    qs = PoliceIncident.objects.filter(occurred_on=day)
    if code is not None:
        qs = qs.filter(type_id__in=IncidentType.objects.get(code=code).descendant_ids())
    return qs.count()


def _docx_rows(content: bytes) -> dict[str, list[str]]:
    doc = Document(io.BytesIO(content))
    table = doc.tables[0]
    return {row.cells[0].text.strip("\u3000 "): [c.text for c in row.cells] for row in table.rows[1:]}


def test_demo_day_docx_opens_and_holds_the_counts_of_a_direct_query(toronto_june, tmp_path):
    out = tmp_path / "bulletin.docx"
    call_command("bulletin", date=DEMO_DAY.isoformat(), out=str(out))
    rows = _docx_rows(out.read_bytes())
    assert rows["合计"][1:4] == [str(_count(DEMO_DAY)), str(_count(DEMO_DAY - dt.timedelta(days=1))),
                                str(_count(DEMO_DAY - dt.timedelta(days=7)))]
    for code, name in [("XS", "刑事"), ("XS-RSDQ", "入室盗窃"), ("XS-SH", "伤害"), ("XS-QJ", "抢劫"),
                       ("XS-DQJDC", "盗窃机动车"), ("XS-DQ", "盗窃"), ("JT", "交通")]:
        assert rows[name][1] == str(_count(DEMO_DAY, code)), name
    mean = PoliceIncident.objects.filter(occurred_on__gte=DEMO_DAY - dt.timedelta(days=28),
                                         occurred_on__lt=DEMO_DAY).count() / 28
    assert rows["合计"][4] == f"{mean:.1f}"
    text = "\n".join(p.text for p in Document(io.BytesIO(out.read_bytes())).paragraphs)
    assert "治安形势日通报（2019年6月15日）" in text and f"共接报警情 {_count(DEMO_DAY)} 起" in text


def test_bulletin_lists_notable_incidents_and_next_weeks_hotspots(toronto_june):
    b = bl.generate_bulletin(DEMO_DAY)
    notable = PoliceIncident.objects.filter(occurred_on=DEMO_DAY, type__notable=True)
    assert b.data["notable_total"] == notable.count() > 0
    assert {n["type"] for n in b.data["notable"]} <= {"抢劫", "伤害", "入室盗窃"}
    hs = b.data["hotspots"]
    assert (hs["from"], hs["to"]) == ("2019-06-16", "2019-06-22")
    ranks = [c["rank"] for c in hs["cells"]]
    assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) == bl.HOTSPOT_CELLS
    scores = [c["score"] for c in hs["cells"]]
    assert scores == sorted(scores, reverse=True)


def test_a_jump_far_above_the_28_day_average_is_flagged_and_ordinary_noise_is_not(org, analyst):
    day = dt.date(2026, 3, 10)

    def at(d, hour=12):
        return timezone.make_aware(dt.datetime.combine(d, dt.time(hour)))

    for back in range(1, 29):
        d = day - dt.timedelta(days=back)
        services.create_incident(analyst, type=itype("XS-QJ"), occurred_at=at(d), lat=39.905, lon=116.405)
        for _ in range(2 + back % 2):  # 2-3 thefts a day
            services.create_incident(analyst, type=itype("XS-DQ"), occurred_at=at(d, 9), lat=39.905, lon=116.405)
    for _ in range(8):
        services.create_incident(analyst, type=itype("XS-QJ"), occurred_at=at(day), lat=39.905, lon=116.405)
    for _ in range(4):
        services.create_incident(analyst, type=itype("XS-DQ"), occurred_at=at(day), lat=39.905, lon=116.405)
    data = bl.compute_bulletin(day, with_hotspots=False)
    rows = {r["name"]: r for r in data["rows"]}
    assert rows["抢劫"]["count"] == 8 and rows["抢劫"]["flag"] == "up" and rows["抢劫"]["flag_label"] == "显著上升"
    assert rows["盗窃"]["count"] == 4 and rows["盗窃"]["flag"] is None  # more than usual, but not significantly
    assert rows["诈骗"]["count"] == 0 and rows["诈骗"]["flag"] is None  # every type is listed, even when quiet
    assert "显著上升：" in bl.headline(data) and "抢劫" in bl.headline(data)


def test_a_stored_bulletin_is_kept_until_regenerated(org, analyst):
    day = dt.date(2026, 3, 10)
    first = bl.generate_bulletin(day)
    services.create_incident(analyst, type=itype("XS-QJ"), lat=39.905, lon=116.405,
                             occurred_at=timezone.make_aware(dt.datetime(2026, 3, 10, 8)))
    assert bl.generate_bulletin(day).data["total"]["count"] == 0
    again = bl.generate_bulletin(day, regenerate=True)
    assert again.pk == first.pk and again.data["total"]["count"] == 1
    assert Bulletin.objects.count() == 1


def test_sending_notifies_users_and_mails_the_docx_once(org, analyst):
    org.leader.email = "leader@example.org"
    org.leader.save()
    BulletinRecipient.objects.create(user=org.leader)
    BulletinRecipient.objects.create(email="duty@example.org", label="值班室")
    BulletinRecipient.objects.create(email="old@example.org", active=False)
    day = dt.date(2026, 3, 10)
    result = generate_daily_bulletin.call(day=day.isoformat())
    assert result["sent"] is True
    note = Notification.objects.get(user=org.leader, kind="bulletin")
    assert note.link == "/safety/bulletins/2026-03-10/"
    assert sorted(m.to[0] for m in mail.outbox) == ["duty@example.org", "leader@example.org"]
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert name == "bulletin-20260310.docx" and _docx_rows(content)["合计"][1] == "0"
    again = generate_daily_bulletin.call(day=day.isoformat())
    assert again["skipped"] == "already sent" and len(mail.outbox) == 2
    assert AuditEntry.objects.filter(action="safety.bulletin_sent").count() == 1


def test_someone_on_the_list_twice_is_told_once(org, analyst):
    BulletinRecipient.objects.create(user=org.leader, label="领导")
    BulletinRecipient.objects.create(user=org.leader, label="领导（值班）")
    assert bl.send_bulletin(bl.generate_bulletin(dt.date(2026, 3, 10)))["notified"] == 1
    assert Notification.objects.filter(user=org.leader, kind="bulletin").count() == 1


def test_each_recipient_reads_the_bulletins_notice_in_their_own_language(org, analyst):
    from gongzhi.core.models import NotificationPreference

    BulletinRecipient.objects.create(user=org.leader, label="领导")
    BulletinRecipient.objects.create(user=analyst, label="研判")
    NotificationPreference.objects.create(user=org.leader, language="en")
    bl.send_bulletin(bl.generate_bulletin(dt.date(2026, 3, 10)))
    english = Notification.objects.get(user=org.leader, kind="bulletin").text
    chinese = Notification.objects.get(user=analyst, kind="bulletin").text
    assert english.startswith("2026-03-10: 0 incidents reported") and not any("\u4e00" <= c <= "\u9fff" for c in english)
    assert chinese.startswith("2026-03-10 共接报警情 0 起")


def test_scheduled_run_waits_for_the_morning_and_makes_yesterdays_bulletin(org, settings, monkeypatch):
    settings.GONGZHI = {**settings.GONGZHI, "BULLETIN_HOUR": 7}
    early = timezone.make_aware(dt.datetime(2026, 3, 11, 5, 0))
    monkeypatch.setattr(timezone, "now", lambda: early)
    assert generate_daily_bulletin.call()["skipped"] == "before bulletin hour"
    later = timezone.make_aware(dt.datetime(2026, 3, 11, 7, 30))
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert generate_daily_bulletin.call()["day"] == "2026-03-10"
    assert Bulletin.objects.get().day == dt.date(2026, 3, 10)


def test_the_worker_schedules_the_bulletin():
    from gongzhi.core import periodic

    assert generate_daily_bulletin in periodic.TABLE


def test_bulletin_command_refuses_a_bad_date_or_folder(org, tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("bulletin", date="2019-13-01")
    with pytest.raises(CommandError, match="folder"):
        call_command("bulletin", date="2019-06-01", out=str(tmp_path / "nope" / "b.docx"))


def test_bulletin_pages_show_the_stored_figures_and_serve_the_docx(client, org, analyst, toronto_june):
    client.force_login(analyst)
    resp = client.post("/safety/bulletins/", {"day": DEMO_DAY.isoformat()})
    assert resp.status_code == 302 and resp["Location"] == "/safety/bulletins/2019-06-15/"
    page = client.get(resp["Location"]).content.decode()
    assert "治安形势日通报（2019-06-15）" in page
    assert f'<tr class="total" data-code="all"><td>合计</td><td class="count">{_count(DEMO_DAY)}</td>' in page
    assert 'id="bulletin-map-data"' in page
    docx = client.get("/safety/bulletins/2019-06-15/docx/")
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert _docx_rows(docx.content)["合计"][1] == str(_count(DEMO_DAY))
    assert AuditEntry.objects.filter(action="safety.bulletin_download", actor=analyst).exists()
    client.force_login(org.grid_worker)
    assert client.get("/safety/bulletins/2019-06-15/").status_code == 403
    client.force_login(org.leader)
    assert client.get("/safety/bulletins/2019-06-15/").status_code == 200
    assert client.post("/safety/bulletins/", {"day": "2019-06-14"}).status_code == 403  # leaders read only


def test_the_docx_carries_a_hotspot_map_picture(toronto_june):
    b = bl.generate_bulletin(DEMO_DAY)
    doc = Document(io.BytesIO(bl.render_docx(b)))
    [shape] = doc.inline_shapes
    blob = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
    image = doc.part.related_parts[blob].blob
    assert image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) > 1000
    assert int.from_bytes(image[16:20], "big") == 640  # width in the IHDR chunk
