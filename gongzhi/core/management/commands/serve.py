"""`gongzhi serve`: the production-grade WSGI server (waitress) plus the background task worker.

Start-up order: migrate, reserve the port (a busy port fails at once), start the worker, warm up
(the apps' in-process indexes and models, see gongzhi.core.warmup), and only then listen: no
request waits for a warm-up. The worker dies with this process, even on kill -9: it is started
with the kernel's parent-death signal (Linux) and watches this process's id as well.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int):
    """preexec_fn for the worker: SIGTERM it when this process dies (Linux), however it dies.
    prctl is looked up here, before the fork: the child only calls it."""
    prctl = None
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            pass  # no prctl: the worker's own watchdog (--parent-pid) still ends it

    def preexec():
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
    return preexec


def _reserve(host: str, port: int) -> socket.socket:
    """Bind the address without listening yet: the port is ours, connections are refused (not
    queued) until the warm-up is done."""
    try:
        family, socktype, proto, _name, address = socket.getaddrinfo(
            host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)[0]
        sock = socket.socket(family, socktype, proto)
    except OSError as exc:
        raise CommandError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise CommandError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    return sock


class Command(BaseCommand):
    help = "Serve Gongzhi over HTTP with waitress, and run the background task worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        # Python runs one thread at a time: threads beyond what hides the database's waits only contend
        # for the interpreter lock (bench/load_intake.py, one process: 80 appeals/s with 3, 68 with 8).
        parser.add_argument("--threads", type=int, default=3,
                            help="request threads (default 3; more only help while requests wait on slow peers)")
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the task worker (nor the apps' processes, such as the sensor subscriber)")
        parser.add_argument("--skip", action="append", default=[], metavar="NAME",
                            help="do not start this app process (e.g. --skip sensors)")
        parser.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations first")
        parser.add_argument("--trusted-proxy", default=settings.GONGZHI["TRUSTED_PROXY"],
                            help="address of the reverse proxy whose X-Forwarded-For gives the client address "
                                 "(default GONGZHI_TRUSTED_PROXY); without it every visitor behind the proxy "
                                 "would share one address for rate limits and the audit log")

    def handle(self, *args, **opts):
        from django.core.servers.basehttp import get_internal_wsgi_application
        from waitress import create_server

        from gongzhi.core import warmup

        application = get_internal_wsgi_application()  # settings.WSGI_APPLICATION, the project's

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
        sock = _reserve(opts["host"], opts["port"])
        worker = None
        if not opts["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "gongzhi", "worker", "--parent-pid", str(os.getpid())],
                                      preexec_fn=_die_with_parent(os.getpid()))
        from gongzhi.core import periodic

        others = [subprocess.Popen([sys.executable, "-m", "gongzhi", *argv, "--parent-pid", str(os.getpid())],
                                   preexec_fn=_die_with_parent(os.getpid()))
                  for name, argv in periodic.PROCESSES.items() if not opts["no_worker"] and name not in opts["skip"]]
        try:
            seconds = warmup.run()
            connections.close_all()  # the request threads open their own
            server = create_server(application, sockets=[sock], threads=opts["threads"], ident="gongzhi", **proxy)
            url = f"http://{opts['host']}:{opts['port']}/"
            self.stdout.write(self.style.SUCCESS(f"Gongzhi is serving {url} (Ctrl+C to stop; warmed up in {seconds:.1f} s)"))
            self.stdout.flush()

            def stop(*_):
                raise KeyboardInterrupt

            signal.signal(signal.SIGTERM, stop)
            try:
                server.run()
            except KeyboardInterrupt:
                pass
        finally:
            sock.close()
            for child in [worker, *others] if worker is not None else others:
                child.terminate()
                try:
                    child.wait(10)
                except subprocess.TimeoutExpired:
                    child.kill()
