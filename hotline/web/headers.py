"""Security headers on every answer the app gives: console, public pages, API, errors, files.

One ``after_request`` for the whole app, so a page added later (or a 404, which no blueprint
sees) cannot be served without them. Every page allows scripts only from our own origin and
cannot be framed; the public pages (``/verify``, ``/simulator``) carry their styles inline,
which is why ``style-src`` allows inline styles, as the console's always did. The JSON blocks
the simulator's scripts read (``<script type="application/json">``) are data, never run, so
``script-src 'self'`` does not stop them.

Caching: console pages and error pages are never stored (``no-store``: they show contacts,
cases and who is logged in). Elsewhere a view that chose its caching keeps it (audio files
are content-addressed and cached for a year, static files revalidate); any other answer is
``no-store`` too, because a verdict on an agency changes when the registry does.
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
NEVER_STORED = ("/console/",)  # what staff see is never kept by a browser or a proxy


def security_headers(response: Response) -> Response:
    """Add the headers every answer carries, and say how it may be cached."""
    response.headers.update(HEADERS)
    if request.path.startswith(NEVER_STORED) or response.status_code >= 400:
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register_security_headers(app: Flask) -> None:
    app.after_request(security_headers)
