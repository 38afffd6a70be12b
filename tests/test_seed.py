"""The demo seed loads real patents into valid, clearly labelled synthetic records, once."""

from __future__ import annotations

import csv

from sqlalchemy import func, select

from ipplatform.auth.models import User
from ipplatform.common.enums import ListingStatus
from ipplatform.common.validators import normalize_application_number, normalize_credit_code
from ipplatform.demands.models import Demand
from ipplatform.offers.models import Offer
from ipplatform.organisations.models import Organisation
from ipplatform.patents.models import Patent
from ipplatform.seed import DEMO_PASSWORD, TITLES_CSV, seed


def test_seed_is_valid_labelled_and_idempotent(db, client):
    with db.begin():
        counts = seed(db, patents=120)
    assert counts["patents"] == 120 and counts["offers"] > 80 and counts["demands"] == 20
    with db.begin():
        assert seed(db, patents=120) == {}  # second run does nothing
        for model in (Organisation, User, Patent, Offer, Demand):
            total = db.scalar(select(func.count()).select_from(model))
            labelled = db.scalar(select(func.count()).select_from(model).where(model.synthetic.is_(True)))
            assert total == labelled > 0, model.__name__
        assert all("演示" in o.name for o in db.scalars(select(Organisation)))
        for org in db.scalars(select(Organisation)):
            assert normalize_credit_code(org.credit_code) == org.credit_code
        real = {}
        with open(TITLES_CSV, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                real[row["publication_number"]] = row["title_zh"]
        patents = db.scalars(select(Patent)).all()
        for p in patents:
            assert normalize_application_number(p.application_number) == p.application_number
            if p.publication_number in real:  # titles are the real ones
                assert p.title == real[p.publication_number]
        assert sum(p.abstract is not None for p in patents) >= 50  # the G06F abstracts are in
        published = db.scalar(select(func.count()).select_from(Offer).where(Offer.status == ListingStatus.PUBLISHED))
    assert client.get("/api/offers").json()["total"] == published
    resp = client.post("/api/auth/token", data={"username": "univ", "password": DEMO_PASSWORD})
    assert resp.status_code == 200 and resp.json()["user"]["role"] == "university_member"
