"""How long to wait before starting again something that stopped unasked.

The stack's supervisor restarts its processes and ``hotline worker`` restarts its RQ worker
after Redis went away; both want the same rhythm: a second after a one-off failure, doubling in
a failure loop up to 30 s, and quick again once a run lasted a minute.
"""

from __future__ import annotations

from dataclasses import dataclass

BACKOFF_MAX_SECONDS = 30.0
HEALTHY_AFTER_SECONDS = 60.0  # a run this long starts the backoff afresh


@dataclass
class RestartBackoff:
    failures: int = 0

    def after_run(self, ran_for_seconds: float) -> float:
        """Seconds to wait before the next start, after a run that lasted ``ran_for_seconds``."""
        if ran_for_seconds > HEALTHY_AFTER_SECONDS:
            self.failures = 0
        self.failures += 1
        return min(BACKOFF_MAX_SECONDS, 2.0 ** (self.failures - 1))
