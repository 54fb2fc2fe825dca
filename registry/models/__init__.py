"""Database tables and their API schemas. Importing this package registers every table."""

from registry.models.account import (
    Account,
    AccountCreate,
    AccountPublic,
    AccountUpdate,
    ApiToken,
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenPublic,
    Role,
)
from registry.models.agency import (
    Agency,
    AgencyCreate,
    AgencyPublic,
    AgencyUpdate,
    agency_name,
    agency_name_lang,
)
from registry.models.algorithm import (
    Algorithm,
    AlgorithmCreate,
    AlgorithmList,
    AlgorithmPublic,
    AlgorithmState,
    CardDraft,
    CardVersion,
    CardVersionPublic,
    DraftPublic,
    DraftUpdate,
    PublishRequest,
    RetireRequest,
)
from registry.models.audit import Audit, AuditInput, AuditKind, AuditState, AuditVisibility  # noqa: F401
from registry.models.event import Event, EventPublic
from registry.models.participation import (  # noqa: F401
    DeclineReason,
    ItemKind,
    ItemState,
    ParticipationContact,
    ParticipationItem,
)
from registry.models.review import (  # noqa: F401
    ReviewAsk,
    ReviewPublish,
    ReviewRequest,
    ReviewRequestPublic,
    ReviewReturn,
    ReviewState,
)
from registry.models.search import search_doc, search_index_state, search_term  # noqa: F401
from registry.models.staff import (  # noqa: F401
    AccountCredential,
    AccountInvitation,
    InvitationPurpose,
    StaffSession,
)
from registry.models.transparency import LogCheckpoint, LogEntry, LogNode  # noqa: F401

__all__ = [
    "Account",
    "AccountCreate",
    "AccountPublic",
    "AccountUpdate",
    "Agency",
    "AgencyCreate",
    "AgencyPublic",
    "AgencyUpdate",
    "Algorithm",
    "AlgorithmCreate",
    "AlgorithmList",
    "AlgorithmPublic",
    "AlgorithmState",
    "ApiToken",
    "ApiTokenCreate",
    "ApiTokenCreated",
    "ApiTokenPublic",
    "CardDraft",
    "CardVersion",
    "CardVersionPublic",
    "DraftPublic",
    "DraftUpdate",
    "Event",
    "EventPublic",
    "PublishRequest",
    "RetireRequest",
    "Role",
    "agency_name",
    "agency_name_lang",
]
