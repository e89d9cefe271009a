"""A token bucket in Redis, shared by every worker on every machine.

A campaign's rate is a promise to the provider and to the recipients' networks; it holds for
the campaign as a whole, however many workers send it. A message takes as many tokens as it
has segments.
"""

from __future__ import annotations

import time

import redis

# KEYS[1] bucket; ARGV: rate per second, capacity, tokens wanted, now (seconds, float).
# Returns 0 when the tokens were taken, else the seconds to wait before asking again.
_TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= wanted then
  tokens = tokens - wanted
else
  wait = (wanted - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], 3600)
return tostring(wait)
"""


class TokenBucket:
    def __init__(self, connection: redis.Redis, key: str, rate_per_second: float) -> None:
        self._connection = connection
        self._key = f"hotline:bucket:{key}"
        self._rate = max(rate_per_second, 0.01)
        self._script = connection.register_script(_TAKE)

    def take(self, tokens: int) -> float:
        """Take ``tokens`` now if the bucket has them; else return how long to wait."""
        capacity = max(self._rate, float(tokens))
        now = self._connection.time()
        seconds = now[0] + now[1] / 1_000_000  # Redis's clock: the same for every worker
        answer = self._script(keys=[self._key], args=[self._rate, capacity, tokens, seconds])
        return float(answer)

    def wait_for(self, tokens: int, deadline: float | None = None) -> bool:
        """Block until ``tokens`` are taken; False if ``deadline`` (monotonic) comes first."""
        while True:
            wait = self.take(tokens)
            if wait <= 0:
                return True
            if deadline is not None and time.monotonic() + wait > deadline:
                return False
            time.sleep(min(wait, 1.0))
