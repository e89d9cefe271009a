"""Who a campaign may text: never an opted-out contact."""

from __future__ import annotations

from sqlalchemy import Select, select

from hotline.models import Contact


def eligible_contacts() -> Select[Contact]:
    """Contacts that may receive campaign messages (not opted out)."""
    return select(Contact).where(Contact.opted_out.is_(False))
