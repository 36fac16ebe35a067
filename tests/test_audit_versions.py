"""The version an edit form carries (`ark.audit.version`), read by key and by key prefix on the
session's backend: a prefix matches exactly the keys starting with it, whatever characters the
keys hold (LIKE's wildcards, the escape character, the next character up)."""

from __future__ import annotations

from ark import audit
from ark.db import open_engine
from ark.registry.assignments import cell_keys
from ark.registry.writer import transaction

KEYS = (
    "listening/ana@acme.test/accountable",
    "listening/ana@acme.test/informed",
    "listening/ana@acme.test0",
    "listening/ana@acme.test",
    "listening/ana@acme_test/informed",
    "listening/ana@acme%test/informed",
    "listening/ana@acme.test//x",
    "listening-2/ana@acme.test/informed",
    "Listening/ana@acme.test/informed",
)


def test_a_prefix_finds_the_newest_record_of_the_keys_starting_with_it(db_url: str) -> None:
    engine = open_engine(db_url)
    for key in KEYS:  # one transaction each: each key's record is newer than the one before
        with transaction(engine, actor="tester") as registry:
            registry.audit("add", "assignment", key, None, {"key": key})
    with transaction(engine, write=False) as registry:
        ids = {key: audit.version(registry, "assignment", key) for key in KEYS}
        assert len(set(ids.values())) == len(KEYS)

        def newest(prefix: str) -> int:
            return audit.version(registry, "assignment", prefix, prefix=True)

        assert newest("listening/ana@acme.test/") == ids["listening/ana@acme.test//x"]
        assert newest("listening/ana@acme.test") == ids["listening/ana@acme.test//x"]
        assert newest("listening/ana@acme_test/") == ids["listening/ana@acme_test/informed"]
        assert newest("listening/ana@acme%") == ids["listening/ana@acme%test/informed"]
        assert newest("listening-") == ids["listening-2/ana@acme.test/informed"]
        assert newest("listening/ana@acme.test/a") == ids["listening/ana@acme.test/accountable"]
        assert newest("listening/bob") == 0
        assert newest("") == ids["Listening/ana@acme.test/informed"]
        assert audit.version(registry, "kpi", "listening", prefix=True) == 0
        # A matrix cell's version: the newest record about any of its roles' keys, and only
        # those (not "ana@acme.test0", "ana@acme.test//x" nor the cell spelt otherwise).
        cell = cell_keys("listening", "ana@acme.test")
        assert audit.version(registry, "assignment", cell) == ids[KEYS[1]]
        record = audit.last_change(registry, "assignment", cell)
        assert record is not None and record.key == KEYS[1]
        assert audit.version(registry, "assignment", cell_keys("listening", "bob")) == 0
    engine.dispose()
