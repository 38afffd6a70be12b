"""Every real patent title is accepted (口罩, 马桶 … are two characters): by the patent and offer schemas the
import and the seed write through, for each of the 7,798 titles of ../shared/data/cn-patents-titles-ipc."""

from __future__ import annotations

import csv

from ipplatform.offers.schemas import OfferCreate
from ipplatform.patents.schemas import PatentCreate
from ipplatform.seed import TITLES_CSV
from tests import factories as f


def test_every_real_title_is_accepted():
    with open(TITLES_CSV, encoding="utf-8", newline="") as fh:
        titles = {r["title_zh"].strip() for r in csv.DictReader(fh)} - {""}
    assert len(titles) > 7000 and "口罩" in titles
    number = f.application_number()
    for title in titles:
        PatentCreate(application_number=number, kind="invention_granted", title=title)
        OfferCreate(title=title[:200], patent_ids=[1], modes=["transfer"])
