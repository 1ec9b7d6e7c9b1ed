"""One settings object, read lazily from the environment (prefix HOTLINE_)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "hotline111"
CHECKOUT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 (refused outside the SQLite demo)
DEMO_TWILIO_SID = "ACdemo00000000000000000000000000"
DEMO_TWILIO_TOKEN = "demo-auth-token"  # noqa: S105 (refused outside the SQLite demo)


def default_database_url() -> str:
    """Where `./dev up` keeps the demo (`.hotline/demo.db`, or HOTLINE_DEMO_DIR) when run from a checkout,
    so every `hotline` command finds the demo's data; an installed package uses ~/.local/share/hotline111."""
    if demo_dir := os.environ.get("HOTLINE_DEMO_DIR"):
        return f"sqlite:///{Path(demo_dir).resolve() / 'demo.db'}"
    if (CHECKOUT / "devtools").is_dir() and (CHECKOUT / "pyproject.toml").is_file():
        return f"sqlite:///{CHECKOUT / '.hotline' / 'demo.db'}"
    return f"sqlite:///{DEFAULT_DATA_DIR / 'hotline.db'}"


# Settings that may hold a secret besides the SecretStr ones: a URL can carry a password.
SECRET_URLS = ("database_url", "redis_url")
# HOTLINE_DATA_KEYS_FILE is its own setting (one "id:secret" a line, core.crypto), not a `_FILE` of this kind.
OWN_FILE_SETTING = ("data_keys",)


def secret_names() -> tuple[str, ...]:
    """Every setting that can be read from a file: `HOTLINE_<NAME>_FILE` names the file (a container's or
    Kubernetes' mounted secret), whose content, trailing newline stripped, is the value."""
    secret = [name for name, info in Settings.model_fields.items()
              if info.annotation is SecretStr and name not in OWN_FILE_SETTING]
    return (*SECRET_URLS, *secret)


