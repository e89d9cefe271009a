"""Decide whether a keyword reply goes out: every reply is an SMS we pay for.

SMS pumping: a bot texts the keyword service from numbers its owner controls (or spoofs), in
countries where terminating an SMS is dear, and the owner shares what the operators charge us.
So a reply goes only to a mobile number in ``SMS_REPLY_COUNTRIES``, at most ``REPLY_LIMIT`` per
number in ten minutes, and at most ``SMS_REPLIES_PER_COUNTRY_HOUR`` per country in an hour.
The inbound message is always stored and acted on (a report still opens a case); only the
reply is withheld, and the reason is kept on the message.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

import redis

from hotline.phones import Destinations, country_of, mask
from hotline.ratelimit import count_event

log = logging.getLogger(__name__)

# Replies per number per window: a loop with an auto-responder, or SMS pumping, ends here.
REPLY_LIMIT = 10
REPLY_WINDOW_SECONDS = 600
BUDGET_WINDOW_SECONDS = 3600


class Withheld(enum.StrEnum):
    """Why an inbound message got no reply (kept in the message's ``error_code``)."""

    COUNTRY = "no_reply:country"  # not in SMS_REPLY_COUNTRIES
    NUMBER_TYPE = "no_reply:type"  # not a mobile number (premium rate, fixed line, ...)
    RATE_LIMIT = "no_reply:rate_limit"  # the number had its replies for now
    BUDGET = "no_reply:budget"  # its country had its replies for this hour


@dataclass(frozen=True)
class ReplyDecision:
    send: bool
    slow_down: bool = False  # send the one "slow down" notice instead of the answer
    withheld: Withheld | None = None


@dataclass(frozen=True)
class ReplyGate:
    """The counters live in Redis, so every worker shares one budget."""

    connection: redis.Redis
    destinations: Destinations
    per_country_hour: int
    per_number_limit: bool = True  # RATELIMIT_ENABLED (off for load tests)

    def decide(self, phone: str) -> ReplyDecision:
        """Whether to answer ``phone`` now; counts the reply when it is to be sent."""
        refusal = self.destinations.refusal(phone)
        if refusal:
            log.info("no reply to %s: %s", mask(phone), refusal)
            elsewhere = refusal.startswith("country")
            return ReplyDecision(
                False, withheld=Withheld.COUNTRY if elsewhere else Withheld.NUMBER_TYPE
            )
        slow_down = False
        if self.per_number_limit:
            sent = count_event(self.connection, f"reply:{phone}", REPLY_WINDOW_SECONDS)
            if sent > REPLY_LIMIT + 1:
                return ReplyDecision(False, withheld=Withheld.RATE_LIMIT)
            slow_down = sent == REPLY_LIMIT + 1
        country = country_of(phone) or "none"
        spent = count_event(self.connection, f"reply-country:{country}", BUDGET_WINDOW_SECONDS)
        if spent > self.per_country_hour:
            if spent == self.per_country_hour + 1:  # one worker sees this count: one warning
                log.warning(
                    "keyword replies to %s stopped for the hour: over %s (SMS pumping?)",
                    country,
                    self.per_country_hour,
                )
            return ReplyDecision(False, withheld=Withheld.BUDGET)
        return ReplyDecision(True, slow_down=slow_down)
