"""Imports every ORM model so metadata (and Alembic) sees all tables, and registers the audit hook."""

from ipplatform.audit import listener as _audit_listener  # noqa: F401  (registers after_flush hook)
from ipplatform.audit.models import AuditRecord
from ipplatform.auth.models import AuthSession, User
from ipplatform.database import Base
from ipplatform.credit.models import CreditFlag, DishonestEntity
from ipplatform.demands.models import Demand
from ipplatform.matching.models import Match, MatchFeedback
from ipplatform.offers.models import Offer, offer_patent
from ipplatform.outcomes.models import Conversion, Deal
from ipplatform.organisations.models import Organisation
from ipplatform.patents.models import Patent
from ipplatform.search import outbox as _search_outbox  # noqa: F401  (registers the outbox hook)
from ipplatform.search.embeddings import EmbeddingCache
from ipplatform.search.outbox import OutboxEntry
from ipplatform.stats import listener as _stats_listener  # noqa: F401  (registers the facts hook)
from ipplatform.stats.models import ConvertedPatentFact, DealDay, DealFact, DealPatentFact, ListedPatentFact

__all__ = ["AuditRecord", "AuthSession", "Base", "Conversion", "ConvertedPatentFact", "DealDay", "DealFact", "DealPatentFact",
           "ListedPatentFact", "CreditFlag", "DishonestEntity", "Deal", "Demand", "EmbeddingCache", "Match", "MatchFeedback", "Offer", "Organisation", "OutboxEntry", "Patent", "User",
           "offer_patent"]
