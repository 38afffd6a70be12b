"""Imports every ORM model, so the metadata (and Alembic) sees every table and every mapper configures.

Importing it attaches no session hook: ``ipplatform.hooks.install_session_hooks`` does that, explicitly.
"""

from ipplatform.audit.models import AuditRecord
from ipplatform.auth.models import AuthSession, User
from ipplatform.common.once import FormSubmission
from ipplatform.database import Base
from ipplatform.credit.models import CreditFlag, DishonestEntity
from ipplatform.demands.models import Demand
from ipplatform.events.models import Event, EventPair, Meeting, Participant
from ipplatform.imports.models import ImportJob
from ipplatform.matching.glossary_models import GlossaryTerm, RankerModel
from ipplatform.matching.models import Match, MatchFeedback
from ipplatform.offers.models import Offer, offer_patent
from ipplatform.outcomes.models import Conversion, Deal
from ipplatform.organisations.models import Organisation
from ipplatform.patents.models import Patent
from ipplatform.search.models import EmbeddingCache, OutboxEntry
from ipplatform.stats.models import ConvertedPatentFact, DealDay, DealFact, DealPatentFact, ListedPatentFact

__all__ = ["AuditRecord", "AuthSession", "Base", "Conversion", "ConvertedPatentFact", "DealDay", "DealFact", "DealPatentFact",
           "ListedPatentFact", "CreditFlag", "DishonestEntity", "Deal", "Demand", "EmbeddingCache", "Event", "FormSubmission", "EventPair", "Meeting", "Participant", "GlossaryTerm", "RankerModel", "ImportJob", "Match", "MatchFeedback", "Offer", "Organisation", "OutboxEntry", "Patent", "User",
           "offer_patent"]
