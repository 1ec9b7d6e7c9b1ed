"""Shared kernel: settings, database, Redis/RQ connection, clock, ids, errors, crypto."""
