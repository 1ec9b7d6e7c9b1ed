"""Every secret can be read from a file (`HOTLINE_<NAME>_FILE`), as containers and Kubernetes mount them."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings, secret_names


def test_every_secret_setting_has_a_file_form() -> None:
    names = set(secret_names())
    assert {"database_url", "redis_url", "secret_key", "twilio_auth_token", "jasmin_password",
            "jasmin_inbound_key", "zalo_app_secret", "zalo_oa_secret", "zalo_refresh_token",
            "metrics_token"} <= names
    assert "data_keys" not in names  # HOTLINE_DATA_KEYS_FILE is its own setting, one key a line


@pytest.mark.parametrize("name", secret_names())
def test_a_secret_is_read_from_its_file(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    var = f"HOTLINE_{name.upper()}"
    monkeypatch.delenv(var, raising=False)
    secret = tmp_path / name
    secret.write_text("postgresql+psycopg://u:p%40ss@db/hotline\n" if name.endswith("url") else "s3cr3t-value\n")
    monkeypatch.setenv(f"{var}_FILE", str(secret))
    value = getattr(Settings(_env_file=None), name)
    shown = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    assert shown == secret.read_text().rstrip("\n")  # the trailing newline of `echo > file` is dropped


def test_both_forms_at_once_or_a_missing_file_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_TWILIO_AUTH_TOKEN_FILE", str(tmp_path / "missing"))
    monkeypatch.delenv("HOTLINE_TWILIO_AUTH_TOKEN", raising=False)
    with pytest.raises(ValueError, match="HOTLINE_TWILIO_AUTH_TOKEN_FILE"):
        Settings(_env_file=None)
    (tmp_path / "token").write_text("x")
    monkeypatch.setenv("HOTLINE_TWILIO_AUTH_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("HOTLINE_TWILIO_AUTH_TOKEN", "y")
    with pytest.raises(ValueError, match="not both"):
        Settings(_env_file=None)


def test_an_operators_libpq_url_means_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "postgresql://hotline:pw@hotline-db-rw:5432/hotline")
    assert Settings(_env_file=None).database_url == "postgresql+psycopg://hotline:pw@hotline-db-rw:5432/hotline"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "sqlite:///x.db")
    assert Settings(_env_file=None).database_url == "sqlite:///x.db"


def test_backup_refuses_the_sqlite_demo_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from core.settings import reset_settings
    from intake.cli import app

    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    reset_settings()
    try:
        result = CliRunner().invoke(app, ["backup", str(tmp_path / "x.dump")])
    finally:
        reset_settings()
    assert result.exit_code == 2 and "SQLite" in result.output and "Traceback" not in result.output
