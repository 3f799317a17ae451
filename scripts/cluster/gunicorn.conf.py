"""gunicorn settings of one app process of scripts/cluster.sh (one worker process, N threads).

The process warms its in-process indexes and models (gongzhi.core.warmup) before it takes requests,
as `gongzhi serve` does; the proxy's client address is taken from X-Forwarded-For by gongzhi.wsgi
(GONGZHI_TRUSTED_PROXY).
"""
import os

worker_class = "gthread"
workers = 1
threads = int(os.environ.get("GONGZHI_APP_THREADS", "3"))  # more contend for the interpreter lock (`gongzhi serve --help`)
backlog = 2048
keepalive = 75  # longer than nginx's upstream keepalive_timeout: nginx closes first
timeout = 120
graceful_timeout = 20
accesslog = None
errorlog = "-"
loglevel = "warning"
proc_name = "gongzhi-app"


def post_worker_init(worker):
    from django.db import connections

    from gongzhi.core import warmup

    seconds = warmup.run()
    connections.close_all()  # the request threads open their own
    worker.log.warning("gongzhi app process %s warmed up in %.1f s", os.getpid(), seconds)
