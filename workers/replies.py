"""Answer inbound SMS in batches, and send the replies concurrently.

A campaign announcement can bring hundreds of texts a second. A job per text, and another per
reply, spends more on RQ's own bookkeeping (some sixty Redis commands a job) than on answering.
So the web only makes sure one batch job is on its way (``request_answers``); that job answers
every text waiting, in arrival order, and sends the replies over concurrent provider calls.

Why no text is missed: the web stores the text, then sets ``QUEUED_KEY`` (NX) and enqueues a
job only if it set the key; the job deletes the key before it looks for texts. So a text
committed while the key was already set is found by a job that has not started looking yet.
Each text is claimed with a conditional UPDATE (``answer_message``), so two batch jobs (or a
job and the minute sweep) never answer it twice.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from hotline.models import Direction, Message, MessageStatus
from hotline.providers.base import ProviderError
from hotline.queues import HIGH
from hotline.runtime import Runtime, runtime
from hotline.sms.outbound import deliver_sms
from workers.sms import (
    Answer,
    answer_inbound_sms,
    answer_message,
    queue_send,
    status_callback_url,
)

log = logging.getLogger(__name__)

QUEUED_KEY = "hotline:sms-answers:queued"
QUEUED_SECONDS = 60  # a job lost with its key still set is replaced after this at the latest
BATCH_SIZE = 100  # texts looked up at a time; the job goes on until none are waiting
SEND_CONCURRENCY = 8  # provider calls in flight; each thread holds one database connection
ANSWER_RETRY_INTERVALS = (5, 30, 120)

_senders: ThreadPoolExecutor | None = None


def request_answers(state: Runtime) -> bool:
    """Make sure a batch job will look for waiting texts; True if this call enqueued it."""
    if not state.redis.set(QUEUED_KEY, "1", nx=True, ex=QUEUED_SECONDS):
        return False
    try:
        state.queues.enqueue(
            answer_waiting_sms,
            queue=HIGH,
            job_id=f"sms-answers-{uuid.uuid4().hex}",
            retry_intervals=ANSWER_RETRY_INTERVALS,
        )
    except BaseException:
        state.redis.delete(QUEUED_KEY)
        raise
    return True


def waiting_texts(state: Runtime, limit: int, passed_over: set[int]) -> list[int]:
    """Inbound texts stored and not yet answered, oldest first."""
    query = (
        select(Message.id)
        .where(Message.direction == Direction.INBOUND, Message.status == MessageStatus.RECEIVED)
        .order_by(Message.id)
        .limit(limit)
    )
    if passed_over:
        query = query.where(Message.id.not_in(passed_over))
    with state.sessions() as session:
        return list(session.scalars(query))


def answer_waiting_sms() -> dict[str, Any]:
    """Answer every text waiting, then send the replies; safe to run twice or side by side."""
    state = runtime()
    try:
        state.redis.delete(QUEUED_KEY)
    except redis.RedisError:
        pass  # then a later text may enqueue a second job: harmless, the claims decide
    answered = sent = 0
    callbacks = False
    passed_over: set[int] = set()
    while ids := waiting_texts(state, BATCH_SIZE, passed_over):
        done: list[Answer] = []
        for message_id in ids:
            try:
                answer = answer_message(state, message_id)
            except SQLAlchemyError:
                raise  # the database is away: RQ retries the whole batch later
            except Exception:
                # One text that breaks the answering must not hold up the others: it gets a
                # job of its own, with that job's retries, and this batch moves on.
                log.exception("sms %s: answering failed; retried on its own", message_id)
                passed_over.add(message_id)
                queue_single_answer(state, message_id)
                continue
            if answer is not None:
                done.append(answer)
        answered += len(done)
        sent += send_replies(state, [a for a in done if a.reply_id is not None])
        callbacks |= any(a.callback_requested for a in done)
    if callbacks:
        from workers.callbacks import enqueue_placing

        enqueue_placing(state)
    return {"answered": answered, "replies_sent": sent}


def queue_single_answer(state: Runtime, message_id: int) -> None:
    state.queues.enqueue(
        answer_inbound_sms,
        message_id,
        queue=HIGH,
        job_id=f"sms-in-{message_id}",
        retry_intervals=ANSWER_RETRY_INTERVALS,
    )


def send_replies(state: Runtime, answers: list[Answer]) -> int:
    """Send each reply once, concurrently across numbers and in order to each number.

    Two texts from one person are answered in the order they came: "TIL ru" then "HELP" must
    not reach them as the help text first. A reply the provider cannot take now goes to a job.
    """
    by_number: dict[str, list[Answer]] = {}
    for answer in answers:
        by_number.setdefault(answer.phone, []).append(answer)
    if not by_number:
        return 0
    return sum(_pool().map(lambda queue: sum(_send(state, a) for a in queue), by_number.values()))


def _send(state: Runtime, answer: Answer) -> bool:
    assert answer.reply_id is not None
    provider = state.provider_named(answer.provider)
    callback = status_callback_url(state.settings.public_base_url, answer.provider)
    try:
        with state.sessions() as session:
            outcome = deliver_sms(session, provider, answer.reply_id, callback)
    except ProviderError as exc:  # retryable: the row is back to queued; a job retries it
        log.warning("reply %s: provider error %s; queued for retry", answer.reply_id, exc.code)
        queue_send(state, answer.reply_id, answer.provider)
        return False
    return outcome.status == "sent"


def _pool() -> ThreadPoolExecutor:
    global _senders
    if _senders is None:
        _senders = ThreadPoolExecutor(max_workers=SEND_CONCURRENCY, thread_name_prefix="reply")
    return _senders
