"""Blueprints, one per surface: provider webhooks, the public API and pages, health."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from hotline.web.health import blueprint as health
    from hotline.web.webhooks import blueprint as webhooks

    app.register_blueprint(health)
    app.register_blueprint(webhooks)
