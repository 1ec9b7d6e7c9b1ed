"""The schema's history beside the tables it changes: Alembic's environment and revisions (versions/),
every package's tables in one list (tables.py), and running them from code (run.py).

The rule for every revision (docs/upgrades.md): a line upgrades while it runs, so a migration is an
**expand** step (add a table, an index, a nullable column or one with a server default, and backfill it; the
previous release's code keeps reading and writing) or, one release later, a **contract** step (backfill what
the previous release left empty, then tighten or drop), never both. Never drop, rename or make NOT NULL in
the release that adds. tests/integration/test_upgrade_from_previous_release.py upgrades the previous
release's schema, holding data, to head and writes with the previous release's statements after it.
"""
