"""The MQTT subscriber (`gongzhi sensors listen`): paho-mqtt on the broker of GONGZHI_MQTT_HOST and
GONGZHI_MQTT_PORT, subscribed to `gongzhi/sensors/+/events`, every message through sensors.handle.

It reconnects by itself when the broker goes away (paho's reconnect with a backoff of 1 to 30 s,
and it re-subscribes on every connect), and a message that fails in any way is logged and dropped,
never ending the process. QoS 1: the broker redelivers what it did not see acknowledged, and
sensors.handle drops the duplicates.
"""
from __future__ import annotations

import logging
import threading

import paho.mqtt.client as mqtt
from django.db import close_old_connections

from . import sensors

log = logging.getLogger(__name__)


def settings_of() -> tuple[str, int]:
    return str(sensors.option("MQTT_HOST", "127.0.0.1")), int(sensors.option("MQTT_PORT", 1883))


class Listener:
    def __init__(self, host: str | None = None, port: int | None = None, client_id: str = ""):
        default_host, default_port = settings_of()
        self.host, self.port = host or default_host, port or default_port
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or "", clean_session=True)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._connected
        self.client.on_disconnect = self._disconnected
        self.client.on_message = self._message
        self.client.on_subscribe = self._subscribed
        self.connected = threading.Event()
        self.handled = 0

    def _connected(self, client, userdata, flags, reason_code, properties=None):
        if reason_code.is_failure:
            log.warning("MQTT broker %s:%s refused the connection: %s", self.host, self.port, reason_code)
            return
        client.subscribe(sensors.TOPIC_FILTER, qos=1)

    def _subscribed(self, client, userdata, mid, reason_codes, properties=None):
        # Ready only once the broker confirmed the subscription: a message published before that is not ours.
        log.info("listening on %s:%s for %s", self.host, self.port, sensors.TOPIC_FILTER)
        self.connected.set()

    def _disconnected(self, client, userdata, flags, reason_code, properties=None):
        self.connected.clear()
        log.warning("MQTT broker %s:%s went away (%s); reconnecting", self.host, self.port, reason_code)

    def _message(self, client, userdata, message):
        close_old_connections()
        try:
            sensors.handle(message.topic, message.payload)
        except Exception:  # a bug or a database hiccup: this message is lost, the subscriber goes on
            log.exception("sensor message on %s could not be handled", message.topic)
        finally:
            self.handled += 1

    def start(self) -> "Listener":
        """Connect in the background (retrying until the broker answers) and run the network loop."""
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()
        return self

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def forever(self) -> None:
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_forever(retry_first_connection=True)
