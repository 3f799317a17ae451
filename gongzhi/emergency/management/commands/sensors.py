"""`gongzhi sensors listen`: the MQTT subscriber for sensor events (gongzhi.emergency.listener)."""
from __future__ import annotations

import logging
import os
import signal
import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Sensors: `listen` subscribes to gongzhi/sensors/+/events on the MQTT broker and stores every event."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listen = sub.add_parser("listen", help="run the MQTT subscriber until stopped")
        listen.add_argument("--host", default=None, help="broker host (default GONGZHI_MQTT_HOST, 127.0.0.1)")
        listen.add_argument("--port", type=int, default=None, help="broker port (default GONGZHI_MQTT_PORT, 1883)")
        listen.add_argument("--parent-pid", type=int, default=None, help="stop when this process is gone")

    def handle(self, *args, **opts):
        if opts["action"] != "listen":
            raise CommandError("unknown action")
        from gongzhi.emergency.listener import Listener

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        listener = Listener(opts["host"], opts["port"])
        self.stdout.write(f"sensors: listening on {listener.host}:{listener.port} (Ctrl+C to stop)")
        self.stdout.flush()
        signal.signal(signal.SIGTERM, lambda *_: listener.client.disconnect() or sys.exit(0))
        parent = opts["parent_pid"]
        if parent:
            import threading
            import time

            def watch():
                while True:
                    time.sleep(2)
                    if os.getppid() != parent:
                        os._exit(0)

            threading.Thread(target=watch, daemon=True).start()
        try:
            listener.forever()
        except KeyboardInterrupt:
            pass
