"""Persistent domain objects, one module per aggregate."""

from hotline.models.agencies import (
    Agency,
    AgencyHistory,
    LicenceStatus,
    Registry,
    RegistryImport,
)
from hotline.models.agents import Agent, AgentStatus
from hotline.models.callbacks import (
    AttemptStatus,
    CallbackAttempt,
    CallbackEvent,
    CallbackRequest,
    CallbackSource,
    CallbackStatus,
)
from hotline.models.calls import CallSession, CallStatus
from hotline.models.campaigns import Campaign, CampaignState, Recipient, RecipientStatus
from hotline.models.cases import Case, CaseStatus
from hotline.models.contacts import Contact
from hotline.models.messages import Direction, Message, MessageStatus
from hotline.models.prompts import PromptRecording
from hotline.models.rules import RuleEdit
from hotline.models.staff import AuditEntry, Role, StaffUser
from hotline.models.verifications import VerificationRecord

__all__ = [
    "Agency",
    "AgencyHistory",
    "Agent",
    "AgentStatus",
    "AttemptStatus",
    "AuditEntry",
    "CallbackAttempt",
    "CallbackEvent",
    "CallSession",
    "Campaign",
    "CampaignState",
    "CallStatus",
    "CallbackRequest",
    "CallbackSource",
    "CallbackStatus",
    "Case",
    "CaseStatus",
    "Contact",
    "Direction",
    "LicenceStatus",
    "Message",
    "MessageStatus",
    "PromptRecording",
    "Recipient",
    "RecipientStatus",
    "Registry",
    "RegistryImport",
    "Role",
    "RuleEdit",
    "StaffUser",
    "VerificationRecord",
]
