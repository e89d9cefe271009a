"""One gate for every text someone else's action makes us send: one budget, one record.

SMS pumping: a bot texts the keyword service, or rings the voice line, from numbers its owner
controls (or spoofs) in countries where terminating an SMS is dear, and shares what the
operators charge us. Keyword replies, the keyword list a silent caller gets, missed-call and
callback notices (and Telegram or WhatsApp replies later) are all triggered that way, so each
passes ``SpendGate`` with one call (``gate.queue``): a mobile number in
``SMS_REPLY_COUNTRIES``, at most ``NUMBER_LIMIT`` texts per number in ten minutes and then one
"slow down", and at most ``SMS_REPLIES_PER_COUNTRY_HOUR`` texts per country in an hour,
counted once for all of them in Redis. Staff-approved campaigns are the one exception: their
audience and cost were approved by a second person (``sms_campaigns``).

A refused text is still stored, ``withheld`` with the reason, so staff see "not sent: budget"
beside what would have gone; what triggered it (a report, a callback request) goes on.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

import redis
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.models import Message, MessageStatus
from hotline.phones import Destinations, country_of, mask
from hotline.sms.outbound import queue_sms

log = logging.getLogger(__name__)

# Texts per number per window: a loop with an auto-responder, or SMS pumping, ends here.
NUMBER_LIMIT = 10
NUMBER_WINDOW_SECONDS = 600
BUDGET_WINDOW_SECONDS = 3600
# The keys keyword replies were counted under before every text was: in a rolling deploy old
# and new processes still share one budget.
NUMBER_KEY = "hotline:rate:reply:{}"
COUNTRY_KEY = "hotline:rate:reply-country:{}"

# KEYS[1] the number's counter, KEYS[2] its country's; ARGV: texts a number may have (0: no
# limit), its window, texts the country may have, its window. Both are checked before either is
# counted, so a text one counter refuses spends nothing of the other; a refusal by the budget
# still counts there (the first count past it is the one that warns). TTL -1 (a counter left
# without expiry) gets its window back rather than blocking for good.
_SPEND = """
local function count(key, window)
  local n = redis.call('INCR', key)
  if redis.call('TTL', key) == -1 then redis.call('EXPIRE', key, window) end
  return n
end
local per_number = tonumber(ARGV[1])
if per_number > 0 and tonumber(redis.call('GET', KEYS[1]) or '0') >= per_number then
  return {'rate_limit', 0}
end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[3]) then
  return {'budget', count(KEYS[2], ARGV[4])}
