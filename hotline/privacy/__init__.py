"""Privacy: how long what people told us is kept, and what one person may ask for.

Phone numbers, SMS texts and voice reports can identify trafficking victims. ``retention``
blanks texts and deletes recordings once they are old enough (statistics survive: counts,
statuses, segments); ``dossier`` gathers everything stored about one number for a subject
access request; ``erasure`` deletes it on request while keeping that number opted out.
"""

from hotline.privacy.dossier import contact_dossier, message_rows
from hotline.privacy.erasure import ERASED_PHONE, ErasureCounts, erase_contact
from hotline.privacy.retention import REMOVED, RetentionCounts, RetentionPolicy, apply_retention

__all__ = [
    "ERASED_PHONE",
    "REMOVED",
    "ErasureCounts",
    "RetentionCounts",
    "RetentionPolicy",
    "apply_retention",
    "contact_dossier",
    "erase_contact",
    "message_rows",
]
