"""gunicorn settings for the hotline's web nodes (``gunicorn -c deploy/gunicorn.conf.py wsgi:app``).

Environment: ``BIND`` (default 127.0.0.1:8000), ``WEB_CONCURRENCY`` (processes, default 2 per
core + 1) and ``WEB_THREADS`` (threads per process; default 1, plain sync workers).

Requests are short and the load balancer in front holds slow clients, so sync workers are
right. Measured with benchmarks/load.py on two cores, 6 sync workers answered 60 IVR steps and
60 SMS a second with p99 under 70 ms where 4 gthread workers of 8 threads reached 190 ms: the
thread hand-offs cost more CPU than the database waits they fill.
"""

import multiprocessing
import os
from pathlib import Path

chdir = str(Path(__file__).resolve().parents[1])
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("WEB_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
keepalive = 5
backlog = 2048
# Twilio gives a webhook 15 s; a request still running after 20 s is stuck, not slow.
timeout = 20
graceful_timeout = 20
# Recycle workers now and then so a slow leak can never take a node down.
max_requests = 20000
max_requests_jitter = 2000
preload_app = True
# Access logs would carry Africa's Talking's ?token= secret; the app logs what it needs.
accesslog = None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# X-Forwarded-* is trusted per PROXY_COUNT inside the app (werkzeug ProxyFix), not here.
forwarded_allow_ips = "127.0.0.1"
