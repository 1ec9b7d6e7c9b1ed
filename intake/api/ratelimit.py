"""Limits on public intake, so that one client cannot flood the commune teams with reports.

Counted in Redis (a fixed window per limit, INCR and EXPIRE in one Lua script): per client address
and per reporter phone (its blind index: the number never appears in a Redis key). The client
address is the connection's, or, when the connection comes from a configured proxy
(HOTLINE_TRUSTED_PROXIES), the first address of X-Forwarded-For that is not one of ours.

A refused report gets 429 with Retry-After and a message in Vietnamese and English. When Redis
does not answer, reports go through (logged): a child in danger must still be able to report.
The same `check` serves the SMS and voice front doors (their caller's phone is the key).
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from functools import lru_cache

from fastapi import Request
from fastapi.responses import JSONResponse

from core.clock import utcnow
from core.crypto import blind_index
from core.errors import HotlineError
from core.queue import get_redis
from core.settings import get_settings
from intake.api.problems import problem

log = logging.getLogger(__name__)

# KEYS[1]: the window's counter; ARGV[1]: the window in seconds. Atomic: a counter never lives forever.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
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
    window = limit.window_seconds
    now = int(utcnow().timestamp())
    slot = now // window
    key = f"{get_settings().queue_name}:rl:{scope}:{limit.name}:{subject}:{slot}"
    try:
        count = get_redis().eval(_HIT, 1, key, window)
    except Exception as exc:  # fail open: losing the limit is better than losing a report
        log.warning("rate limit %s not checked, Redis did not answer (%s)", limit.name, type(exc).__name__)
        return
    if int(count) > limit.most:  # the window ends on a multiple of its length
        raise RateLimited(retry_after=max(1, (slot + 1) * window - now), limit=limit.name)


def check_address(request: Request) -> None:
    """A FastAPI dependency: the per-address limit, before the body is even read."""
    check(intake_limits()[0], client_address(request))


def check_phone(phone: str | None) -> None:
    """The per-reporter-phone limit (E.164); counted under its blind index."""
    if phone:
        check(intake_limits()[1], blind_index(phone))


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
