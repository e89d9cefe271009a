"""Blueprints, one per surface: provider webhooks, the public API and pages, the console."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

INT32_MAX = 2**31 - 1


class Int32Converter(IntegerConverter):
    """``<int:...>`` that stops at PostgreSQL's ``integer``, so a huge id is a 404.

    Past it PostgreSQL refuses the parameter (DataError, a 500) where SQLite simply finds
    nothing: the route fuzz found ``/console/contacts/2147483648`` doing so.
    """

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = Int32Converter  # before any rule is added
    from hotline.web.api import blueprint as api
    from hotline.web.audio import blueprint as audio
    from hotline.web.console import blueprint as console
    from hotline.web.console import init_console
    from hotline.web.errors import register_error_pages
    from hotline.web.headers import register_security_headers
    from hotline.web.health import blueprint as health
    from hotline.web.limits import init_limits
    from hotline.web.public import blueprint as public
    from hotline.web.request_ids import RequestIds
    from hotline.web.simulator import blueprint as simulator
    from hotline.web.simulator_sms import blueprint as simulator_sms
    from hotline.web.text_fields import drop_nul_from_fields
    from hotline.web.webhooks import blueprint as webhooks

    for blueprint in (health, webhooks, api, public, simulator, simulator_sms, audio, console):
        app.register_blueprint(blueprint)
    # After the blueprints: the console raises its upload limit before any form is read.
    drop_nul_from_fields(app)
    init_limits(app)
    init_console(app)
    register_error_pages(app)
    register_security_headers(app)  # every answer, the console's pages and 404s alike
    # Outermost, so the id is set before anything runs and while the response is written.
    app.wsgi_app = RequestIds(app.wsgi_app)  # type: ignore[method-assign]
