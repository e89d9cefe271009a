"""Console page: the IVR's voice prompts per language, uploading recordings, and the menu tree.

An upload goes the way ``hotline audio import`` goes: the pipeline trims and levels it to 8 kHz
mono WAV, and the library stores it in place of the placeholder, so the next call hears it. The
players use the same content-hashed URLs the IVR hands to the provider, so staff hear exactly
what callers hear.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import redirect, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge

from audio.library import PromptState, PromptStatus, UnknownPrompt
from audio.pipeline import READABLE, AudioRejected, prepare_recording
from hotline.config import LANGUAGES
from hotline.db import utcnow
from hotline.models import StaffUser
from hotline.runtime import request_session, runtime
from hotline.staff import audit, may
from hotline.web.audio import LibraryPrompts, recordings_changed
from hotline.web.console import blueprint, render, requires
from hotline.web.errors import error_page
from ivr_menus.menu import Menu, MenuNode, NodeKind

# A studio WAV of a minute is ~10 MB, over the app's 2 MB form limit; the pipeline itself
# stops at five minutes of sound. Longer or bigger takes: compress to MP3, or the CLI.
UPLOAD_LIMIT_MB = 32
UPLOAD_ENDPOINT = "console.prompt_upload"


@dataclass(frozen=True)
class Cell:
    """One prompt in one language as the page shows it: its state and what plays now."""

    status: PromptStatus
    url: str | None  # relative, so the player obeys the console's default-src 'self'


@blueprint.before_app_request
def allow_large_recordings() -> None:
    """Raise the body limit for prompt uploads only, before the CSRF check reads the form.

    Only for a signed-in session (a record in Redis): strangers keep the app's 2 MB limit.
    """
    if request.endpoint == UPLOAD_ENDPOINT and session.get("_user_id"):
        request.max_content_length = UPLOAD_LIMIT_MB * 1024 * 1024


@blueprint.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """The error page; for a recording, with what to do about a take that is too big."""
    if request.endpoint == UPLOAD_ENDPOINT:
        error = RequestEntityTooLarge(
            gettext(
                "the file is larger than %(limit)s MB; save it as MP3, "
                "or use `hotline audio import` on the server",
                limit=UPLOAD_LIMIT_MB,
            )
        )
    return error_page(error)


@blueprint.get("/prompts")
@requires("prompts.view")
def prompts(user: StaffUser) -> ResponseReturnValue:
    """Every prompt x language: recorded, placeholder or missing, with a player for each."""
    chosen = (request.args.get("prompt", ""), request.args.get("language", ""))
    return _matrix_page(user, chosen)


@blueprint.post("/prompts/upload")
@requires("prompts.upload")
def prompt_upload(user: StaffUser) -> ResponseReturnValue:
    """Prepare and store a staff recording; a file that is not usable audio stores nothing."""
    prompt_id = request.form.get("prompt", "")
    language = request.form.get("language", "")
    chosen = (prompt_id, language)
    upload = request.files.get("file")
    library = runtime().prompt_library
    try:
        library.require(prompt_id, language)
    except UnknownPrompt as exc:
        return _matrix_page(user, chosen, error=str(exc)), 400
    if upload is None or not upload.filename:
        return _matrix_page(user, chosen, error=gettext("choose a recording to upload")), 400
    try:
        prepared = prepare_recording(upload.read(), upload.filename)
    except AudioRejected as exc:
        error = gettext("rejected, nothing stored: %(reason)s", reason=exc.message)
        return _matrix_page(user, chosen, error=error), 400
    db = request_session()
    library.store(db, prompt_id, language, prepared, source_name=upload.filename)
    detail = (
        f"{prompt_id}/{language}: {upload.filename}, {prepared.duration_ms} ms, "
        f"sha256 {prepared.checksum}"
    )
    audit(db, user.email, "prompt_upload", detail, utcnow())
    db.commit()
    recordings_changed(runtime().redis)
    return redirect(f"/console/prompts#prompt-{prompt_id}")


@blueprint.get("/prompts/menu")
@requires("prompts.view")
def prompt_menu(user: StaffUser) -> ResponseReturnValue:
    """The voice menu as a tree: which keys lead where and which prompt each node plays."""
    menu = runtime().ivr_menu
    return render("console/prompts_menu.html", user, roots=menu_tree(menu), menu=menu)


def _matrix_page(user: StaffUser, chosen: tuple[str, str], error: str | None = None) -> str:
    state = runtime()
    db = request_session()
    players = LibraryPrompts(state.prompt_library, db, base_url="")
    rows: dict[str, dict[str, Cell]] = {}
    for status in state.prompt_library.status(db):
        url = players.prompt_url(status.prompt_id, status.language)
        rows.setdefault(status.prompt_id, {})[status.language] = Cell(status, url)
    cells = [cell for by_language in rows.values() for cell in by_language.values()]
    recorded = sum(cell.status.state is PromptState.RECORDED for cell in cells)
    return render(
        "console/prompts.html",
        user,
        rows=rows,
        languages=LANGUAGES,
        recorded=recorded,
        total=len(cells),
        chosen=chosen,
        error=error,
        readable=READABLE,
        limit_mb=UPLOAD_LIMIT_MB,
        may_upload=may(user.role, "prompts.upload"),
    )


@dataclass(frozen=True)
class Edge:
    """A way out of a node: a key (or ``next``/``fallback``) and where it leads."""

    key: str
    target: str
    child: TreeNode | None  # drawn here; None when drawn elsewhere (a link to it instead)
    is_language: bool = False  # the language menu's keys set a language, not a node


@dataclass(frozen=True)
class TreeNode:
    node: MenuNode
    edges: list[Edge] = field(default_factory=list)


def menu_tree(menu: Menu) -> list[TreeNode]:
    """Lay the menu graph out as a tree: each node under the first menu that reaches it.

    The graph has cycles (9 goes back to the language menu, which leads to the main menu), so
    breadth-first order picks each node's shallowest parent; every other way to it is shown as
    a link. Nodes no key reaches still appear, as roots of their own, so nothing is hidden.
    """
    starts = [node_id for node_id in (menu.language_menu, menu.main_menu) if node_id]
    starts += [node_id for node_id in menu.nodes if node_id not in starts]
    drawn_under: dict[str, str | None] = {}
    roots: list[str] = []
    for start in starts:
        if start in drawn_under or start not in menu.nodes:
            continue
        drawn_under[start] = None
        roots.append(start)
        queue = [start]
        while queue:
            node_id = queue.pop(0)
            for _, target, is_language in _exits(menu.nodes[node_id]):
                if not is_language and target in menu.nodes and target not in drawn_under:
                    drawn_under[target] = node_id
                    queue.append(target)

    def build(node_id: str) -> TreeNode:
        edges = []
        for key, target, is_language in _exits(menu.nodes[node_id]):
            here = not is_language and drawn_under.get(target) == node_id
            if here:
                drawn_under[target] = ""  # a second key to the same node links instead
            edges.append(Edge(key, target, build(target) if here else None, is_language))
        return TreeNode(menu.nodes[node_id], edges)

    return [build(root) for root in roots]


def _exits(node: MenuNode) -> list[tuple[str, str, bool]]:
    is_language = node.kind is NodeKind.LANGUAGE
    found = [(key, target, is_language) for key, target in node.options.items()]
    found += [(label, target, False) for label, target in
              (("next", node.next), ("fallback", node.fallback)) if target]  # fmt: skip
    return found
