"""Encryption at rest with a key ring that can rotate, blind indexes, and the token-signing key.

The key ring (newest first): the keys of HOTLINE_DATA_KEYS ("k2:secret,k1:secret"), then the key
derived from HOTLINE_SECRET_KEY under the id "k0". With HOTLINE_DATA_KEYS unset, "k0" is the only
key, so an installation (or a tool) that sets only HOTLINE_SECRET_KEY keeps working unchanged.

A ciphertext carries the id of its key: "k2:gAAAA...". One without an id was written before keys
had ids and is read with any key of the ring (MultiFernet). Encryption always uses the first key
of the ring; `hotline keys rotate` re-encrypts the rest.

The blind-index and signing keys derive from HOTLINE_SECRET_KEY only and never rotate with the
data keys: a new blind-index key would make every stored phone look-up miss.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from core.settings import get_settings

log = logging.getLogger(__name__)

LEGACY_KID = "k0"
UNREADABLE_TEXT = "[không giải mã được / cannot decrypt]"
_KID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
# A Fernet token is url-safe base64 of a version byte 0x80 and a timestamp: it starts "gAAAAA".
_TOKEN = re.compile(r"^(?:(?P<kid>[A-Za-z0-9_-]{1,16}):)?(?P<token>gAAAAA[A-Za-z0-9_=-]+)$")


class CannotDecrypt(ValueError):
    """A stored value no key of the ring opens (unknown key id, wrong key, damaged text)."""


class Unreadable(str):
    """What a tolerant read hands back for a value it cannot decrypt: a readable marker, never a 500."""

    def __new__(cls, kid: str | None = None) -> Unreadable:
        made = super().__new__(cls, UNREADABLE_TEXT)
        made.kid = kid
        return made

    kid: str | None


@dataclass(frozen=True)
class KeyRing:
    kids: tuple[str, ...]  # newest (primary) first
    fernets: tuple[Fernet, ...]

    @property
    def primary(self) -> str:
        return self.kids[0]

    def encrypt(self, plain: str) -> str:
        return f"{self.primary}:{self.fernets[0].encrypt(plain.encode('utf-8')).decode('ascii')}"

    def decrypt(self, stored: str) -> str:
        found = _TOKEN.match(stored)
        if found is None:
            raise CannotDecrypt("not an encrypted value")
        kid, token = found["kid"], found["token"].encode("ascii")
        try:
            if kid is None:  # written before key ids: any key of the ring may open it
                return MultiFernet(list(self.fernets)).decrypt(token).decode("utf-8")
            if kid not in self.kids:
                raise CannotDecrypt(f"unknown key id {kid!r}: add it to HOTLINE_DATA_KEYS")
            return self.fernets[self.kids.index(kid)].decrypt(token).decode("utf-8")
        except (InvalidToken, UnicodeDecodeError) as exc:
            raise CannotDecrypt(f"key {kid or '(none)'} does not open this value") from exc


def key_id_of(stored: str) -> str | None:
    """The key id a stored value names: 'k2', 'legacy' (encrypted before key ids), or None (plaintext)."""
    found = _TOKEN.match(stored)
    if found is None:
        return None
    return found["kid"] or "legacy"


def parse_data_keys(spec: str) -> list[tuple[str, str]]:
    """'k2:secret2, k1:secret1' (newest first; also one a line, # comments) -> [(kid, secret), ...]."""
    pairs: list[tuple[str, str]] = []
    for raw in re.split(r"[,\n]", spec):
        item = raw.strip()
        if not item or item.startswith("#"):
            continue
        kid, sep, secret = item.partition(":")
        kid, secret = kid.strip(), secret.strip()
        if not sep or not _KID.match(kid) or not secret:
            raise ValueError("HOTLINE_DATA_KEYS: each key is 'id:secret' (id: letters, digits, - or _)")
        if kid == LEGACY_KID:
            raise ValueError(f"HOTLINE_DATA_KEYS: {LEGACY_KID!r} is the key of HOTLINE_SECRET_KEY; use another id")
        if kid in {k for k, _ in pairs}:
            raise ValueError(f"HOTLINE_DATA_KEYS: key id {kid!r} appears twice")
        pairs.append((kid, secret))
    return pairs


def _data_keys_spec() -> str:
    settings = get_settings()
    spec = settings.data_keys.get_secret_value() if settings.data_keys else ""
    if settings.data_keys_file:
        path = Path(settings.data_keys_file)
        spec = _keys_file(str(path), path.stat().st_mtime_ns) + "\n" + spec
    return spec


@lru_cache(maxsize=4)
def _keys_file(path: str, mtime_ns: int) -> str:
    """Read again only when the file changes (every encryption asks for the ring)."""
    return Path(path).read_text(encoding="utf-8")


def key_ring() -> KeyRing:
    return _ring(get_settings().secret_key.get_secret_value(), _data_keys_spec())


@lru_cache(maxsize=8)
def _ring(secret: str, spec: str) -> KeyRing:
    pairs = [*parse_data_keys(spec), (LEGACY_KID, secret)]  # k0: the key every installation had before key ids
    keys = [_fernet(_key(value, b"field-encryption")) for _, value in pairs]
    return KeyRing(tuple(kid for kid, _ in pairs), tuple(keys))


def _derive(purpose: bytes) -> bytes:
    return _key(get_settings().secret_key.get_secret_value(), purpose)


@lru_cache(maxsize=16)
def _key(secret: str, purpose: bytes) -> bytes:
    """Derived once per secret and purpose: every report and every token check needs one."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"hotline111", info=purpose).derive(secret.encode())


@lru_cache(maxsize=8)
def _fernet(key: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plain: str) -> str:
    return key_ring().encrypt(plain)


def decrypt(token: str) -> str:
    """The clear text, or CannotDecrypt (a ValueError) naming the key id that failed."""
    return key_ring().decrypt(token)


def blind_index(value: str) -> str:
    """A keyed hash for equality look-ups (a reporter's phone) without storing the value in clear."""
    key = _derive(b"blind-index")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def signing_key() -> bytes:
    return _derive(b"signing")


def same_secret(given: str, expected: str) -> bool:
    """A token, code or signature as sent against the one expected, in constant time. As bytes: `hmac.compare_digest`
    raises on a `str` with a letter outside ASCII, and what a caller sends (a form, a header, a path) may hold
    any letter, even a lone surrogate."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def read_stored(stored: str, *, plaintext_ok: bool) -> str:
    """A stored value in clear; tolerant: what cannot be decrypted comes back as `Unreadable`.

    `plaintext_ok` columns were stored in clear before they were encrypted: a value that is not a
    ciphertext is that old clear text (until `hotline keys rotate` encrypts it).
    """
    if plaintext_ok and key_id_of(stored) is None:
        return stored
    try:
        return decrypt(stored)
    except CannotDecrypt as exc:
        log.warning("a protected value cannot be decrypted (%s)", exc)
        return Unreadable(key_id_of(stored))
def token_signing_key() -> bytes:
    """Signs API bearer tokens; derived apart from the data-encryption and link-signing keys."""
    return _derive(b"api-token-signing")


class EncryptedText(TypeDecorator[str]):
    """A column stored encrypted under the ring's primary key and read back in clear.

    Reading never raises: a value no key opens reads as `Unreadable` (and is logged), so one bad
    row cannot turn a case read into a 500 or stop the sweeper.
    """

    impl = Text
    cache_ok = True

    def __init__(self, *, plaintext_ok: bool = False) -> None:
        super().__init__()
        self.plaintext_ok = plaintext_ok

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, Unreadable):
            raise CannotDecrypt("refusing to store the 'cannot decrypt' marker over a protected value")
        return encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else read_stored(value, plaintext_ok=self.plaintext_ok)


UNREADABLE_JSON: dict[str, Any] = {"unreadable": UNREADABLE_TEXT, "recipients": [], "reasons": [UNREADABLE_TEXT]}


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value stored encrypted; old rows stored as clear JSON are still read (plaintext_ok)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else encrypt(json.dumps(value, ensure_ascii=False, default=str))

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):  # a driver that already parsed a JSON column
            return value
        clear = read_stored(value, plaintext_ok=True)
        if isinstance(clear, Unreadable):
            return dict(UNREADABLE_JSON)
        return json.loads(clear)
