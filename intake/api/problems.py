"""Errors as RFC 9457 problem+json, with a message per field in Vietnamese and English."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from core.errors import HotlineError

PROBLEM = "application/problem+json"

# pydantic error type -> (vi, en); {limit} is filled from the error's context.
MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("Bắt buộc phải có.", "This field is required."),
    "string_too_short": ("Quá ngắn (ít nhất {limit} ký tự).", "Too short (at least {limit} characters)."),
    "string_too_long": ("Quá dài (tối đa {limit} ký tự).", "Too long (at most {limit} characters)."),
    "string_type": ("Phải là chữ.", "Must be text."),
    "int_parsing": ("Phải là một số nguyên.", "Must be a whole number."),
    "int_type": ("Phải là một số nguyên.", "Must be a whole number."),
    "greater_than_equal": ("Phải từ {limit} trở lên.", "Must be at least {limit}."),
    "less_than_equal": ("Phải không quá {limit} (trẻ em dưới 18 tuổi).", "Must be at most {limit}."),
    "bool_parsing": ("Phải là có/không (true/false).", "Must be true or false."),
    "bool_type": ("Phải là có/không (true/false).", "Must be true or false."),
    "literal_error": ("Chỉ nhận: {expected}.", "Must be one of: {expected}."),
    "phone": ("Số điện thoại không hợp lệ (ví dụ 0912 345 678).", "Not a valid phone number (e.g. 0912 345 678)."),
    "json_invalid": ("Nội dung không phải JSON hợp lệ.", "The body is not valid JSON."),
    "model_attributes_type": ("Nội dung phải là một đối tượng JSON.", "The body must be a JSON object."),
    "dict_type": ("Nội dung phải là một đối tượng JSON.", "The body must be a JSON object."),
}


def field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        kind = err.get("type", "")
        if kind == "value_error" and "phone" in str(err.get("msg", "")):
            kind = "phone"
        if kind == "string_too_short" and not str(err.get("input") or "").strip():
            kind = "missing"  # an empty box is a missing answer, not a short one
        ctx = err.get("ctx") or {}
        limit = ctx.get("min_length", ctx.get("max_length", ctx.get("ge", ctx.get("le", ""))))
        vi, en = MESSAGES.get(kind, ("Giá trị không hợp lệ.", str(err.get("msg", "Invalid value."))))
        fmt = {"limit": limit, "expected": ctx.get("expected", "")}
        out.append({"field": ".".join(loc) or "body", "message": vi.format(**fmt),
                    "message_en": en.format(**fmt)})
    return out


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    return problem(422, "Dữ liệu không hợp lệ / Invalid input",
                   "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)


async def on_hotline_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HotlineError)
    errors = [{"field": exc.field, "message": exc.vi, "message_en": exc.en}] if exc.field else []
    return problem(exc.status, exc.title, f"{exc.vi} / {exc.en}", errors=errors)
