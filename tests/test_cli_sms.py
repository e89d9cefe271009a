"""``hotline sms send``: text the service from a number and read the answer, no carrier needed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from rq import Worker
from sqlalchemy import select

from hotline.config import Settings
from hotline.models import Direction, Message, MessageStatus
from hotline.runtime import Runtime
from tests.processes import run_hotline, start_hotline


def test_with_no_worker_running_the_text_is_stored_and_the_command_says_so(
    state: Runtime, settings: Settings
) -> None:
    result = run_hotline(settings, "sms", "send", "+996555123456", "HELP", "--wait", "1")

    assert result.returncode == 1
    assert "no worker is running" in result.stderr
    assert "hotline run" in result.stderr
    with state.sessions() as session:
        text = session.scalars(select(Message)).one()
    assert (text.direction, text.provider, text.status) == ("inbound", "console", "received")


def test_a_bad_number_is_a_clear_error(state: Runtime, settings: Settings) -> None:
    result = run_hotline(settings, "sms", "send", "hello", "HELP")

    assert result.returncode == 1
    assert "'hello' is not a phone number" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_reply_is_printed_once_a_worker_sends_it(
    state: Runtime, settings: Settings, tmp_path: Path
) -> None:
    worker = start_hotline(settings, tmp_path / "worker.log", "worker")
    try:
        deadline = time.monotonic() + 60
        while not Worker.count(connection=state.redis):
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.2)

        result = run_hotline(settings, "sms", "send", "+996555123456", "HELP", "--wait", "60")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)  # an idle worker may sleep out its wake-up interval
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)

    assert result.returncode == 0, result.stderr
    outbox = settings.instance_path / "console_outbox.jsonl"
    [entry] = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert result.stdout.strip() == entry["body"].strip()
    with state.sessions() as session:
        reply = session.scalars(
            select(Message).where(Message.direction == Direction.OUTBOUND)
        ).one()
    assert (reply.provider, reply.status) == ("console", MessageStatus.SENT)