end
count(KEYS[2], ARGV[4])
local number = 0
if per_number > 0 then number = count(KEYS[1], ARGV[2]) end
return {'send', number}
"""


class Withheld(enum.StrEnum):
    """Why a triggered text was not sent (the text's ``error_code``; an inbound text's too)."""

    COUNTRY = "no_reply:country"  # not in SMS_REPLY_COUNTRIES
    NUMBER_TYPE = "no_reply:type"  # not a mobile number (premium rate, fixed line, ...)
    NOT_A_NUMBER = "no_reply:no_number"  # hidden or unparsable: nobody to text
    RATE_LIMIT = "no_reply:rate_limit"  # the number had its texts for now
    BUDGET = "no_reply:budget"  # its country had its texts for this hour
    UNCHECKED = "no_reply:unchecked"  # Redis could not be asked: never spend uncounted


# What staff read (the console, ``hotline sms send``): our words, never the number.
WHY: dict[Withheld, str] = {
    Withheld.COUNTRY: "the number's country is not in SMS_REPLY_COUNTRIES",
    Withheld.NUMBER_TYPE: "not a mobile number",
    Withheld.NOT_A_NUMBER: "no number to text (hidden, or not a phone number)",
    Withheld.RATE_LIMIT: "this number had its texts for the next minutes",
    Withheld.BUDGET: "budget: its country had SMS_REPLIES_PER_COUNTRY_HOUR texts this hour",
    Withheld.UNCHECKED: "the budget could not be checked (Redis did not answer)",
}


@dataclass(frozen=True)
class SpendDecision:
    send: bool
    withheld: Withheld | None = None
    slow_down: bool = False  # the number's last text for now: a conversation says "slow down"

    @property
    def reason(self) -> str | None:
        """``not sent: ...`` for a withheld text, kept beside it; None for one that is sent."""
        return None if self.withheld is None else f"not sent: {WHY[self.withheld]}"


@dataclass(frozen=True)
class SpendGate:
    """The counters live in Redis, so every web process and worker spends one budget.

    ``retry_when_unchecked``: a job that can simply run again (answering an inbound text,
    before anything is committed) lets a Redis error through and is retried. Everywhere else,
    a webhook above all, the text is withheld (``no_reply:unchecked``) and recorded.
    """

    connection: redis.Redis
    destinations: Destinations
    per_country_hour: int
    per_number_limit: bool = True  # RATELIMIT_ENABLED (off for load tests; the budget stays)
    retry_when_unchecked: bool = False

    def decide(self, phone: str) -> SpendDecision:
        """Whether to text ``phone`` now; counts the text when it is to be sent."""
        refusal = self.destinations.refusal(phone)
        if refusal:
            log.info("no text to %s: %s", mask(phone), refusal)
            return SpendDecision(False, _destination_refusal(refusal))
        country = country_of(phone) or "none"
        try:
            verdict, count = self._spend(phone, country)
        except redis.RedisError as exc:
            if self.retry_when_unchecked:
                raise
            log.warning(
                "no text to %s: the budget could not be checked (%s)",
                mask(phone),
                type(exc).__name__,
            )
            return SpendDecision(False, Withheld.UNCHECKED)
        if verdict == "rate_limit":
            return SpendDecision(False, Withheld.RATE_LIMIT)
        if verdict == "budget":
            if count == self.per_country_hour + 1:  # one process sees this count: one warning
                log.warning(
                    "texts to %s stopped for the hour: over %s (SMS pumping?)",
                    country,
                    self.per_country_hour,
                )
            return SpendDecision(False, Withheld.BUDGET)
        return SpendDecision(True, slow_down=self.per_number_limit and count == NUMBER_LIMIT + 1)

    def queue(
        self,
        session: Session,
        provider: str,
        phone: str,
        body: str,
        *,
        contact_id: int | None = None,
        in_reply_to_id: int | None = None,
    ) -> Message:
        """Ask the gate and store the text as it decided; send it only if it is ``queued``."""
        decision = self.decide(phone)
        return record_text(
            session,
            decision,
            provider,
            phone,
            body,
            contact_id=contact_id,
            in_reply_to_id=in_reply_to_id,
        )

    def _spend(self, phone: str, country: str) -> tuple[str, int]:
        script = self.connection.register_script(_SPEND)
        allowance = NUMBER_LIMIT + 1 if self.per_number_limit else 0  # + the "slow down"
        answer = script(
            keys=[NUMBER_KEY.format(phone), COUNTRY_KEY.format(country)],
            args=[allowance, NUMBER_WINDOW_SECONDS, self.per_country_hour, BUDGET_WINDOW_SECONDS],
        )
        verdict, count = answer
        return (verdict.decode() if isinstance(verdict, bytes) else str(verdict)), int(count)


def spend_gate(
    settings: Settings, connection: redis.Redis, *, retry_when_unchecked: bool = False
) -> SpendGate:
    """The gate as the settings configure it (``SMS_REPLY_COUNTRIES``, the budget, limits)."""
    return SpendGate(
        connection,
        settings.reply_destinations,
        settings.sms_replies_per_country_hour,
        settings.ratelimit_enabled,
        retry_when_unchecked,
    )


def record_text(
    session: Session,
    decision: SpendDecision,
    provider: str,
    phone: str,
    body: str,
    *,
    contact_id: int | None = None,
    in_reply_to_id: int | None = None,
) -> Message:
    """Store a text as ``decision`` says: ``queued`` for a worker, or ``withheld`` and why.

    Separate from ``SpendGate.queue`` for a conversation, which words its answer after the
    decision (the "slow down" notice).
    """
    message = queue_sms(
        session, provider, phone, body, contact_id=contact_id, in_reply_to_id=in_reply_to_id
    )
    if not decision.send:
        message.status = MessageStatus.WITHHELD
        message.error_code = decision.withheld
        message.error_reason = decision.reason
    return message


def _destination_refusal(refusal: str) -> Withheld:
    if refusal.startswith("country"):
        return Withheld.COUNTRY
    if refusal == "not a number":
        return Withheld.NOT_A_NUMBER
    return Withheld.NUMBER_TYPE
