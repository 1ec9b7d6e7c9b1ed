"""The data key ring: key ids, the old unprefixed ciphertexts, tolerant reads. Pure: no database."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from core import crypto
from core.settings import reset_settings


@pytest.fixture
def data_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def use(spec: str | None) -> None:
        if spec is None:
            monkeypatch.delenv("HOTLINE_DATA_KEYS", raising=False)
        else:
            monkeypatch.setenv("HOTLINE_DATA_KEYS", spec)
        reset_settings()

    use(None)
    yield use
    monkeypatch.delenv("HOTLINE_DATA_KEYS", raising=False)
    reset_settings()


def _written_before_key_ids(plain: str) -> str:
    """What the old code stored: a bare Fernet token under the key derived from HOTLINE_SECRET_KEY."""
    key = crypto._key(crypto.get_settings().secret_key.get_secret_value(), b"field-encryption")
    return Fernet(base64.urlsafe_b64encode(key)).encrypt(plain.encode()).decode()


def test_secret_key_alone_is_key_k0_and_reads_what_was_written_before(data_keys) -> None:
    old = _written_before_key_ids("Lê Thị Cúc")
    assert crypto.key_ring().kids == ("k0",)
    assert crypto.decrypt(old) == "Lê Thị Cúc"
    new = crypto.encrypt("Lê Thị Cúc")
    assert new.startswith("k0:") and crypto.key_id_of(new) == "k0" and crypto.key_id_of(old) == "legacy"


def test_new_keys_encrypt_and_old_ones_still_decrypt(data_keys) -> None:
    old_k0, old_bare = crypto.encrypt("một"), _written_before_key_ids("hai")
    data_keys("k2:second-secret, k1:first-secret")
    ring = crypto.key_ring()
    assert ring.kids == ("k2", "k1", "k0") and ring.primary == "k2"
    assert crypto.encrypt("ba").startswith("k2:")
    assert crypto.decrypt(old_k0) == "một" and crypto.decrypt(old_bare) == "hai"
    under_k1 = crypto.KeyRing(("k1",), (ring.fernets[1],)).encrypt("bốn")
    assert crypto.decrypt(under_k1) == "bốn"


def test_an_unknown_key_reads_as_a_marker_not_an_exception(data_keys) -> None:
    data_keys("k1:first-secret")
    stored = crypto.encrypt("Nguyễn Văn An")
    data_keys("k2:another-secret")  # k1 was dropped from the ring
    with pytest.raises(crypto.CannotDecrypt):
        crypto.decrypt(stored)
    read = crypto.EncryptedText().process_result_value(stored, None)
    assert isinstance(read, crypto.Unreadable) and read == crypto.UNREADABLE_TEXT and read.kid == "k1"
    assert crypto.EncryptedJSON().process_result_value(stored, None)["recipients"] == []


def test_columns_encrypted_later_still_read_their_old_clear_text(data_keys) -> None:
    assert crypto.EncryptedText(plaintext_ok=True).process_result_value("re-route", None) == "re-route"
    assert isinstance(crypto.EncryptedText().process_result_value("re-route", None), crypto.Unreadable)
    assert crypto.EncryptedJSON().process_result_value('{"reasons": ["x"]}', None) == {"reasons": ["x"]}


def test_the_marker_is_never_written_back_over_a_value() -> None:
    with pytest.raises(crypto.CannotDecrypt):
        crypto.EncryptedText().process_bind_param(crypto.Unreadable("k1"), None)


@pytest.mark.parametrize("spec", ["k1", "k1:", "bad id:x", "k1:a,k1:b", "k0:x"])
def test_bad_key_lists_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="HOTLINE_DATA_KEYS"):
        crypto.parse_data_keys(spec)


def test_blind_index_does_not_change_with_the_data_keys(data_keys) -> None:
    before = crypto.blind_index("+84987654321")
    data_keys("k9:rotated")
    assert crypto.blind_index("+84987654321") == before


def test_keys_can_come_from_a_file(data_keys, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# newest first\nk3:from-a-file\nk2:older\n", encoding="utf-8")
    monkeypatch.setenv("HOTLINE_DATA_KEYS_FILE", str(keys))
    data_keys(None)
    try:
        assert crypto.key_ring().kids == ("k3", "k2", "k0")
    finally:
        monkeypatch.delenv("HOTLINE_DATA_KEYS_FILE")
        reset_settings()


def test_a_secret_sent_with_any_letter_is_compared_not_a_crash() -> None:
    from core.crypto import same_secret

    assert same_secret("abc123", "abc123")
    assert not same_secret("abc124", "abc123")
    # a form, a header or a path may carry letters outside ASCII, even a lone surrogate: a mismatch, never a TypeError
    assert not same_secret("tökén", "abc123") and not same_secret("mac=\u00e9", "abc")
    assert not same_secret("\ud800", "x")
    assert same_secret("tökén", "tökén")
