"""Blueprints, one per surface: provider webhooks, the public API and pages, the console."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from hotline.web.api import blueprint as api
    from hotline.web.audio import blueprint as audio
    from hotline.web.console import blueprint as console
    from hotline.web.console import init_translations
    from hotline.web.health import blueprint as health
    from hotline.web.public import blueprint as public
    from hotline.web.simulator import blueprint as simulator
    from hotline.web.webhooks import blueprint as webhooks

    for blueprint in (health, webhooks, api, public, simulator, audio, console):
        app.register_blueprint(blueprint)
    init_translations(app)
