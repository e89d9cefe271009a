"""Keep what providers tell us while the database is away, and store it once it is back.

A verified webhook that carries data we must not lose (an inbound SMS, a delivery or call
status report, a call to the missed-call line, the end of a callback's leg) is answered 200
even when PostgreSQL is unreachable: its fields go into the spool and a drain replays them
later through the same intake functions the live webhook uses (``hotline.spool.intake``,
``hotline.web.callback_legs.take_callback_leg``). Those are idempotent (an inbound SMS is
unique by provider id, a status only moves forward, one callback per call, an attempt ends
once), so a record replayed twice stores once.

Where records go:

* **Redis** first: the list ``hotline:spool`` of JSON records. Any worker on any machine drains
  it, so it does not matter which web process took the webhook.
* **A file spool** in the instance folder (``INSTANCE_PATH/spool/*.json``, one file per record,
  written to a temporary name, fsynced and renamed) when Redis is down as well. Only processes
  that see that folder can drain it: the web processes of that machine (after the next webhook
  that reached the database, once the response has gone), a worker started with the same
  ``INSTANCE_PATH``, or ``hotline spool drain`` run on that machine. On several machines each
  keeps its own folder; nothing in it is needed by another machine.

When drains run: a webhook that spools schedules a drain job a few seconds ahead (one per
5-second slot however many processes spool); a drain that finds the database still down
schedules the next one; and the minute housekeeping sweep drains too. ``hotline spool status``
shows what waits.
"""

from hotline.spool.drain import DrainReport, drain_spool
from hotline.spool.records import SpooledWebhook, database_unavailable
from hotline.spool.stores import FileSpool, RedisSpool, SpoolUnavailable, spool_webhook

__all__ = [
    "DrainReport",
    "FileSpool",
    "RedisSpool",
    "SpoolUnavailable",
    "SpooledWebhook",
    "database_unavailable",
    "drain_spool",
    "spool_webhook",
]
