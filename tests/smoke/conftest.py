"""The smoke harness runs on the production SLA policy: deadlines are fast-forwarded, not shortened."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import sla_policy
from tests.e2e.conftest import live  # noqa: F401  (the live app, worker and stand-in)

PRODUCTION_POLICY = Path(__file__).parents[2] / "workflows" / "clocks" / "sla_policy.toml"


@pytest.fixture
def fast_policy() -> Iterator[Path]:
    with sla_policy(PRODUCTION_POLICY) as path:
        yield path
