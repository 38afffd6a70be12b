"""Session hooks: the rows every write derives, attached explicitly to a session factory.

``ipplatform.database`` makes plain engines and session factories and knows no domain; this module
wires the domains' ``after_flush`` hooks onto a factory. Every place that makes a session factory for
writing calls ``hooked_session_factory(engine)`` (or ``install_session_hooks`` on a factory it built):
the web app (``create_app``), the seed, the CLI commands, the benchmarks and the tests. A session from
a factory without them (``database.session_factory``, ``Session(engine)``) writes no derived row.

The hooks run in this order after each flush, on the flush's own connection, so what they write
commits or rolls back with the change that caused it (an error in one fails the flush):

1. **audit** (``ipplatform.audit.listener.write_audit``): an ``AuditRecord`` per audited change;
2. **search outbox** (``ipplatform.search.outbox.write_outbox``): an ``OutboxEntry`` per search
   document the change affects; after the commit, ``on_outbox_commit()`` (the web app: wake its indexer);
3. **statistics facts** (``ipplatform.stats.listener.refresh_facts``): the fact rows of the deals,
   listed and converted patents the change affects.

Why this order: no hook reads what another writes (each inspects the flushed objects and the source
tables), so the order changes no result. It is fixed, not left to import order, and goes from the
record of what happened (audit: the one that cannot be rebuilt) to the derived data that can
(``python -m ipplatform.search.reindex``, ``python -m ipplatform.stats.facts``), cheapest first: the
outbox is one INSERT, the facts several INSERT … SELECT statements.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ipplatform.audit.listener import write_audit
from ipplatform.database import session_factory
from ipplatform.search import outbox
from ipplatform.stats.listener import refresh_facts

HOOKED = "_ipplatform_hooks"  # attribute set on a factory that has its hooks (they must not run twice)


def install_session_hooks(factory: sessionmaker[Session], *, facts: bool = True,
                          on_outbox_commit: Callable[[], None] | None = None) -> sessionmaker[Session]:
    """Attach the audit, search-outbox and (unless ``facts=False``) statistics-facts hooks to the
    sessions ``factory`` makes, in that order; returns ``factory``. ``on_outbox_commit()`` runs after
    every commit that wrote outbox entries. A factory takes the hooks once."""
    if getattr(factory, HOOKED, False):
        raise ValueError("this session factory already has its session hooks")
    setattr(factory, HOOKED, True)
    event.listen(factory, "after_flush", write_audit)
    outbox.install(factory, on_commit=on_outbox_commit)
    if facts:
        event.listen(factory, "after_flush", refresh_facts)
    return factory


def hooked_session_factory(engine: Engine, *, facts: bool = True,
                           on_outbox_commit: Callable[[], None] | None = None) -> sessionmaker[Session]:
    """A session factory on ``engine`` with the session hooks installed (see ``install_session_hooks``).
    ``facts=False`` leaves the statistics-facts hook out (``scripts/bench_stats.py`` measures its cost)."""
    return install_session_hooks(session_factory(engine), facts=facts, on_outbox_commit=on_outbox_commit)
