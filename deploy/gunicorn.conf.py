"""gunicorn for veche (`gunicorn -c deploy/gunicorn.conf.py wsgi:app`): behind nginx on this machine."""

import multiprocessing
import os
import shutil
from pathlib import Path

bind = os.environ.get("VECHE_BIND", "127.0.0.1:8000")  # nginx proxies here; never exposed directly
# sync workers: requests are short and the database does the waiting; 2 per core plus one is gunicorn's advice
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 60            # the longest page (a large protocol renders as a job, not in the request)
graceful_timeout = 30   # a restart lets running requests finish
keepalive = 5           # nginx keeps upstream connections open
max_requests = 2000     # recycle workers, with jitter so they do not restart together
max_requests_jitter = 200
limit_request_field_size = 16384
# the scheme from nginx (X-Forwarded-Proto) is trusted only from nginx on this machine; the app's ProxyFix
# (VECHE_PROXY_HOPS) takes the client's address
forwarded_allow_ips = os.environ.get("VECHE_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
accesslog = None        # the app writes one JSON line per request, with its request id
errorlog = "-"
capture_output = True
proc_name = "veche-web"

_METRICS = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    """Start the workers' shared metrics folder empty (a restart must not add old counts)."""
    if _METRICS:
        shutil.rmtree(_METRICS, ignore_errors=True)
        Path(_METRICS).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """A worker that ended no longer reports live gauges."""
    if _METRICS:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
