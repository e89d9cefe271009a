"""A real browser against the console served on loopback: Debian's chromium, driven by Playwright.

The chromium package is installed when it is missing and this process may (root with apt);
otherwise the browser tests are skipped with the reason. Screenshots go to
``artifacts/screenshots/`` at the project's root.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from hotline.config import Settings
from tests.processes import start_hotline

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
pytestmark = pytest.mark.slow


def _install_chromium() -> str | None:
    found = shutil.which("chromium")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    with open("/tmp/hotline-chromium-install.lock", "w") as lock:  # noqa: S108
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs must not run apt at once
        if not shutil.which("chromium"):
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            for command in (
                ["apt-get", "update", "-q"],
                ["apt-get", "install", "-y", "-q", "chromium"],
            ):
                subprocess.run(command, env=env, capture_output=True, timeout=600, check=False)
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = _install_chromium()
    if executable is None:
        pytest.skip("Debian's chromium is not installed and cannot be installed here")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def console_url(settings: Settings, tmp_path: Path, app: object) -> Iterator[str]:
    """The platform served by gunicorn-less ``hotline run`` on loopback, with its worker."""
    port = _free_port()
    process = start_hotline(settings, tmp_path / "web.log", "run", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):  # noqa: S310 - loopback
                break
        except OSError:
            assert process.poll() is None, (tmp_path / "web.log").read_text()
            assert time.monotonic() < deadline, "the console never came up"
            time.sleep(0.3)
    yield url
    os.killpg(process.pid, 15)
    process.wait(timeout=30)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
