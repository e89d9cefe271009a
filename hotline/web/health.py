"""Health checks: ``/livez`` for load balancers, ``/healthz`` for monitoring.

A load balancer must not take every web node out when PostgreSQL is away: the nodes still
accept (spool) inbound SMS and status reports then, and tell callers to call back. So it asks
``/livez`` (this process answers requests); ``/healthz`` says whether the database and Redis
answer and is what alerts watch.
"""

from __future__ import annotations

import logging

import redis
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hotline.runtime import runtime

blueprint = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@blueprint.get("/livez")
def livez() -> ResponseReturnValue:
    return jsonify({"status": "ok"})


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    state = runtime()
    checks = {"database": "ok", "redis": "ok"}
    try:
        with state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("health: database unreachable: %s", type(exc).__name__)
        checks["database"] = "unreachable"
    try:
        state.redis.ping()
    except (redis.RedisError, OSError) as exc:
        log.warning("health: redis unreachable: %s", type(exc).__name__)
        checks["redis"] = "unreachable"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "degraded", **checks}
    return jsonify(body), 200 if healthy else 503
