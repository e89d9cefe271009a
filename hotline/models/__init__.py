"""Persistent domain objects, one module per aggregate."""

from hotline.models.calls import CallSession, CallStatus
from hotline.models.contacts import Contact
from hotline.models.messages import Direction, Message, MessageStatus

__all__ = [
    "CallSession",
    "CallStatus",
    "Contact",
    "Direction",
    "Message",
    "MessageStatus",
]
