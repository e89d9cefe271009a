"""hotline: an SMS and IVR platform that keeps labour migrants safe."""

from __future__ import annotations

from flask import Flask

from hotline.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web application; with no settings, read them from the environment."""
    from hotline.db import make_engine, make_session_factory
    from hotline.logs import configure_logging
    from hotline.queues import Queues
    from hotline.redis_server import connect_redis, redacted_url, require_supported_version
    from hotline.runtime import EXTENSION_KEY, Runtime, close_request_session
    from hotline.web import register_blueprints

    settings = settings or Settings.from_env()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    configure_logging(settings.log_level)
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Served over HTTPS: the console's session cookie never travels in clear text.
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
    )
    engine = make_engine(settings.database_url)
    connection = connect_redis(settings)
    require_supported_version(connection, redacted_url(settings))
    app.extensions[EXTENSION_KEY] = Runtime(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        redis=connection,
        queues=Queues(connection),
    )
    if settings.proxy_count:
        # Behind a load balancer every request comes from it: trust exactly that many hops'
        # X-Forwarded-For so rate limits count real clients, and nothing a client can forge.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count
        )
    app.teardown_appcontext(close_request_session)
    register_blueprints(app)
    return app


__all__ = ["Settings", "create_app"]
