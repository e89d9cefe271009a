"""The public ``/verify`` page: the SMS answer in a browser, no JavaScript needed.

The page answers in its own language, headings included, and in full: the SMS segment budget
is for texts only. A country typed alone gets that country's rules, for the citizenship picked
on the page (by default the page language's: Kyrgyz -> KG, Uzbek and Karakalpak -> UZ).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from hotline.agencies.verify import clean_query
from hotline.runtime import runtime
from hotline.sms.countries import CITIZENSHIPS
from hotline.sms.replies import PAGE_LANGUAGES
from hotline.sms.rules import citizenship_for
from hotline.web.api import answer_query, client_allowed

blueprint = Blueprint("public", __name__)

LABELS = {
    "ru": {
        "title": "Проверить агентство",
        "hint": "Название или номер лицензии",
        "go": "Проверить",
        "empty": "Введите название агентства или номер лицензии.",
        "busy": "Слишком много запросов.",
        "pick": "Чтобы проверить одно из них, введите номер его лицензии.",
        "citizens": "Для граждан",
        "rules_in": "Правила на этом языке ещё не написаны; вот они на русском.",
    },
    "ky": {
        "title": "Агенттикти текшерүү",
        "hint": "Аталышы же лицензия номери",
        "go": "Текшерүү",
        "empty": "Агенттиктин аталышын же лицензия номерин жазыңыз.",
        "busy": "Суроо өтө көп.",
        "pick": "Бирөөсүн текшерүү үчүн анын лицензия номерин жазыңыз.",
        "citizens": "Жарандар үчүн",
        "rules_in": "Эрежелер бул тилде азырынча жазыла элек; бул жерде орусча.",
    },
    "uz": {
        "title": "Agentlikni tekshirish",
        "hint": "Nomi yoki litsenziya raqami",
        "go": "Tekshirish",
        "empty": "Agentlik nomini yoki litsenziya raqamini yozing.",
        "busy": "So'rovlar juda ko'p.",
        "pick": "Bittasini tekshirish uchun uning litsenziya raqamini yozing.",
        "citizens": "Fuqarolar uchun",
        "rules_in": "Qoidalar bu tilda hali yozilmagan; mana ular rus tilida.",
    },
    "kaa": {
        "title": "Agentlikti tekseriw",
        "hint": "Atı yamasa licenziya nomeri",
        "go": "Tekseriw",
        "empty": "Agentlik atın yamasa licenziya nomerin jazıń.",
        "busy": "Sorawlar júdá kóp.",
        "pick": "Birewin tekseriw ushın onıń licenziya nomerin jazıń.",
        "citizens": "Puqaralar ushın",
        "rules_in": "Qaǵıydalar bul tilde ele jazılmaǵan; mine olar orıs tilinde.",
    },
    "en": {
        "title": "Check an agency",
        "hint": "Name or licence number",
        "go": "Check",
        "empty": "Enter an agency's name or licence number.",
        "busy": "Too many requests.",
        "pick": "To check one of them, enter its licence number.",
        "citizens": "For citizens of",
        "rules_in": "The rules are not written in English yet; here they are in Russian.",
    },
}


@blueprint.get("/verify")
def verify_page() -> ResponseReturnValue:
    state = runtime()
    language = request.args.get("lang", "ru")
    if language not in PAGE_LANGUAGES:
        language = "ru"
    asked = request.args.get("citizenship", "").upper()
    asked_citizenship = asked if asked in CITIZENSHIPS else None
    citizenship = asked_citizenship or citizenship_for(language)
    raw = request.args.get("q")
    result, problem, status = None, None, 200
    if raw is not None:
        if not client_allowed(state, "page"):
            problem, status = LABELS[language]["busy"], 429
        else:
            try:
                result = answer_query(state, clean_query(raw), language, "web", citizenship)
            except ValueError:
                problem, status = LABELS[language]["empty"], 400
    replies, rules = state.sms_content.replies, state.sms_content.rules
    page = render_template(
        "verify.html",
        labels=LABELS[language],
        language=language,
        languages=PAGE_LANGUAGES,
        query=raw or "",
        result=result,
        problem=problem,
        demo_notice=replies.text("demo_notice", language),
        citizenship=citizenship,
        asked_citizenship=asked_citizenship,
        citizenships=[(code, rules.country_name(code, language)) for code in CITIZENSHIPS],
    )
    return page, status
