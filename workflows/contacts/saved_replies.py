"""Saved replies for the desk's conversations: data (saved_replies.toml), Vietnamese first, English second."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

REPLIES_FILE = Path(__file__).with_name("saved_replies.toml")
_CODE = re.compile(r"[a-z_]{1,32}")


class SavedRepliesError(Exception):
    """A saved-replies file that cannot be used."""


@dataclass(frozen=True)
class SavedReply:
    code: str
    vi: str
    en: str

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


def parse_saved_replies(data: dict[str, Any]) -> tuple[SavedReply, ...]:
    replies: list[SavedReply] = []
    for n, item in enumerate(data.get("replies") or [], start=1):
        code, vi, en = item.get("code"), item.get("vi"), item.get("en")
        if not isinstance(code, str) or not _CODE.fullmatch(code) or not vi or not en:
            raise SavedRepliesError(f"câu trả lời {n}: cần 'code' (a-z, _), 'vi' và 'en' / reply {n}: "
                                    "needs code, vi and en")
        if any(r.code == code for r in replies):
            raise SavedRepliesError(f"mã trùng / duplicate code {code!r}")
        replies.append(SavedReply(code, str(vi), str(en)))
    return tuple(replies)


@lru_cache(maxsize=1)
def saved_replies() -> tuple[SavedReply, ...]:
    return parse_saved_replies(tomllib.loads(REPLIES_FILE.read_text(encoding="utf-8")))


def saved_reply(code: str) -> SavedReply | None:
    return next((r for r in saved_replies() if r.code == code), None)
