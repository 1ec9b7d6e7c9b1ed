"""An upgrade a running line can take: from the previous release's schema holding data, the head migration
is an expand step, so the data survives it and the previous release's code (still running on the other
machines until they are replaced) keeps writing. See docs/upgrades.md.

The previous release is the schema the line last ran (PREVIOUS_RELEASE, the head of the release before this
one: this release's migrations all come after it); its writes are the statements its code makes, written
here by hand with that schema's columns (the code itself is not importable twice in one process).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text

from tests.conftest import ADMIN_URL

# The head of the release a line runs today: move it forward when a release ships.
PREVIOUS_RELEASE = "board_channel"


def _revisions() -> tuple[str, str]:
    from migrations.run import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1, f"one head only, found {heads}"
    head = script.get_revision(heads[0])
    assert PREVIOUS_RELEASE in {r.revision for r in script.iterate_revisions(head.revision, "base")}
    return head.revision, PREVIOUS_RELEASE


@pytest.fixture
def fresh_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """An empty database of its own (the run's database is already at head)."""
    from core.db import reset_engine
    from core.settings import reset_settings

    name = f"hotline_upgrade_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    reset_settings()
    reset_engine()
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        monkeypatch.setenv("HOTLINE_DATABASE_URL", os.environ["HOTLINE_DATABASE_URL"])
        monkeypatch.undo()
        reset_settings()
        reset_engine()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


TICKET = ("INSERT INTO tickets (reference, channel, received_at, created_at) "
          "VALUES (:ref, :channel, now(), now()) RETURNING id")
# The previous release's insert of a case: every column it knew, none it did not.
OLD_CASE = ("INSERT INTO cases (reference, ticket_id, state, urgency, received_at, description, child_sex, "
            "immediate_danger, consent_to_contact, assignee_order, province_code, commune_code, channel, created_at, "
            "updated_at) VALUES (:ref, :ticket, 'assigned', 'normal', now(), 'x', 'unknown', false, false, 0, "
            "'45', '19597', :channel, now(), now()) RETURNING id")


def _old_release_writes(conn: object, n: int, channel: str) -> int:
    ticket = conn.execute(text(TICKET), {"ref": f"TK{n:07d}", "channel": channel}).scalar_one()  # type: ignore[attr-defined]
    return int(conn.execute(text(OLD_CASE), {"ref": f"TE{n:07d}", "ticket": ticket, "channel": channel}).scalar_one())  # type: ignore[attr-defined]


def test_head_is_an_expand_step_over_the_previous_release(fresh_database: Engine) -> None:
    from migrations.run import upgrade

    head, previous = _revisions()
    upgrade(previous)
    with fresh_database.begin() as conn:  # the previous release at work: its data
        before = {_old_release_writes(conn, n, channel): channel
                  for n, channel in enumerate(("web", "voice", "sms", "web", "zalo"))}
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("tickets", "cases")}

    upgrade(head)  # the new release's migration runs while the previous release still serves

    with fresh_database.begin() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        assert {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in counts} == counts
        kept = dict(conn.execute(text("SELECT id, channel FROM cases")).all())
        assert kept == before, "the upgrade keeps what the previous release wrote"
        # The previous release keeps writing during the expand step: its inserts name no new column.
        late = _old_release_writes(conn, 100, "voice")
        row = conn.execute(text("SELECT state, channel FROM cases WHERE id = :id"), {"id": late}).one()
        assert row.state == "assigned"
        assert row.channel == "voice"


def test_the_new_code_reads_rows_the_previous_release_wrote_during_the_expand_step(fresh_database: Engine) -> None:
    """A case the previous release wrote after the expand step (the new column left empty) reads in the new code."""
    from sqlalchemy import select

    from core.db import unit_of_work
    from migrations.run import upgrade
    from workflows.case.models import Case

    head, _ = _revisions()
    upgrade(head)
    with fresh_database.begin() as conn:
        late = _old_release_writes(conn, 7, "sms")
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.id == late)).scalar_one()
        assert case.state == "assigned" and case.commune_code == "19597"
