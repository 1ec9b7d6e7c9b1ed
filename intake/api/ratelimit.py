"""Limits on public intake, so that one client cannot flood the commune teams with reports.

Counted in Redis (a fixed window per limit, INCR and EXPIRE in one Lua script): per client address
and per reporter phone (its blind index: the number never appears in a Redis key). A web report
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

# KEYS[1]: the window's counter; ARGV[1]: the window in seconds. Atomic: a counter never lives forever.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""

# Both intake limits in one round trip. KEYS: the address's counter, then (optional) the phone's; ARGV[1]: the
# window, ARGV[2], ARGV[3]: the most allowed. Returns 0, or the 1-based index of the limit that is over; a
# request refused by its address is not counted against its phone (as when they were two calls).
_HIT_INTAKE = """
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[1]) end
  if count > tonumber(ARGV[i + 1]) then return i end
end
return 0
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
    try:
        count = get_redis().eval(_HIT, 1, _key(limit, subject, slot, scope), window)
    except Exception as exc:  # fail open: losing the limit is better than losing a report
        log.warning("rate limit %s not checked, Redis did not answer (%s)", limit.name, type(exc).__name__)
        return
    if int(count) > limit.most:  # the window ends on a multiple of its length
        raise RateLimited(retry_after=max(1, (slot + 1) * window - now), limit=limit.name)


def check_intake(request: Request, phone: str | None) -> None:
    """A web report's two limits, client address then reporter phone (E.164, counted under its blind
    index), in one round trip; RateLimited names the first one that is over."""
    limits = intake_limits() if phone else intake_limits()[:1]
    subjects = (client_address(request), blind_index(phone)) if phone else (client_address(request),)
    window = limits[0].window_seconds  # both limits share the intake window
    now = int(utcnow().timestamp())
    slot = now // window
    keys = [_key(limit, subject, slot, "intake") for limit, subject in zip(limits, subjects, strict=True)]
    try:
        over = int(_intake_script()(keys=keys, args=[window, *(limit.most for limit in limits)]))
    except Exception as exc:  # fail open: losing the limit is better than losing a report
        log.warning("intake limits not checked, Redis did not answer (%s)", type(exc).__name__)
        return
    if over:
        raise RateLimited(retry_after=max(1, (slot + 1) * window - now), limit=limits[over - 1].name)


def _key(limit: Limit, subject: str, slot: int, scope: str) -> str:
    return f"{get_settings().queue_name}:rl:{scope}:{limit.name}:{subject}:{slot}"


def _intake_script() -> Script:
    """The script object of the process's Redis client: EVALSHA, and EVAL once if Redis lost it."""
    redis = get_redis()
    script = _scripts.get(id(redis))
    if script is None or script.registered_client is not redis:
        script = _scripts[id(redis)] = redis.register_script(_HIT_INTAKE)
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
