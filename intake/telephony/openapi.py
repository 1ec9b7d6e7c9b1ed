"""What the webhooks answer besides success, as the OpenAPI document says it."""

from __future__ import annotations

from typing import Any

WEBHOOK_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "chữ ký hoặc khoá sai / invalid signature or key (problem+json)"},
    422: {"description": "thiếu hoặc sai trường / a field is missing or invalid (problem+json)"},
}