class SecretFiles(PydanticBaseSettingsSource):
    """`HOTLINE_X_FILE=/run/secrets/x` for every secret: the value never has to sit in the environment.
    Setting both `HOTLINE_X` and `HOTLINE_X_FILE` is refused, as is a file that cannot be read."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything happens in __call__

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in secret_names():
            var = f"HOTLINE_{name.upper()}"
            path = os.environ.get(f"{var}_FILE")
            if not path:
                continue
            if os.environ.get(var):
                raise ValueError(f"Chỉ đặt một trong {var} và {var}_FILE. / Set {var} or {var}_FILE, not both.")
            try:
                values[name] = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise ValueError(f"Không đọc được tệp {var}_FILE ({path}): {exc.strerror}. / "
                                 f"Cannot read {var}_FILE ({path}): {exc.strerror}.") from None
        return values


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, SecretFiles(settings_cls), dotenv_settings, file_secret_settings

    database_url: str = Field(default_factory=default_database_url)
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Redis through Sentinel (high availability): the sentinels as "host:port,host:port,..." and the name they
    # watch; the primary is asked of them and asked again after a fail-over. HOTLINE_REDIS_URL then gives only
    # the database number and the password (its host and port are not used).
    redis_sentinels: str = ""
    redis_sentinel_master: str = "hotline"
    public_base_url: str = "http://127.0.0.1:8111"
    twilio_account_sid: str = DEMO_TWILIO_SID
    twilio_auth_token: SecretStr = SecretStr(DEMO_TWILIO_TOKEN)
    twilio_from: str = "+84111000111"
    twilio_api_base: str = "https://api.twilio.com"
    twilio_timeout_seconds: float = 10.0
    # Outbound SMS: "twilio" (works everywhere, one-way in Vietnam) or "jasmin" (two-way short code).
    sms_provider: Literal["twilio", "jasmin"] = "twilio"
    jasmin_url: str = "http://127.0.0.1:1401"  # Jasmin's HTTP API
    jasmin_username: str = ""
    jasmin_password: SecretStr = SecretStr("")
    jasmin_from: str = ""  # the short code (or a registered brand name) SMS are sent from
    jasmin_inbound_key: SecretStr = SecretStr("")  # in the URL Jasmin posts MO messages and receipts to
    jasmin_timeout_seconds: float = 10.0
    # Zalo Official Account: the public writes to the OA; answers go through its API.
    zalo_app_id: str = ""
    zalo_app_secret: SecretStr = SecretStr("")
    zalo_oa_secret: SecretStr = SecretStr("")  # signs the webhooks
    zalo_refresh_token: SecretStr = SecretStr("")  # the first one; later ones are kept in the database
    # A request's whole body must arrive within this (an upload left hanging is answered 408 and closed).
    body_timeout_seconds: float = Field(default=30, gt=0)
    # A signed Zalo event is taken only this close to now (its `timestamp`): an old one replayed is refused.
    zalo_event_window_seconds: int = Field(default=300, gt=0)
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    secret_key: SecretStr = SecretStr(DEV_SECRET)  # key "k0" of the data key ring; blind indexes; signing
    data_keys: SecretStr | None = None  # newer data keys, newest first: "k2:secret,k1:secret" (core.crypto)
    data_keys_file: Path | None = None  # the same, one "id:secret" a line
    sla_policy: Path | None = None
    # Statistics reports (workflows.supervision.report_reminders): the periods file laid instead of the shipped one, the
    # local hour at which the worker's daily job sends the reminders, and a switch to stop sending them.
    report_periods: Path | None = None
    report_reminder_hour: int = Field(default=8, ge=0, le=23)
    report_reminders: bool = True
    lines_file: Path | None = None  # HOTLINE_LINES_FILE: the hotline lines (TOML); none: 111 on twilio_from
    queue_name: str = "hotline"
    worker_probe_port: int = Field(default=0, ge=0, le=65535)  # the worker's /healthz and /readyz; 0: none
    sweep_interval_seconds: float = Field(default=1.0, gt=0)  # sets the lateness under load
    # Delivery (notifier.outbox): threads per worker, how long a provider outage is retried, throttles.
    delivery_threads: int = Field(default=4, ge=1, le=64)
    delivery_retry_window_seconds: float = Field(default=6 * 3600, gt=0)
    delivery_backoff_cap_seconds: float = Field(default=600, gt=0)
    delivery_unknown_grace_seconds: float = Field(default=30, ge=0)  # after the client timeout
    phone_min_interval_seconds: float = Field(default=60, ge=0)  # at most one SMS a minute to a phone
    provider_alert_after: int = Field(default=3, ge=1)  # provider failures in a row before the shift lead is told
    # Comma-separated E.164 numbers of the hotline's shift leads, besides the roster's (role Trưởng ca):
    # told when the SMS provider is failing and when a danger call waits with nobody to take it.
    shift_lead_phones: str = ""
    routing_threshold: float = Field(default=0.6, ge=0, le=1)
    answer_link_hours: float = Field(default=72.0, gt=0)  # how long a one-tap link in an SMS works
    reply_code_days: int = Field(default=30, ge=1)  # a reply code ("NHAN 3") is recycled after this
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"  # JSON lines with the request's id; text for a terminal
    metrics_token: SecretStr = SecretStr("")  # when set, GET /metrics needs "Authorization: Bearer <it>"
    # Public intake limits (intake.api.ratelimit): reports per client address / per reporter phone per window.
    intake_limit_per_address: int = Field(default=30, ge=1)
    intake_limit_per_phone: int = Field(default=5, ge=1)
    intake_limit_window_seconds: int = Field(default=600, ge=1)
    trusted_proxies: str = ""  # IPs or CIDRs, comma-separated; only their X-Forwarded-For is believed
    fold_window_seconds: float = Field(default=120, ge=0)  # new cases for one phone within it: one SMS
    # People: sessions end after this much idleness, or this long after sign-in whatever happens.
    session_idle_minutes: int = Field(default=30, gt=0)
    session_max_hours: int = Field(default=12, gt=0)
    # Sign-in: this many failures for one user name (or many more from one address) lock it for a while.
    signin_max_failures: int = Field(default=5, gt=0)
    signin_max_failures_per_client: int = Field(default=20, gt=0)
    signin_lockout_minutes: int = Field(default=15, gt=0)
    # Commune officers sign in with a one-time code sent by SMS to their roster phone: it works this long,
    # once, for this many wrong tries; this many codes per phone (and per client address) per window.
    signin_code_minutes: int = Field(default=10, gt=0)
    signin_code_tries: int = Field(default=5, gt=0)
    signin_codes_per_phone: int = Field(default=3, gt=0)
    signin_codes_per_client: int = Field(default=10, gt=0)
    signin_code_window_minutes: int = Field(default=15, gt=0)
    api_token_max_days: int = Field(default=365, gt=0)

    def sentinels(self) -> tuple[tuple[str, int], ...]:
        found = []
        for item in (part.strip() for part in self.redis_sentinels.split(",")):
            if item:
                host, _, port = item.rpartition(":")
                found.append((host or "127.0.0.1", int(port or 26379)))
        return tuple(found)

    def shift_leads(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.shift_lead_phones.split(",") if p.strip())

    @field_validator("database_url")
    @classmethod
    def _psycopg(cls, value: str) -> str:
        # libpq's own form (what CloudNativePG's and most operators' secrets hold) means psycopg 3 here.
        for plain in ("postgresql://", "postgres://"):
            if value.startswith(plain):
                return "postgresql+psycopg://" + value[len(plain):]
        return value

    @field_validator("public_base_url", "twilio_api_base", "jasmin_url", "zalo_api_base", "zalo_oauth_base")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        # A trailing slash would make "//path" URLs and break every Twilio signature.
        return value.rstrip("/")


def demo_secrets_in_use(settings: Settings) -> list[str]:
    """The settings still holding a demo value (a known secret is no secret)."""
    found = []
    secret, token = settings.secret_key.get_secret_value(), settings.twilio_auth_token.get_secret_value()
    if secret == DEV_SECRET or secret.startswith("change-me"):  # also the sample file's placeholders
        found.append("HOTLINE_SECRET_KEY")
    if token == DEMO_TWILIO_TOKEN or token.startswith("change-me"):
        found.append("HOTLINE_TWILIO_AUTH_TOKEN")
    if settings.twilio_account_sid == DEMO_TWILIO_SID or "xxxxxxxx" in settings.twilio_account_sid:
        found.append("HOTLINE_TWILIO_ACCOUNT_SID")
    return found


def require_real_secret(settings: Settings) -> None:
    """Demo secrets are for the SQLite demo only: with real data they would leave identities readable
    and let anyone forge Twilio's webhooks. `serve` and `worker` refuse to start with them."""
    demo = demo_secrets_in_use(settings)
    if demo and not settings.database_url.startswith("sqlite"):
        names = ", ".join(demo)
        raise SystemExit(
            f"Chưa đặt {names} (giá trị mặc định chỉ dùng cho bản chạy thử SQLite). / "
            f"Set {names}: the defaults are for the SQLite demo only."
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
