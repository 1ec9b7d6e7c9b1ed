"""One settings object, read lazily from the environment (prefix HOTLINE_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "hotline111"
DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 (refused outside the SQLite demo)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_DATA_DIR / 'hotline.db'}"
    redis_url: str = "redis://127.0.0.1:6379/0"
    public_base_url: str = "http://127.0.0.1:8111"
    twilio_account_sid: str = "ACdemo00000000000000000000000000"
    twilio_auth_token: SecretStr = SecretStr("demo-auth-token")
    twilio_from: str = "+84111000111"
    twilio_api_base: str = "https://api.twilio.com"
    twilio_timeout_seconds: float = 10.0
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    sla_policy: Path | None = None
    queue_name: str = "hotline"
    sweep_interval_seconds: float = Field(default=1.0, gt=0)  # sets the lateness under load
    # Delivery (notifier.outbox): threads per worker, how long a provider outage is retried, throttles.
    delivery_threads: int = Field(default=4, ge=1, le=64)
    delivery_retry_window_seconds: float = Field(default=6 * 3600, gt=0)
    delivery_backoff_cap_seconds: float = Field(default=600, gt=0)
    delivery_unknown_grace_seconds: float = Field(default=30, ge=0)  # after the client timeout
    phone_min_interval_seconds: float = Field(default=60, ge=0)  # at most one SMS a minute to a phone
    provider_alert_after: int = Field(default=3, ge=1)  # provider failures in a row before the shift lead is told
    shift_lead_phones: str = ""  # comma-separated E.164 numbers told when the provider is failing
    routing_threshold: float = Field(default=0.6, ge=0, le=1)
    log_level: str = "INFO"

    @field_validator("public_base_url", "twilio_api_base")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        # A trailing slash would make "//path" URLs and break every Twilio signature.
        return value.rstrip("/")


def require_real_secret(settings: Settings) -> None:
    """The dev secret is for the SQLite demo only: with real data it would leave identities readable."""
    if settings.secret_key.get_secret_value() == DEV_SECRET and not settings.database_url.startswith("sqlite"):
        raise SystemExit(
            "HOTLINE_SECRET_KEY chưa được đặt (chỉ dùng mặc định cho bản chạy thử SQLite). / "
            "Set HOTLINE_SECRET_KEY: the default is for the SQLite demo only."
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
