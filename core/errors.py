"""Domain errors with a message in Vietnamese and English; the API turns them into problem+json."""

from __future__ import annotations


class HotlineError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, vi: str, en: str | None = None, *, field: str | None = None) -> None:
        super().__init__(en or vi)
        self.vi = vi
        self.en = en or vi
        self.field = field

    def text(self, lang: str) -> str:
        """What a person reads: English on request, Vietnamese otherwise."""
        return self.en if lang == "en" else self.vi


class NotFound(HotlineError):
    status = 404
    title = "Not found"


class Conflict(HotlineError):
    status = 409
    title = "Conflict"


class InvalidInput(HotlineError):
    status = 422
    title = "Invalid input"


class Forbidden(HotlineError):
    status = 403
    title = "Forbidden"
