"""Sensors over MQTT through a real Mosquitto broker: the stable topic and payload, every event
stored once, bad payloads in the dead-letter list (the subscriber lives on), rate limits, alarms
raising an alert or opening an incident, silent devices offline, and reconnecting after the
broker restarts."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import subprocess
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from django.utils import timezone

from gongzhi.emergency import sensors
from gongzhi.emergency.listener import Listener
from gongzhi.emergency.models import DeadLetter, Device, Incident, SensorEvent
from gongzhi.triage.models import Alert
from tests.notify_peers import free_port

pytestmark = pytest.mark.django_db(transaction=True)
BROKER = ("127.0.0.1", 1883)


def broker_up(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def broker():
    """The machine's broker (the test command starts one when it does not answer)."""
    if not broker_up(*BROKER):
        pytest.fail("no MQTT broker on 127.0.0.1:1883 (scripts/test.sh starts Debian's mosquitto)")
    return BROKER


def publish(host, port, topic, payload):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.connect(host, port)
    client.loop_start()
    info = client.publish(topic, payload if isinstance(payload, (bytes, str)) else json.dumps(payload), qos=1)
    info.wait_for_publish(5)
    client.loop_stop()
    client.disconnect()


def wait_until(check, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return False


def event(kind="reading", value=None, at=None, message=""):
    return {"kind": kind, "value": value, "at": (at or timezone.now()).isoformat(), "message": message}


@pytest.fixture
def devices(org):
    code = f"t{uuid.uuid4().hex[:8]}"  # the shared broker may carry other runs' messages
    water = Device.objects.create(code=f"{code}-water", kind="water_level", name="东湖桥水位计", region=org.east_c,
                                  lat=39.905, lon=116.405, threshold=2.5, on_alarm="incident")
    smoke = Device.objects.create(code=f"{code}-smoke", kind="smoke", name="东湖小学烟感", region=org.east_c)
    return water, smoke


def topic(device):
    return f"gongzhi/sensors/{device.code}/events"


def test_events_through_the_real_broker_are_stored_once_and_alarms_act(org, broker, devices):
    water, smoke = devices
    listener = Listener(*broker).start()
    try:
        assert listener.connected.wait(10)
        at = timezone.now().replace(microsecond=0)
        publish(*broker, topic(water), event("reading", 1.2, at))
        publish(*broker, topic(water), event("reading", 1.2, at))  # a repeat: the same device, kind and time
        publish(*broker, topic(smoke), event("heartbeat", 87.0))
        publish(*broker, topic(smoke), b"{not json")
        publish(*broker, topic(smoke), event("alarm", None, message="烟雾浓度超标"))
        publish(*broker, topic(water), event("reading", 2.8, at + dt.timedelta(seconds=5)))  # over the threshold
        assert wait_until(lambda: listener.handled >= 6, 30)
    finally:
        listener.stop()
    assert SensorEvent.objects.filter(device=water).count() == 2
    smoke.refresh_from_db()
    assert smoke.online and smoke.battery == 87.0
    dead = DeadLetter.objects.get()
    assert dead.device_code == smoke.code and "not JSON" in dead.error
    alert = Alert.objects.get(kind="sensor")
    assert "东湖小学烟感" in alert.title and alert.reasons == ["烟雾浓度超标"]
    incident = Incident.objects.get(device=water)
    assert incident.source == "sensor" and incident.lat == 39.905


def test_bad_payloads_never_raise_and_say_why(org, devices):
    water, _smoke = devices
    for payload, why in ((b"[1]", "not a JSON object"), (json.dumps(event("boom")), "kind must be"),
                         (json.dumps({**event(), "value": "high"}), "value must be"),
                         (json.dumps({**event(), "at": "yesterday"}), "ISO-8601")):
        assert sensors.handle(topic(water), payload) == "dead"
        assert why in DeadLetter.objects.first().error
    assert sensors.handle("gongzhi/sensors/nope/events", json.dumps(event())) == "dead"
    assert sensors.handle("other/topic", b"{}") == "dead"


def test_a_device_over_its_rate_is_limited_and_a_silent_one_goes_offline(org, devices, settings):
    settings.GONGZHI = {**settings.GONGZHI, "SENSOR_RATE_PER_MINUTE": 3, "SENSOR_OFFLINE_MINUTES": 30}
    water, _smoke = devices
    base = timezone.now()
    results = [sensors.handle(topic(water), json.dumps(event("heartbeat", 90, base + dt.timedelta(seconds=i))))
               for i in range(5)]
    assert results == ["stored", "stored", "stored", "limited", "limited"]
    assert sensors.mark_offline(timezone.now() + dt.timedelta(minutes=31)) == 1
    water.refresh_from_db()
    assert not water.online


def test_a_second_alarm_does_not_open_a_second_incident(org, devices):
    water, _smoke = devices
    Device.objects.filter(pk=water.pk).update(grid=org.west_g)  # the device's own grid, not where its point is
    water.refresh_from_db()
    now = timezone.now()
    assert sensors.handle(topic(water), json.dumps(event("alarm", 3.0, now))) == "alarm"
    assert sensors.handle(topic(water), json.dumps(event("alarm", 3.1, now + dt.timedelta(seconds=1)))) == "alarm"
    assert Incident.objects.filter(device=water).count() == 1
    assert Incident.objects.get(device=water).grid == org.west_g


@pytest.mark.skipif(not shutil.which("mosquitto") and not shutil.which("/usr/sbin/mosquitto"),
                    reason="needs Debian's mosquitto to run a broker of its own to restart")
def test_the_subscriber_reconnects_when_the_broker_restarts(org, devices, tmp_path):
    water, _smoke = devices
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")

    def start():
        proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_until(lambda: broker_up("127.0.0.1", port), 10)
        return proc

    proc = start()
    listener = Listener("127.0.0.1", port).start()
    try:
        assert listener.connected.wait(10)
        publish("127.0.0.1", port, topic(water), event("reading", 1.0))
        assert wait_until(lambda: SensorEvent.objects.filter(device=water).count() == 1)
        proc.terminate()
        proc.wait(10)
        assert wait_until(lambda: not listener.connected.is_set(), 10)
        proc = start()
        assert listener.connected.wait(40), "the subscriber did not reconnect"
        publish("127.0.0.1", port, topic(water), event("reading", 1.1, timezone.now() + dt.timedelta(seconds=1)))
        assert wait_until(lambda: SensorEvent.objects.filter(device=water).count() == 2)
    finally:
        listener.stop()
        proc.terminate()
        proc.wait(10)


SERVE_DEVICE = """
from gongzhi.core.models import Region
from gongzhi.emergency.models import Device
region = Region.objects.create(name="示范区", code="330100000000", level=Region.Level.DISTRICT)
Device.objects.create(code="serve-water", kind="water_level", name="东湖桥水位计", region=region, threshold=2.5)
"""


@pytest.mark.skipif(not shutil.which("mosquitto") and not shutil.which("/usr/sbin/mosquitto"),
                    reason="needs Debian's mosquitto to run a broker of its own")
def test_gongzhi_serve_starts_the_subscriber_that_stores_what_the_broker_carries(tmp_path):
    """The subscriber is no separate chore: `gongzhi serve` runs `gongzhi sensors listen` beside it,
    on the configured broker, and an event published there lands in the server's database."""
    import os
    import signal
    import sqlite3
    import sys

    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    broker_proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, GONGZHI_DATA_DIR=str(tmp_path), GONGZHI_MQTT_HOST="127.0.0.1", GONGZHI_MQTT_PORT=str(port))
    env.pop("GONGZHI_DATABASE_URL", None)  # its own SQLite file
    env.pop("GONGZHI_DEBUG", None)
    subprocess.run([sys.executable, "-m", "gongzhi", "migrate", "--verbosity", "0"], env=env, check=True)
    subprocess.run([sys.executable, "-m", "gongzhi", "shell", "-c", SERVE_DEVICE], env=env, check=True)
    database = tmp_path / "gongzhi.sqlite3"
    serve = subprocess.Popen([sys.executable, "-m", "gongzhi", "serve", "--port", str(free_port()), "--no-migrate"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def stored() -> list:
        with sqlite3.connect(database, timeout=5) as db:
            return db.execute("SELECT e.kind, e.value, e.alarm FROM emergency_sensorevent e JOIN emergency_device d"
                              " ON d.id = e.device_id WHERE d.code = 'serve-water'").fetchall()

    try:
        assert wait_until(lambda: broker_up("127.0.0.1", port), 10)
        for sent in range(90):  # the subscriber takes a few seconds to start: what it missed is published again
            publish("127.0.0.1", port, "gongzhi/sensors/serve-water/events",
                    event("reading", 2.9, timezone.now() + dt.timedelta(seconds=sent)))
            if wait_until(stored, 1):
                break
        assert stored(), "nothing published reached the server's database"
        assert serve.poll() is None
        assert stored()[0] == ("reading", 2.9, 1)  # over the device's threshold: an alarm
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(20)
        broker_proc.terminate()
        broker_proc.wait(10)
