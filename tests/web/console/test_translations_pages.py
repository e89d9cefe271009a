"""The console's pages in Russian: a user who switches language gets every page in it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from tests.web.console.conftest import form_token

RUSSIAN_PAGES = {
    "/console/dashboard": ["Сегодня,", "ждут обратного звонка", "не найдено: 0"],
    "/console/campaigns": ["Рассылку готовит один сотрудник", "Рассылок пока нет."],
    "/console/campaigns/new": ["Сохранить черновик", "Доля контрольной группы"],
    "/console/contacts": ["Подходящих контактов нет.", "Импорт списка", "страница 1"],
    "/console/prompts": ["Записано человеком:", "Дерево меню", "Что слышат звонящие"],
    "/console/prompts/menu": ["Дерево голосового меню", "Попробовать в симуляторе"],
    "/console/registry": ["Журнал проверок", "Название агентства или номер лицензии"],
    "/console/registry/checks": ["Проверок пока нет.", "назад к реестру"],
}
ENGLISH_PAGES = {
    "/console/dashboard": "callbacks waiting",
    "/console/campaigns": "No campaigns yet.",
    "/console/contacts": "No contact matches.",
    "/console/prompts": "recorded by a person.",
}


@pytest.fixture
def russian_client(login_as: Callable[..., FlaskClient]) -> FlaskClient:
    """A campaign manager (who may see all these pages) who chose Russian."""
    client = login_as("campaign_manager")
    for path, text in ENGLISH_PAGES.items():
        assert text in client.get(path).get_data(as_text=True), path
    token = form_token(client, "/console/dashboard")
    answer = client.post("/console/language", data={"language": "ru", "csrf_token": token})
    assert answer.status_code in (302, 303)
    return client


@pytest.mark.parametrize("path", sorted(RUSSIAN_PAGES))
def test_console_pages_render_in_russian(russian_client: FlaskClient, path: str) -> None:
    answer = russian_client.get(path)

    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert '<html lang="ru">' in page
    for text in RUSSIAN_PAGES[path]:
        assert text in page, f"{text!r} missing from {path}"


def test_refusals_from_the_page_code_come_in_russian(
    login_as: Callable[..., FlaskClient],
) -> None:
    client = login_as("admin")
    token = form_token(client, "/console/users")
    client.post("/console/language", data={"language": "ru", "csrf_token": token})

    refused = client.post("/console/registry/import", data={"csrf_token": token})

    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Ничего не импортировано" in page
    assert "выберите CSV-файл реестра" in page
