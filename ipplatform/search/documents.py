"""Search documents built from the database rows (the database is the source of truth).

One flat dict per offer or demand. Hierarchical codes are expanded so a filter on any level is a
plain term match in every backend: IPC ``A23F 3/06`` → ``A, A23, A23F, A23F 3/06``; GB/T 4754
``1530`` → ``C, 15, 153, 1530``; division ``411524`` → ``410000, 411500, 411524``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform import reference
from ipplatform.common.enums import ListingStatus
from ipplatform.demands.models import Demand
from ipplatform.offers.models import Offer
from ipplatform.search import text as textmod


class DocType(StrEnum):
    OFFER = "offer"
    DEMAND = "demand"


# Keyword fields every document has; lists are multi-valued. Facets are counted on FACET_FIELDS.
KEYWORD_FIELDS = ("status", "org_kind", "region", "county", "industry", "ipc", "ipc_subclass", "patent_kind",
                  "legal_status", "mode", "org_id")
FACET_FIELDS = ("ipc_subclass", "industry_division", "county", "org_kind", "patent_kind", "legal_status", "mode",
                "status")
EMBED_CHARS = 400


def ipc_prefixes(code: str) -> list[str]:
    code = code.strip().upper()
    out = [code[:1], code[:3], code[:4]]
    if len(code) > 4:
        out.append(code)
    return [c for c in out if c]


def industry_prefixes(code: str | None) -> list[str]:
    if not code:
        return []
    return [i.code for i in reference.industry_path(code)]


def region_prefixes(code: str | None) -> list[str]:
    """Every division whose region filter selects ``code`` (reference.division_range decides)."""
    return reference.enclosing_divisions(code) if code else []


def _county(code: str | None) -> list[str]:
    found = reference.regions().get(code or "")
    return [code] if found and found.level == "county" else []


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value else None


def _common(kind: DocType, row, version: int) -> dict:
    title, body = row.title, body_text(kind, row)
    return {
        "id": row.id, "doc_type": kind.value, "version": version, "status": str(row.status),
        "title": title, "title_seg": textmod.segment(title), "body_seg": textmod.segment(body),
        "embed_text": embed_text(title, body), "published_at": _ts(row.published_at),
        "synthetic": bool(row.synthetic),
    }


def _classification(region: str | None, industry: str | None, ipc_codes: list[str]) -> dict:
    """The region, industry and IPC fields, each level of the code expanded (see the module docstring)."""
    return {
        "region": region_prefixes(region), "county": _county(region),
        "industry": industry_prefixes(industry), "industry_division": [industry[:2]] if industry else [],
        "ipc": sorted({p for c in ipc_codes for p in ipc_prefixes(c)}),
        "ipc_subclass": sorted({c[:4] for c in ipc_codes}),
    }


def offer_body(offer: Offer) -> str:
    patents = offer.patents
    return "\n".join(filter(None, [offer.description, *(p.title for p in patents),
                                   *(p.abstract or "" for p in patents[:3]), " ".join(offer.application_fields)]))


def body_text(doc_type: DocType, row) -> str:
    """The text of an offer or demand besides its title (what ``body_seg`` and the embedding are made of)."""
    return offer_body(row) if doc_type == DocType.OFFER else row.description or ""


def embed_text(title: str, body: str) -> str:
    """The text a document is embedded by (also the embedding cache key)."""
    return (title + "。" + body)[:EMBED_CHARS]


def source_text(doc_type: DocType, row) -> str:
    """The embedded text of an offer or demand row: the very text its indexed vector was encoded from."""
    return embed_text(row.title, body_text(doc_type, row))


def title_words(title: str) -> tuple[str, ...]:
    """The distinct search words of two or more characters in a title, in order of first occurrence."""
    return tuple(dict.fromkeys(t for t in textmod.tokens(title) if len(t) >= 2))


def offer_document(offer: Offer, version: int) -> dict:
    patents = offer.patents
    ipc_codes = list(dict.fromkeys(c for p in patents for c in (p.ipc_codes or [])))
    doc = _common(DocType.OFFER, offer, version)
    # the patents' numbers are searchable words (not embedded: a number carries no meaning)
    numbers = textmod.patent_number_tokens(n for p in patents for n in (p.application_number, p.publication_number))
    doc["body_seg"] = " ".join(filter(None, [doc["body_seg"], numbers]))
    owner = offer.owner
    doc.update({
        "org_id": [str(offer.owner_org_id), str(offer.publisher_org_id)],
        "org_kind": [owner.kind.value],
        **_classification(owner.county_code, owner.industry_code, ipc_codes),
        "patent_kind": sorted({p.kind.value for p in patents}),
        "legal_status": sorted({p.legal_status.value for p in patents}),
        "mode": list(offer.modes),
        "price": float(offer.asking_price) if offer.asking_price is not None else None,
        "suggest": _suggestions(offer, ipc_codes),
    })
    return doc


def demand_document(demand: Demand, version: int) -> dict:
    doc = _common(DocType.DEMAND, demand, version)
    org = demand.organisation
    ipc_codes = list(demand.preferred_ipc or [])
    doc.update({
        "org_id": [str(demand.org_id)], "org_kind": [org.kind.value],
        **_classification(demand.region_code or org.county_code, demand.industry_code or org.industry_code,
                          ipc_codes),
        "patent_kind": [], "legal_status": [], "mode": list(demand.modes),
        "price": float(demand.budget_max) if demand.budget_max is not None else (
            float(demand.budget_min) if demand.budget_min is not None else None),
        "suggest": _suggestions(demand, ipc_codes),
    })
    return doc


def _suggestions(row, ipc_codes: Iterable[str]) -> list[str]:
    """Autocomplete inputs of a listing: none unless it is published (suggestions are public, and a
    completion would reveal a draft's title)."""
    if ListingStatus(row.status) != ListingStatus.PUBLISHED:
        return []
    title = row.title
    inputs = list(dict.fromkeys(s.lower() for s in [title[:50], *title_words(title), *textmod.phrases(title),
                                                     *(c[:4] for c in ipc_codes)]))
    # A completion engine returns one input per document: drop inputs that merely prefix a longer one
    # (锂电 inside 锂电池), so the longer, more useful completion is the one offered.
    return [s for s in inputs if not any(t != s and t.startswith(s) for t in inputs)]


BUILDERS = {DocType.OFFER: offer_document, DocType.DEMAND: demand_document}
MODELS = {DocType.OFFER: Offer, DocType.DEMAND: Demand}


def load_rows(db: Session, doc_type: DocType, ids: Iterable[int]) -> list[Offer] | list[Demand]:
    """The offers or demands with these ids (organisations joined, an offer's patents select-in loaded
    by the model's own relationship settings); ids no longer in the database are simply absent."""
    model = MODELS[doc_type]
    return list(db.scalars(select(model).where(model.id.in_(list(ids)))).unique())
