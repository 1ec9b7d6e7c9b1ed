"""Encryption at rest and blind indexes for identity fields; keys derive from HOTLINE_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from core.settings import get_settings


def _derive(purpose: bytes) -> bytes:
    return _key(get_settings().secret_key.get_secret_value(), purpose)


@lru_cache(maxsize=16)
def _key(secret: str, purpose: bytes) -> bytes:
    """Derived once per secret and purpose: every report and every token check needs one."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"hotline111", info=purpose).derive(secret.encode())


@lru_cache(maxsize=4)
def _fernet(key: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(key))


def _current_fernet() -> Fernet:
    return _fernet(_derive(b"field-encryption"))


def encrypt(plain: str) -> str:
    return _current_fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _current_fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("cannot decrypt a protected field: wrong HOTLINE_SECRET_KEY?") from exc


def blind_index(value: str) -> str:
    """A keyed hash for equality look-ups (a reporter's phone) without storing the value in clear."""
    key = _derive(b"blind-index")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def signing_key() -> bytes:
    return _derive(b"signing")


def token_signing_key() -> bytes:
    """Signs API bearer tokens; derived apart from the data-encryption and link-signing keys."""
    return _derive(b"api-token-signing")


class EncryptedText(TypeDecorator[str]):
    """A column whose value is stored encrypted (Fernet) and read back in clear."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(value)
