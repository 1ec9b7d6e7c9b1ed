"""One token scheme for every link in an SMS: the tokens already sent keep opening, and a token made for one kind
of link never opens another."""

from __future__ import annotations

import base64
import hashlib
import hmac

from core.crypto import signing_key
from core.link_tokens import make_token, read_token
from workflows.referrals.tokens import link_token as referral_token
from workflows.referrals.tokens import read_link_token as read_referral
from workflows.team.answer_keys import link_token as answer_token
from workflows.team.answer_keys import read_link_token as read_answer


def _as_before(prefix: bytes, digits: str) -> str:
    """How both kinds were signed before they shared the scheme."""
    raw = hmac.new(signing_key(), prefix + digits.encode(), hashlib.sha256).digest()
    return base64.b32encode(raw).decode().lower()[:10] + digits


def test_tokens_already_sent_still_open() -> None:
    assert answer_token(46655) == _as_before(b"answer-link:", "zzz")
    assert referral_token(36) == _as_before(b"referral-link:", "10")
    assert read_answer(_as_before(b"answer-link:", "zzz")) == 46655
    assert read_referral(_as_before(b"referral-link:", "10")) == 36


def test_a_token_opens_only_its_own_kind_of_link() -> None:
    assert read_referral(answer_token(7)) is None and read_answer(referral_token(7)) is None
    assert read_token("answer-link", make_token("answer-link", 0)) == 0
    for bad in ("", "x", "0" * 10 + "!", make_token("answer-link", 5)[:-1] + "z", "a" * 30):
        assert read_token("answer-link", bad) is None
