"""Alembic environment: every package's tables, the URL from HOTLINE_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from core.db import Base, get_engine
from migrations.tables import import_all

import_all()  # every package's tables

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connectable = context.config.attributes.get("connection") or get_engine()
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
