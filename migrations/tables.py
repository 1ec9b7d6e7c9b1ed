"""Every package's tables, in one list: Alembic compares against them and the tests empty them."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "notifier.models", "notifier.folding", "notifier.zalo_models",
    "routing.models",
    "workflows.case.models", "workflows.contacts.models", "workflows.access.models",
    "workflows.clocks.models", "workflows.team.models", "workflows.supervision.models",
    "workflows.case.intake_record_models", "workflows.supervision.daily_models", "workflows.case.record_models",
    "workflows.operations.models",
    "workflows.services.models", "workflows.referrals.models",
)


def import_all() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
