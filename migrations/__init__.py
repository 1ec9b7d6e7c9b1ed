"""The schema's history beside the tables it changes: Alembic's environment and revisions (versions/),
every package's tables in one list (tables.py), and running them from code (run.py)."""
