"""The public ``/verify`` page: the SMS answer in a browser, no JavaScript needed."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from hotline.agencies.verify import clean_query
from hotline.config import LANGUAGES
from hotline.runtime import runtime
from hotline.web.api import client_allowed, run_verification

blueprint = Blueprint("public", __name__)

LABELS = {
    "ru": {
        "title": "Проверить агентство",
        "hint": "Название или номер лицензии",
        "go": "Проверить",
        "empty": "Введите название агентства или номер лицензии.",
        "busy": "Слишком много запросов.",
    },
    "ky": {
        "title": "Агенттикти текшерүү",
        "hint": "Аталышы же лицензия номери",
        "go": "Текшерүү",
        "empty": "Агенттиктин аталышын же лицензия номерин жазыңыз.",
        "busy": "Суроо өтө көп.",
    },
    "uz": {
        "title": "Agentlikni tekshirish",
        "hint": "Nomi yoki litsenziya raqami",
        "go": "Tekshirish",
        "empty": "Agentlik nomini yoki litsenziya raqamini yozing.",
        "busy": "So'rovlar juda ko'p.",
    },
    "kaa": {
        "title": "Agentlikti tekseriw",
        "hint": "Atı yamasa licenziya nomeri",
        "go": "Tekseriw",
        "empty": "Agentlik atın yamasa licenziya nomerin jazıń.",
        "busy": "Sorawlar júdá kóp.",
    },
}


@blueprint.get("/verify")
def verify_page() -> ResponseReturnValue:
    state = runtime()
    language = request.args.get("lang", "ru")
    if language not in LANGUAGES:
        language = "ru"
    raw = request.args.get("q")
    result, problem, status = None, None, 200
    if raw is not None:
        if not client_allowed(state, "page"):
            problem, status = LABELS[language]["busy"], 429
        else:
            try:
                result = run_verification(state, clean_query(raw), language, "web")
            except ValueError:
                problem, status = LABELS[language]["empty"], 400
    page = render_template(
        "verify.html",
        labels=LABELS[language],
        language=language,
        languages=LANGUAGES,
        query=raw or "",
        result=result,
        problem=problem,
    )
    return page, status
