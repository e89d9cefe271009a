"""The first hour of a newcomer, on a machine with no PostgreSQL, no Redis and no Twilio account.

The project is installed as a user installs it: into a fresh virtualenv, not editable, so a
template, prompt or data file left out of the package fails here. ``hotline run`` starts on a
free port in an empty instance folder with DATABASE_URL, REDIS_URL, HOTLINE_PROVIDER and every
other setting unset (SQLite, the embedded Redis 6.2, the console provider), and is driven only
through what a person uses: its commands, its pages and instance/console_outbox.jsonl.

None of the suite's database or Redis fixtures is used, so this passes where no server runs.
``HOTLINE_WHEELHOUSE`` (a folder from ``pip wheel . setuptools -w DIR``) installs without a
network: ``pip install --no-index --find-links DIR``. Run it alone with ``pytest -m newcomer``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest
import redis

from hotline.config import VARIABLES
from hotline.redis_server import embedded_socket_path

pytestmark = pytest.mark.newcomer

REPOSITORY = Path(__file__).resolve().parents[1]
# Not copied into the build: what a checkout has beside the package (and this machine's state).
NOT_SOURCE = (".venv", ".git", "instance", "artifacts", "build", "dist", "*.egg-info",
              "__pycache__", ".*_cache", ".hypothesis", "node_modules")  # fmt: skip
AGENCY = "Ак-Жол Тревел"  # in the bundled demo registry, licence KG-0145-23
AGENCY_LICENCE = "KG-0145-23"
CONTACTS = [f"+99655520000{n}" for n in range(1, 6)]
STOPPED = CONTACTS[2]
FEW_SECONDS = 15.0  # an answer on an idle machine takes well under one


@dataclass
class Newcomer:
    """The installed ``hotline`` and the running instance, as the newcomer reaches them."""

    bin: Path
    env: dict[str, str]
    instance: Path
    url: str
    home: Path

    def hotline(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.bin / "hotline"), *args],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"hotline {' '.join(args)}: {result.stderr}"
        return result

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as answer:  # noqa: S310
            return _decoded(answer)

    def post(self, path: str, document: dict[str, Any]) -> Any:
        request = urllib.request.Request(  # noqa: S310 - our own server on loopback
            self.url + path,
            data=json.dumps(document).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return _decoded(answer)

    def outbox(self) -> list[dict[str, str]]:
        path = self.instance / "console_outbox.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def texts_to(self, phone: str) -> list[str]:
        return [entry["body"] for entry in self.outbox() if entry.get("to") == phone]


def _decoded(answer: Any) -> Any:
    body = answer.read()
    if answer.headers.get_content_type() == "application/json":
        return json.loads(body)
    return body


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _until(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"not within {seconds:g} s: {what}"
        time.sleep(0.2)


def _newcomer_env(venv: Path, instance: Path) -> dict[str, str]:
    """This environment without any hotline setting, test service or virtualenv of ours."""
    ours = {variable.name for variable in VARIABLES} | {"DATABASE_URL", "REDIS_URL"}
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ours
        and not name.startswith(("TEST_", "HOTLINE_", "TWILIO_", "AT_"))
        and name not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["INSTANCE_PATH"] = str(instance)
    return env


def _install(folder: Path) -> Path:
    """A fresh virtualenv with the project installed from a copy of this checkout, not editable.

    From a copy: pip builds in the source tree, which would leave ``build/`` and a rewritten
    egg-info in a checkout others work in.
    """
    source = folder / "source"
    shutil.copytree(REPOSITORY, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    command = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
               "--disable-pip-version-check"]  # fmt: skip
    wheelhouse = os.environ.get("HOTLINE_WHEELHOUSE")
    if wheelhouse:
        command += ["--no-index", "--find-links", wheelhouse]
    installed = subprocess.run(
        [*command, str(source)], capture_output=True, text=True, timeout=600, cwd=folder
    )
    hint = " (the wheelhouse needs setuptools too: pip wheel . setuptools -w DIR)"
    assert installed.returncode == 0, installed.stderr + (hint if wheelhouse else "")
    return venv


def _embedded_redis_pid(instance: Path) -> int:
    connection = redis.Redis(unix_socket_path=str(embedded_socket_path(instance)))
    try:
        return int(connection.info("server")["process_id"])
    finally:
        connection.close()


def _stop(process: subprocess.Popen[bytes], started: set[int]) -> list[str]:
    """Stop ``hotline run`` as Ctrl-C would, then anything left; return what outlived it."""
    with_children = started | {child.pid for child in _children(process.pid)}  # the worker
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while (alive := _alive(with_children)) and time.monotonic() < deadline:
        time.sleep(0.2)
    orphans = [f"{p.pid} {' '.join(p.cmdline())[:120]}" for p in alive]
    for survivor in alive:
        survivor.kill()
    return orphans


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(pids: set[int]) -> list[psutil.Process]:
    alive = []
    for pid in pids:
        try:
            found = psutil.Process(pid)
            if found.is_running() and found.status() != psutil.STATUS_ZOMBIE:
                alive.append(found)
        except psutil.NoSuchProcess:
            continue
    return alive


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newcomer]:
    folder = tmp_path_factory.mktemp("newcomer")
    venv = _install(folder)
    instance = folder / "instance"
    instance.mkdir()  # empty: no database, no secret key, no Redis yet
    home = folder / "home"  # not the checkout: ``python -m`` must find the installed package
    home.mkdir()
    port = _free_port()
    env = _newcomer_env(venv, instance)
    log = folder / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(venv / "bin" / "hotline"), "run", "--port", str(port)],
            env=env,
            cwd=home,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group: the run, its worker, their children
        )
    started: set[int] = set()
    try:
        url = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:  # noqa: S310
                    return bool(answer.status == 200)
            except OSError:
                return False

        _until(healthy, 90, "hotline run answers /healthz")
        started.add(_embedded_redis_pid(instance))
        yield Newcomer(venv / "bin", env, instance, url, home)
    finally:
        orphans = _stop(process, started)
    assert not orphans, f"left running after hotline run stopped: {orphans}"
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")


def test_the_health_page_answers(newcomer: Newcomer) -> None:
    assert newcomer.get("/healthz") == {"database": "ok", "redis": "ok", "status": "ok"}


def test_an_agency_texted_in_gets_its_verdict_in_the_console_outbox(newcomer: Newcomer) -> None:
    phone = "+996555100001"
    started = time.monotonic()

    printed = newcomer.hotline("sms", "send", phone, AGENCY, "--wait", str(FEW_SECONDS)).stdout

    [verdict] = _until(lambda: newcomer.texts_to(phone), FEW_SECONDS, "the verdict in the outbox")
    assert time.monotonic() - started < FEW_SECONDS
    assert AGENCY_LICENCE in verdict
    assert printed.strip() == verdict.strip()
    assert "\\u" not in (newcomer.instance / "console_outbox.jsonl").read_text(encoding="utf-8")


def _campaign(newcomer: Newcomer, name: str, body: str) -> str:
    definition = newcomer.home / f"{name}.yaml"
    definition.write_text(
        f"name: {name}\nmessages: {{ru: {json.dumps(body, ensure_ascii=False)}}}\n"
        'send_window: "00:00-24:00"\nrate_per_second: 50\n',
        encoding="utf-8",
    )
    campaign_id = newcomer.hotline("campaigns", "create", str(definition)).stdout.strip()
    newcomer.hotline("campaigns", "launch", campaign_id, "--approve")

    def finished() -> bool:
        status = json.loads(newcomer.hotline("campaigns", "status", campaign_id, "--json").stdout)
        counts = status["counts"]
        return counts.get("pending", 0) + counts.get("sending", 0) == 0 and bool(counts)

    _until(finished, 60, f"campaign {name} sent to everyone enrolled")
    return campaign_id


def _texted(newcomer: Newcomer, body: str) -> set[str]:
    return {entry["to"] for entry in newcomer.outbox() if entry.get("body") == body}


def test_stop_keeps_a_number_out_of_the_next_campaign_and_start_brings_it_back(
    newcomer: Newcomer,
) -> None:
    contacts = newcomer.home / "partners.csv"
    rows = [f"{phone},ru,Osh,intending,2025-06-01" for phone in CONTACTS]
    contacts.write_text("phone,language,region,stage,consent_date\n" + "\n".join(rows) + "\n")
    imported = json.loads(newcomer.hotline("contacts", "import", str(contacts)).stdout)
    assert imported["imported"] == len(CONTACTS)

    newcomer.hotline("sms", "send", STOPPED, "STOP", "--wait", str(FEW_SECONDS))
    first = "Проверяйте агентство по СМС до отъезда."
    _campaign(newcomer, "before-start", first)
    assert _texted(newcomer, first) == set(CONTACTS) - {STOPPED}

    # START from the simulator's SMS pane, as a newcomer without a terminal would send it.
    sent = newcomer.post("/simulator/sms", {"from": STOPPED, "text": "START"})
    _until(
        lambda: newcomer.get(f"/simulator/sms/{sent['ticket']}")["status"] == "sent",
        FEW_SECONDS,
        "the answer to START",
    )
    second = "Горячая линия отвечает бесплатно."
    _campaign(newcomer, "after-start", second)
    assert _texted(newcomer, second) == set(CONTACTS)


def test_the_simulator_answers_a_call_with_words_and_audio(newcomer: Newcomer) -> None:
    page = newcomer.get("/simulator").decode()
    assert 'id="sms-form"' in page  # the SMS pane is open: the provider is the console

    answered = newcomer.post("/simulator/step", {})
    chosen = newcomer.post("/simulator/step", {**answered["waiting"], "digits": "2"})

    assert answered["played"], "the call was answered in silence"
    assert chosen["language"] == "ru"
    spoken = chosen["played"][0]
    assert spoken["text"]
    assert spoken["url"] is not None
    where = urlsplit(spoken["url"])
    audio = newcomer.get(where.path + (f"?{where.query}" if where.query else ""))
    assert audio[:4] == b"RIFF"  # the prompt's recording made it into the package


def test_a_bad_request_is_not_a_server_error(newcomer: Newcomer) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        newcomer.post("/simulator/sms", {"from": "hello", "text": "HELP"})
    with refused.value as answer:
        assert answer.code == 400
        assert "not a phone number" in json.loads(answer.read())["error"]
