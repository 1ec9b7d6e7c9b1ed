"""Every package's tables, in one list: Alembic compares against them and the tests empty them."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "notifier.models", "notifier.folding", "notifier.zalo_models",
    "routing.models",
    "workflows.models", "workflows.contact_models", "workflows.people_models",
    "workflows.ladder_models", "workflows.answer_models", "workflows.board_models",
    "workflows.intake_record_models", "workflows.daily_models", "workflows.case_record_models",
)


def import_all() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
