"""Error pages: the console's look, the visitor's language, and the request's id.

A person who meets an error sees what happened in words, in English or Russian, and the id of
the request, which is also in every log line of that request (the traceback of a 500 included),
so "request 3f2a..." leads straight to the cause. The page shows no data and needs no login.

Machines keep their answers: the JSON API and the simulator's step answer JSON errors, and the
provider webhooks and audio files answer exactly as before (providers read the status code,
and their retries depend on it).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import force_locale, gettext, lazy_gettext
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from hotline.web.console import INTERFACE_LANGUAGES, current_user
from hotline.web.request_ids import current_request_id

log = logging.getLogger(__name__)

JSON_PATHS = ("/api/", "/simulator/step")
PROVIDER_PATHS = ("/twilio/", "/africastalking/", "/audio/")
CONSOLE_PATH = "/console/"

TITLES = {
    400: lazy_gettext("Bad request"),
    403: lazy_gettext("Not allowed"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("Not possible here"),
    409: lazy_gettext("Not possible now"),
    413: lazy_gettext("Too large"),
    429: lazy_gettext("Too many requests"),
    500: lazy_gettext("Something went wrong"),
}
EXPLANATIONS = {
    400: lazy_gettext("The request could not be understood. Go back, check it and try again."),
    403: lazy_gettext("Your account may not open this page. Ask an administrator if you need it."),
    404: lazy_gettext("There is nothing at this address. Check the link."),
    405: lazy_gettext("This address does not answer that kind of request."),
    409: lazy_gettext("Something changed in the meantime. Reload the page and try again."),
    413: lazy_gettext("What was sent is larger than this address accepts."),
    429: lazy_gettext("Too many requests in a short time. Wait a minute and try again."),
    500: lazy_gettext(
        "The hotline could not answer this request. The problem is logged; if it happens "
        "again, tell the team the request id below."
    ),
}


def register_error_pages(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_page)


def error_page(error: HTTPException) -> Response | HTTPException:
    """The answer to an error: a page for people, JSON for the API, as before for providers."""
    code = error.code or 500
    if code < 400 or request.path.startswith(PROVIDER_PATHS):
        return error
    request_id = current_request_id()
    _log(error, code)
    if request.path.startswith(JSON_PATHS):
        response = jsonify({"error": _detail(error) or str(error.name).lower(),
                            "request_id": request_id})  # fmt: skip
    else:
        language = page_language()
        with force_locale(language):
            page = render_template(
                "error.html",
                locale=language,
                code=code,
                title=TITLES.get(code) or gettext("Error %(code)s", code=code),
                explanation=EXPLANATIONS.get(code, EXPLANATIONS[500 if code >= 500 else 400]),
                detail=_detail(error),
                request_id=request_id,
                console=request.path.startswith(CONSOLE_PATH),
            )
        response = Response(page, mimetype="text/html")  # headers: hotline.web.headers
    response.status_code = code
    for name, value in error.get_headers():  # Allow for a 405, Retry-After for a 429
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def page_language() -> str:
    """The signed-in user's choice on console pages, else the browser's preference."""
    codes = [code for code, _ in INTERFACE_LANGUAGES]
    if request.path.startswith(CONSOLE_PATH):
        try:
            user = current_user()
        except SQLAlchemyError:  # the error may be the database's own: the browser decides
            user = None
        if user is not None and user.interface_language in codes:
            return user.interface_language
    return request.accept_languages.best_match(codes) or "en"


def _detail(error: HTTPException) -> str:
    """What our code said about this error (``abort(400, description=...)``), else nothing."""
    description = error.description
    if not description or description == type(error).description:
        return ""
    return str(description)


def _log(error: HTTPException, code: int) -> None:
    if isinstance(error, InternalServerError) and error.original_exception is not None:
        return  # Flask has logged the traceback already, under this request's id
    level = logging.ERROR if code >= 500 else logging.INFO
    log.log(level, "%s %s answered %d %s", request.method, request.path, code, error.name)
