"""Put a synthetic registry through the real import and answer queries with ``verify()``.

The registry goes in as a CSV file, as an admin uploads one, so a numbering scheme the code has
never seen is imported and recognised with no code change; answers come from the same
``verify()`` the SMS worker and the API call.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from hotline.agencies.registry_file import licence_key, parse_registry_csv
from hotline.agencies.registry_import import import_registry
from hotline.agencies.verify import RegistryIndex, Verdict, verify
from hotline.db import make_engine, make_session_factory
from hotline.migrations import upgrade_database
from hotline.models import Agency

from .synthetic import Style, SyntheticRegistry
from .synthetic_queries import Answer, Reply

TODAY = dt.date(2026, 12, 1)


def registry_csv(registry: SyntheticRegistry, today: dt.date = TODAY) -> bytes:
    """The registry as an official CSV file: KG and UZ agencies, each with its status."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["licence_no", "name", "registry", "status", "valid_from", "valid_until", "destinations",
         "aliases"]
    )  # fmt: skip
    for agency in registry.agencies:
        facts = agency.facts(today)
        uzbek = agency.style in (Style.UZBEK_LATIN, Style.UZBEK_CYRILLIC)
        writer.writerow(
            [agency.licence_no, agency.name, "UZ" if uzbek else "KG", str(agency.status),
             facts.valid_from, facts.valid_until, "RU;KR", ";".join(agency.aliases)]
        )  # fmt: skip
    return out.getvalue().encode()


@contextmanager
def answering(
    registry: SyntheticRegistry, today: dt.date = TODAY
) -> Iterator[Callable[[str], Reply]]:
    """Import ``registry`` into a fresh SQLite database; yield a function answering a query."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/check.db"
        upgrade_database(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        with sessions() as session:
            import_registry(session, parse_registry_csv(registry_csv(registry, today)), today,
                            "synthetic.csv", demo=False)  # fmt: skip
            session.commit()
            ours = {
                (agency.registry_code, licence_key(agency.licence_no)): agency.id
                for agency in session.query(Agency)
            }
        theirs = {}
        for agency in registry.agencies:
            uzbek = agency.style in (Style.UZBEK_LATIN, Style.UZBEK_CYRILLIC)
            theirs[ours[("UZ" if uzbek else "KG", licence_key(agency.licence_no))]] = (
                agency.agency_id
            )
        index = RegistryIndex()
        with sessions() as session:

            def answer(text: str) -> Reply:
                found = verify(session, index, text, today)
                if found.agency is not None:
                    named = theirs[found.agency.id]
                    return Reply(
                        Answer.NAMED, found.verdict is Verdict.LICENSED, named, frozenset()
                    )
                if found.verdict is Verdict.AMBIGUOUS:
                    listed = frozenset(theirs[c.id] for c in found.candidates)
                    return Reply(Answer.AMBIGUOUS, False, None, listed)
                return Reply(Answer.NOT_FOUND, False, None, frozenset())

            yield answer
        engine.dispose()
