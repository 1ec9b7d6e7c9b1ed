"""Identifiers: short human references without ambiguous characters, and RQ-safe job ids."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a reference is read aloud over the phone and typed on a basic phone.
REFERENCE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
_JOB_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def new_reference(prefix: str = "TE", length: int = 7) -> str:
    """"TE" (trẻ em) and seven more, every character from the unambiguous alphabet."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(length))
    return f"{prefix}{body}"


def normalise_reference(text: str) -> str:
    return re.sub(r"[\s-]", "", text).upper()


def job_id(*parts: object) -> str:
    """A deterministic RQ job id (RQ allows only [A-Za-z0-9_-])."""
    return _JOB_ID_UNSAFE.sub("_", "-".join(str(p) for p in parts))
