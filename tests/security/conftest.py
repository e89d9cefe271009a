"""Security fixtures, borrowed: the callbacks' clock and agent, the console's logins."""

from __future__ import annotations

from tests.callbacks.conftest import agent, clock, provider_name, settings
from tests.web.console.conftest import login_as

__all__ = ["agent", "clock", "login_as", "provider_name", "settings"]
