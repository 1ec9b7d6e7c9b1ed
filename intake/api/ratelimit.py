"""Limits on public intake, so that one client cannot flood the commune teams with reports.

Counted in Redis over a sliding window (a sorted set of the accepted requests' times per subject, trimmed,
counted and added to in one Lua script: a fixed window let twice the limit through across its boundary):
per client address and per reporter phone (its blind index: the number never appears in a Redis key). A web report
counts both in one round trip (`check_intake`, one script, sent by its SHA once Redis knows it). The client
address is the connection's, or, when the connection comes from a configured proxy
(HOTLINE_TRUSTED_PROXIES), the first address of X-Forwarded-For that is not one of ours.

A refused report gets 429 with Retry-After and a message in Vietnamese and English. When Redis
does not answer, reports go through (logged): a child in danger must still be able to report.
The same `check` serves the SMS and voice front doors (their caller's phone is the key).
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from dataclasses import dataclass
from functools import lru_cache

from fastapi import Request
from fastapi.responses import JSONResponse
from redis.commands.core import Script

from core.clock import utcnow
from core.crypto import blind_index
from core.errors import HotlineError
from core.queue import get_redis
from core.settings import get_settings
from intake.api.problems import problem

log = logging.getLogger(__name__)

# One or more limits in one round trip, over a sliding window. KEYS: a sorted set per limit (the address's,
# then the phone's); ARGV[1]: now in ms (the injected clock's), ARGV[2]: the window in ms, ARGV[3]: this
# request's member (unique), ARGV[3 + i]: the most allowed for KEYS[i]. Returns {0, 0} and records the request
# under every key, or {i, ms until the oldest counted request leaves the window} for the first limit that is
# over, recording nothing (a refused request is counted against no limit). A set never outlives its window.
_HIT_SLIDING = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return {i, tonumber(oldest[2]) + window - now}
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
end
return {0, 0}
"""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Limit:
    name: str  # "address" | "phone" | ...
    most: int  # requests allowed per window
    window_seconds: int


class RateLimited(HotlineError):
    status = 429
    title = "Too many requests"

    def __init__(self, *, retry_after: int, limit: str) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            f"Bạn đã gửi quá nhiều báo cáo trong thời gian ngắn. Vui lòng thử lại sau khoảng {minutes} phút. "
            "Nếu trẻ đang gặp nguy hiểm, hãy gọi ngay 111 (miễn phí).",
            f"Too many reports in a short time. Please try again in about {minutes} minute(s). "
            "If a child is in danger now, call 111 (free).",
        )
        self.retry_after = retry_after
        self.limit = limit


def intake_limits() -> tuple[Limit, Limit]:
    s = get_settings()
    return (Limit("address", s.intake_limit_per_address, s.intake_limit_window_seconds),
            Limit("phone", s.intake_limit_per_phone, s.intake_limit_window_seconds))


def check(limit: Limit, subject: str, *, scope: str = "intake") -> None:
    """Count one request of `subject` (an address, a blind index) against `limit`; RateLimited if over."""
    _hit(((limit, subject),), scope=scope)


def check_intake(request: Request, phone: str | None) -> None:
    """A web report's two limits, client address then reporter phone (E.164, counted under its blind
    index), in one round trip; RateLimited names the first one that is over."""
    limits = intake_limits() if phone else intake_limits()[:1]
    subjects = (client_address(request), blind_index(phone)) if phone else (client_address(request),)
    _hit(tuple(zip(limits, subjects, strict=True)), scope="intake")


def _hit(pairs: tuple[tuple[Limit, str], ...], *, scope: str) -> None:
    window_ms = pairs[0][0].window_seconds * 1000  # the limits of one call share their window
    now_ms = int(utcnow().timestamp() * 1000)
    keys = [_key(limit, subject, scope) for limit, subject in pairs]
    args: list[int | str] = [now_ms, window_ms, f"{now_ms}-{secrets.token_hex(6)}",
                             *(limit.most for limit, _ in pairs)]
    try:
        over, wait_ms = (int(v) for v in _script()(keys=keys, args=args))
    except Exception as exc:  # fail open: losing the limit is better than losing a report
        log.warning("intake limits not checked, Redis did not answer (%s)", type(exc).__name__)
        return
    if over:
        raise RateLimited(retry_after=max(1, -(-wait_ms // 1000)), limit=pairs[over - 1][0].name)


def _key(limit: Limit, subject: str, scope: str) -> str:
    return f"{get_settings().queue_name}:rl:{scope}:{limit.name}:{subject}:sliding"


def _script() -> Script:
    """The script object of the process's Redis client: EVALSHA, and EVAL once if Redis lost it."""
    redis = get_redis()
    script = _scripts.get(id(redis))
    if script is None or script.registered_client is not redis:
        script = _scripts[id(redis)] = redis.register_script(_HIT_SLIDING)
    return script


_scripts: dict[int, Script] = {}


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else ""
    proxies = trusted_proxies(get_settings().trusted_proxies)
    if not proxies or not _within(peer, proxies):
        return peer or "unknown"
    # Walk X-Forwarded-For from the nearest hop back; the first address that is not our proxy is the client.
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _within(hop, proxies):
            return hop
    return hops[0] if hops else peer


@lru_cache(maxsize=4)
def trusted_proxies(spec: str) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in spec.split(",") if p.strip())


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


async def on_rate_limited(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    response = problem(429, "Quá nhiều yêu cầu / Too many requests", f"{exc.vi} / {exc.en}",
                       message=exc.vi, message_en=exc.en, retry_after=exc.retry_after)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response
