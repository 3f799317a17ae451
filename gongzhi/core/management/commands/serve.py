"""`gongzhi serve`: the production-grade WSGI server (waitress) plus the background task worker."""
from __future__ import annotations

import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve Gongzhi over HTTP with waitress, and run the background task worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")
        parser.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations first")
        parser.add_argument("--trusted-proxy", default=settings.GONGZHI["TRUSTED_PROXY"],
                            help="address of the reverse proxy whose X-Forwarded-For gives the client address "
                                 "(default GONGZHI_TRUSTED_PROXY); without it every visitor behind the proxy "
                                 "would share one address for rate limits and the audit log")

    def handle(self, *args, **opts):
        from waitress import create_server

        from gongzhi.wsgi import application

        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)  # a no-op unless GONGZHI_CACHE=db
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        proxy = {}
        if opts["trusted_proxy"]:
            proxy = {"trusted_proxy": opts["trusted_proxy"], "trusted_proxy_count": 1,
                     "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
                     "clear_untrusted_proxy_headers": True}
        try:
            server = create_server(application, host=opts["host"], port=opts["port"], threads=opts["threads"],
                                   ident="gongzhi", **proxy)
        except OSError as exc:
            raise CommandError(f"cannot serve on {opts['host']}:{opts['port']}: {exc.strerror}") from None
        worker = None
        if not opts["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "gongzhi", "worker"])
        url = f"http://{opts['host']}:{opts['port']}/"
        self.stdout.write(self.style.SUCCESS(f"Gongzhi is serving {url} (Ctrl+C to stop)"))
        self.stdout.flush()

        def stop(*_):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(10)
                except subprocess.TimeoutExpired:
                    worker.kill()
