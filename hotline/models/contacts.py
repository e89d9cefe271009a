"""Contacts: the people who text or call the hotline, or receive its campaigns."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hotline.db import Base, UtcDateTime, utcnow
from hotline.phones import country_of

STAGES = ("intending", "departing", "abroad", "returned", "family")


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    country: Mapped[str | None] = mapped_column(String(2))  # from the number's prefix
    language: Mapped[str | None] = mapped_column(String(3))  # ky, ru, uz, kaa
    region: Mapped[str | None] = mapped_column(String(40))  # where they are now, e.g. Osh
    destination: Mapped[str | None] = mapped_column(String(2))  # ISO country they go to
    stage: Mapped[str | None] = mapped_column(String(10))  # see STAGES
    stage_since: Mapped[dt.date | None] = mapped_column(Date)  # for drip messages
    gender: Mapped[str | None] = mapped_column(String(10))
    consent_date: Mapped[dt.date | None] = mapped_column(Date)  # no consent: no campaigns
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    def opt_out(self, when: dt.datetime) -> None:
        self.opted_out = True
        self.opted_out_at = when

    def opt_in(self) -> None:
        self.opted_out = False
        self.opted_out_at = None


def contact_for(session: Session, phone: str, language: str | None = None) -> Contact:
    """Find the contact with this E.164 number, creating it on first contact.

    A language seen on first contact is remembered; later it changes only through LANG or the
    IVR language menu, so one Russian message does not override a Kyrgyz speaker's choice.
    """
    contact = session.scalars(select(Contact).where(Contact.phone == phone)).one_or_none()
    if contact is None:
        contact = session.get(Contact, _created(session, phone, language))
        assert contact is not None
    return contact


def contact_id_for(session: Session, phone: str) -> int:
    """The id of the contact with this number, creating it on first contact.

    For paths that need only the id (storing an inbound SMS): two round trips for a new
    number, one for a known one.
    """
    found = session.scalar(select(Contact.id).where(Contact.phone == phone))
    return int(found) if found is not None else _created(session, phone)


def _created(session: Session, phone: str, language: str | None = None) -> int:
    """Insert the contact for a number seen for the first time and return its id.

    ``INSERT ... ON CONFLICT DO NOTHING``: when another request creates it at the same moment
    this one finds that row instead, with no error and no savepoint to roll back.
    """
    from hotline.db import insert_new

    values = {"phone": phone, "country": country_of(phone), "language": language}
    found = session.scalar(
        insert_new(session, Contact, ["phone"])
        .values(**values, opted_out=False, created_at=utcnow())
        .returning(Contact.id)
    )
    if found is None:  # another request created it between our lookup and this insert
        found = session.scalar(select(Contact.id).where(Contact.phone == phone))
    assert found is not None
    return int(found)
