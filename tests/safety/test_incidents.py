"""Police incidents: recording, correcting, status changes with history, who sees what, imports."""
from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from gongzhi.core.models import Role, RoleAssignment, User
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.safety import services
from gongzhi.safety.importing import import_incidents
from gongzhi.safety.lifecycle import INCIDENT_LIFECYCLE
from gongzhi.safety.models import IncidentEvent, IncidentStatus, IncidentType, PoliceIncident, Premises, Source

TORONTO_HEADER = ["occurrencedate", "occurrencehour", "premises_type", "occurrencemonth", "occurrencedayofweek",
                  "MCI", "Neighbourhood", "occurrenceday", "occurrencedayofyear", "Lat", "Long"]


@pytest.fixture(autouse=True)
def fast_hashers(settings):
    """The org fixture makes a dozen users; Argon2 takes seconds for them on a busy machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _person(username, role, **scope):
    user = User.objects.create_user(username=username, password="Passw0rd!x", display_name=username)
    RoleAssignment.objects.create(user=user, role=role, **scope)
    return user


@pytest.fixture
def analyst(org):
    return _person("analyst", Role.ANALYST, region=org.district)


@pytest.fixture
def east_analyst(org):
    return _person("east_analyst", Role.ANALYST, region=org.east)


@pytest.fixture
def informant_handler(org):
    return _person("handler_xxy", Role.INFORMANT_HANDLER, region=org.district)


def itype(code: str) -> IncidentType:
    return IncidentType.objects.get(code=code)


@pytest.fixture
def make_incident(analyst):
    """Record an incident through the service (default: a burglary in the east grid yesterday)."""
    def make(code="XS-RSDQ", when=None, lat=39.905, lon=116.405, **kw):
        when = when or timezone.now() - dt.timedelta(days=1)
        return services.create_incident(analyst, type=itype(code), occurred_at=when, lat=lat, lon=lon,
                                        address=kw.pop("address", "东湖社区3栋"), **kw)
    return make


@functools.lru_cache(maxsize=2)
def _toronto_year(path: str, year: str) -> tuple[list[str], list[list[str]]]:
    """Header and the rows of one year of the Toronto file (read once per test session)."""
    with gzip.open(path, "rt", encoding="utf-8-sig") as src:
        reader = csv.reader(src)
        header = next(reader)
        return header, [row for row in reader if row[0].startswith(year)]


def toronto_subset(tmp_path, shared_data, start: str, end: str, name="subset.csv"):
    """The Toronto rows whose occurrence date lies in [start, end] (ISO, one year), as a small CSV."""
    header, rows = _toronto_year(str(shared_data / "crime-toronto" / "toronto_mci_2014_2019.csv.gz"), start[:4])
    lo, hi = start.replace("-", "/"), end.replace("-", "/")
    out = tmp_path / name
    with open(out, "w", newline="", encoding="utf-8") as dst:
        writer = csv.writer(dst)
        writer.writerow(header)
        writer.writerows(row for row in rows if lo <= row[0][:10] <= hi)
    return out


# ---------------------------------------------------------------- recording and history

def test_recorded_incident_is_placed_in_its_grid_and_region_with_a_creation_event(org, make_incident):
    when = timezone.make_aware(dt.datetime(2026, 3, 2, 22, 30))
    incident = make_incident(when=when, premises=Premises.APARTMENT, summary="嫌疑人留下电话13812345678")
    assert incident.grid == org.east_g and incident.region == org.east_c
    assert (incident.occurred_on, incident.occurred_hour) == (dt.date(2026, 3, 2), 22)
    assert "13812345678" not in incident.summary  # personal data never reaches the incident log
    [event] = incident.events.all()
    assert event.kind == "created" and event.to_status == IncidentStatus.REPORTED


def test_incident_outside_every_grid_keeps_the_region_given_by_hand(org, analyst):
    incident = services.create_incident(analyst, type=itype("ZA-QT"), occurred_at=timezone.now(), lat=30.0, lon=120.0,
                                        region=org.west)
    assert incident.grid is None and incident.region == org.west


def test_bad_input_is_refused_field_by_field(org, analyst):
    with pytest.raises(FieldErrors) as exc:
        services.create_incident(analyst, type=itype("XS-QJ"), occurred_at=timezone.now() + dt.timedelta(days=2))
    assert "occurred_at" in exc.value.errors
    with pytest.raises(FieldErrors) as exc:
        services.create_incident(analyst, type=itype("XS-QJ"), occurred_at=timezone.now(), lat=0, lon=0)
    assert "lat" in exc.value.errors
    assert PoliceIncident.objects.count() == 0


def test_corrections_keep_old_and_new_values_in_the_history(org, analyst, make_incident):
    incident = make_incident()
    new_time = timezone.make_aware(dt.datetime(2026, 3, 1, 3, 15))
    services.update_incident(analyst, incident, note="核实后更正", type=itype("XS-DQ"), occurred_at=new_time,
                             lat=39.905, lon=116.305)
    incident.refresh_from_db()
    assert incident.type.code == "XS-DQ" and incident.occurred_hour == 3
    assert incident.grid == org.west_g and incident.region == org.west_c  # moved with its point
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds == ["created", "updated"]
    changes = incident.events.last().data["changes"]
    assert changes["type"] == ["刑事 > 入室盗窃", "刑事 > 盗窃"]
    assert set(changes) >= {"type", "occurred_at", "lon"}


def test_status_moves_along_the_case_lifecycle_only(analyst, make_incident):
    incident = make_incident()
    services.change_status(analyst, incident, IncidentStatus.INVESTIGATING)
    services.change_status(analyst, incident, IncidentStatus.SOLVED, "嫌疑人已抓获")
    with pytest.raises(ActionRefused):
        services.change_status(analyst, incident, IncidentStatus.REPORTED)
    services.change_status(analyst, incident, IncidentStatus.CLOSED)
    with pytest.raises(FieldErrors):  # reopening a closed case needs a reason
        services.change_status(analyst, incident, IncidentStatus.INVESTIGATING)
    steps = list(incident.events.filter(kind="status").values_list("from_status", "to_status"))
    assert steps == [("reported", "investigating"), ("investigating", "solved"), ("solved", "closed")]


STATUS_CHANGES = [(target, source) for target in INCIDENT_LIFECYCLE.table for source in IncidentStatus.values]


@pytest.mark.parametrize("target,source", STATUS_CHANGES)
def test_a_status_change_is_allowed_exactly_from_the_states_the_lifecycle_names(analyst, make_incident, target, source):
    incident = make_incident()
    if source != IncidentStatus.REPORTED:
        services.change_status(analyst, incident, source)
    before = (incident.events.count(), source)
    if source in INCIDENT_LIFECYCLE[target].sources:
        services.change_status(analyst, incident, target, "复核后调整")
        incident.refresh_from_db()
        assert incident.status == target and incident.events.last().to_status == target
    else:
        with translation.override("zh-hans"), pytest.raises(ActionRefused) as refused:
            services.change_status(analyst, incident, target, "复核后调整")
        assert "不能改为" in str(refused.value)
        incident.refresh_from_db()
        assert (incident.events.count(), incident.status) == before


# ---------------------------------------------------------------- scope

def test_analysts_leaders_and_admins_see_incidents_in_their_region_only(org, analyst, east_analyst, make_incident):
    east = make_incident()
    west = make_incident(lat=39.905, lon=116.305)
    assert set(PoliceIncident.objects.restrict(analyst)) == {east, west}
    assert set(PoliceIncident.objects.restrict(org.leader)) == {east, west}
    assert set(PoliceIncident.objects.restrict(org.admin)) == {east, west}
    assert list(PoliceIncident.objects.restrict(east_analyst)) == [east]
    for outsider in (org.operator, org.grid_worker, org.citizen, org.handler_housing, org.supervisor):
        assert not PoliceIncident.objects.restrict(outsider).exists(), outsider


def test_an_east_analyst_cannot_record_or_edit_in_the_west(org, east_analyst, make_incident):
    west = make_incident(lat=39.905, lon=116.305)
    with pytest.raises(ActionRefused):
        services.create_incident(east_analyst, type=itype("XS-QJ"), occurred_at=timezone.now(), lat=39.905, lon=116.305)
    with pytest.raises(ActionRefused):
        services.change_status(east_analyst, west, IncidentStatus.INVESTIGATING)
    with pytest.raises(ActionRefused):  # a leader reads but does not record
        services.create_incident(org.leader, type=itype("XS-QJ"), occurred_at=timezone.now(), lat=39.905, lon=116.405)


def test_incident_pages_are_for_readers_in_scope(client, org, east_analyst, make_incident):
    west = make_incident(lat=39.905, lon=116.305)
    client.force_login(org.grid_worker)
    assert client.get("/safety/incidents/").status_code == 403
    client.force_login(east_analyst)
    assert client.get(f"/safety/incidents/{west.pk}/").status_code == 404
    client.force_login(org.leader)
    page = client.get(f"/safety/incidents/{west.pk}/")
    assert page.status_code == 200 and "入室盗窃" in page.content.decode()


def test_incident_form_records_and_the_status_form_moves_it(client, org, analyst):
    client.force_login(analyst)
    resp = client.post("/safety/incidents/new/", {
        "type": itype("XS-QJ").pk, "occurred_at": "2026-03-02T21:40", "address": "东湖路", "lat": "39.905",
        "lon": "116.405", "premises": "outside", "summary": "抢劫手机"})
    incident = PoliceIncident.objects.get()
    assert resp.status_code == 302 and resp["Location"].endswith(f"/safety/incidents/{incident.pk}/")
    client.post(f"/safety/incidents/{incident.pk}/status/", {"status": "investigating", "note": "已立案"})
    incident.refresh_from_db()
    assert incident.status == "investigating"
    history = client.get(f"/safety/incidents/{incident.pk}/").content.decode()
    assert "状态变更：已报警 → 侦查中" in history and "已立案" in history
    bad = client.post("/safety/incidents/new/", {"type": itype("XS-QJ").pk, "occurred_at": "2026-03-02T21:40",
                                                 "lat": "39.9", "premises": "outside"})
    assert bad.status_code == 200 and "经纬度须同时填写" in bad.content.decode()


# ---------------------------------------------------------------- imports

def test_toronto_import_maps_categories_and_is_idempotent(org, tmp_path, shared_data):
    path = toronto_subset(tmp_path, shared_data, "2019-06-01", "2019-06-07")
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    first = import_incidents(path, "toronto")
    assert first.created == len(rows) > 500 and first.skipped == 0
    burglaries = sum(r["MCI"] == "Break and Enter" for r in rows)
    assert PoliceIncident.objects.filter(type__code="XS-RSDQ").count() == burglaries
    sample = PoliceIncident.objects.filter(source=Source.TORONTO).order_by("occurred_at").first()
    assert sample.premises in Premises.values and sample.area_name
    assert IncidentEvent.objects.filter(kind="imported").count() == len(rows)
    again = import_incidents(path, "toronto")
    assert (again.created, again.existing) == (0, len(rows))
    assert PoliceIncident.objects.count() == len(rows)


def test_toronto_hour_column_gives_the_local_hour(org, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text(",".join(TORONTO_HEADER) + "\n"
                    "2019/06/03 04:00:00+00,23,House,June,Monday,Robbery,Annex,3,154,43.67,-79.40\n", encoding="utf-8")
    import_incidents(path, "toronto")
    incident = PoliceIncident.objects.get()
    assert (incident.occurred_on, incident.occurred_hour) == (dt.date(2019, 6, 3), 23)
    assert timezone.localtime(incident.occurred_at).hour == 23


def test_dirty_rows_are_reported_with_their_line_numbers(org, tmp_path):
    path = tmp_path / "dirty.csv"
    lines = [
        ",".join(TORONTO_HEADER),
        "2019/06/03 04:00:00+00,10,House,June,Monday,Robbery,Annex,3,154,43.67,-79.40",
        "not a date,10,House,June,Monday,Robbery,Annex,3,154,43.67,-79.40",
        "2019/06/03 04:00:00+00,10,House,June,Monday,Jaywalking,Annex,3,154,43.67,-79.40",
        "2019/06/03 04:00:00+00,11,House,June,Monday,Assault,Annex,3,154,0,0",
        "2019/06/03 04:00:00+00,31,House,June,Monday,Assault,Annex,3,154,43.67,-79.40",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_incidents(path, "toronto")
    assert (report.rows, report.created, report.skipped, report.warnings) == (5, 2, 3, 1)
    by_line = dict(report.messages)
    assert set(by_line) == {3, 4, 5, 6}
    assert "Jaywalking" in by_line[4] and "坐标" in by_line[5]
    unplaced = PoliceIncident.objects.get(lat__isnull=True)
    assert unplaced.type.code == "XS-SH"  # imported without a place: it still counts


def test_sf_import_gives_one_incident_per_case_number(org, shared_data):
    path = shared_data / "crime-sf" / "sfpd_incidents_10k.csv"
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:3000]
    report = import_incidents(path, "sf", limit=3000)
    cases = {r["unique_key"] for r in rows}
    assert report.created == len(cases) and report.created + report.merged == len(rows)
    assert report.skipped == 0
    burglaries = len({r["unique_key"] for r in rows if r["category"] == "BURGLARY"})
    assert PoliceIncident.objects.filter(type__code="XS-RSDQ").count() <= burglaries
    first = rows[0]
    incident = PoliceIncident.objects.get(source=Source.SF, source_ref=first["unique_key"])
    assert incident.occurred_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M") == \
        first["timestamp"][:16]
    assert incident.type.code == "XS-DQ"  # LARCENY/THEFT


def test_import_command_prints_a_summary_and_refuses_bad_input(org, tmp_path, capsys):
    path = tmp_path / "one.csv"
    path.write_text(",".join(TORONTO_HEADER) + "\n"
                    "2019/06/03 04:00:00+00,23,House,June,Monday,Robbery,Annex,3,154,43.67,-79.40\n", encoding="utf-8")
    call_command("safety-import", str(path), format="toronto")
    assert "created 1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no such file"):
        call_command("safety-import", str(tmp_path / "missing.csv"), format="toronto")
    with pytest.raises(CommandError, match="column"):
        call_command("safety-import", str(path), format="sf")


def test_any_export_imports_through_a_json_mapping(org, tmp_path, capsys):
    data = tmp_path / "export.csv"
    data.write_text("警情编号,接警时间,案由,纬度,经度,发案地点\n"
                    "J001,2026-03-02 21:40,入室盗窃,39.905,116.405,东湖社区3栋\n"
                    "J002,2026-03-03 08:05,电动车被盗,39.905,116.305,西山社区\n"
                    "J003,2026-03-03 09:00,寻衅滋事,39.905,116.305,西山社区\n", encoding="utf-8")
    mapping = tmp_path / "map.json"
    mapping.write_text('{"ref": "警情编号", "date": "接警时间", "type_column": "案由", "lat": "纬度", "lon": "经度",'
                       ' "address": "发案地点", "type_map": {"入室盗窃": "XS-RSDQ", "电动车被盗": "XS-DQ"}}',
                       encoding="utf-8")
    call_command("safety-import", str(data), format="csv", mapping=str(mapping))
    out = capsys.readouterr().out
    assert "created 2" in out and "line 4" in out and "寻衅滋事" in out
    burglary = PoliceIncident.objects.get(source=Source.CSV, source_ref="J001")
    assert burglary.type.code == "XS-RSDQ" and burglary.grid == org.east_g and burglary.occurred_hour == 21
    mapping.write_text('{"ref": "警情编号", "lattitude": "纬度"}', encoding="utf-8")
    with pytest.raises(CommandError, match="unknown mapping keys: lattitude"):
        call_command("safety-import", str(data), format="csv", mapping=str(mapping))
    with pytest.raises(CommandError, match="needs --mapping"):
        call_command("safety-import", str(data), format="csv")
