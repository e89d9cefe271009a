"""Query and form text arrives without NUL characters, on every surface but the webhooks.

PostgreSQL's ``text`` cannot hold NUL (U+0000): a parameter holding one is refused with a
DataError, a 500 where SQLite quietly matched nothing. The contact-search fuzz found
``/console/contacts?language=%00`` doing so. No person types a NUL and no field of ours means
one, so the values lose them as the request arrives, before any view can pass one to a query.

Provider webhooks are the exception: the provider's signature covers the bytes as sent, so
they are verified untouched and ``WebhookRequest.field`` drops NUL afterwards.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

# Blueprints whose requests are verified against a signature over the raw fields.
SIGNED_BLUEPRINTS = frozenset({"webhooks"})


def _holds_nul(fields: MultiDict[str, str]) -> bool:
    return any("\x00" in key + value for key, value in fields.items(multi=True))


def _without_nul(fields: MultiDict[str, str]) -> ImmutableMultiDict[str, str]:
    return ImmutableMultiDict(
        (key.replace("\x00", ""), value.replace("\x00", ""))
        for key, value in fields.items(multi=True)
    )


def _drop_nul_from_fields() -> None:
    if request.blueprint in SIGNED_BLUEPRINTS:
        return
    if _holds_nul(request.args):
        request.args = _without_nul(request.args)
    if _holds_nul(request.form):
        request.form = _without_nul(request.form)


def drop_nul_from_fields(app: Flask) -> None:
    """Clean every request's query and form fields before its view runs."""
    app.before_request(_drop_nul_from_fields)
