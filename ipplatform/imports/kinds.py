"""The import kinds by name: ``patents``, ``offers``, ``demands``, ``deals`` (each a ``engine.Kind``)."""

from __future__ import annotations

from ipplatform.imports.listings import DemandImport, OfferImport
from ipplatform.imports.patents import PatentImport
from ipplatform.outcomes.importer import DealImport

KINDS = {"patents": PatentImport(), "offers": OfferImport(), "demands": DemandImport(), "deals": DealImport()}
LABELS = {name: kind.layout.label_zh for name, kind in KINDS.items()}
