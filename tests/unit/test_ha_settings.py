"""The settings that reach replicated backends: libpq's multi-host URL and Redis Sentinel."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from core.db import sqlalchemy_url
from core.settings import Settings


def test_a_multi_host_url_becomes_sqlalchemys_host_parameters() -> None:
    url = sqlalchemy_url("postgresql+psycopg://hotline:pw@10.0.0.1:5432,10.0.0.2:5433/hotline"
                         "?target_session_attrs=read-write&connect_timeout=3")
    assert url == ("postgresql+psycopg://hotline:pw@/hotline?host=10.0.0.1:5432&host=10.0.0.2:5433"
                   "&target_session_attrs=read-write&connect_timeout=3")
    parsed = make_url(url)
    assert parsed.query["host"] == ("10.0.0.1:5432", "10.0.0.2:5433")
    assert parsed.database == "hotline" and parsed.password == "pw"


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://hotline@10.0.0.1:5432/hotline",
    "postgresql+psycopg://hotline@/hotline?host=a:1&host=b:2",
    "sqlite:///demo.db",
])
def test_any_other_url_is_left_as_it_is(url: str) -> None:
    assert sqlalchemy_url(url) == url


def test_a_multi_host_url_without_a_query() -> None:
    assert sqlalchemy_url("postgresql+psycopg://u@a:1,b:2/db") == "postgresql+psycopg://u@/db?host=a:1&host=b:2"


def test_sentinels_are_read_as_host_and_port() -> None:
    settings = Settings(redis_sentinels=" 10.0.0.1:26379, 10.0.0.2:26380 ,:26381,")
    assert settings.sentinels() == (("10.0.0.1", 26379), ("10.0.0.2", 26380), ("127.0.0.1", 26381))
    assert Settings(redis_sentinels="").sentinels() == ()


def test_the_redis_client_asks_the_sentinels_for_the_primary() -> None:
    from redis.sentinel import SentinelConnectionPool

    from core.queue import _connect

    client = _connect("redis://:secret@ignored:6379/3", (("127.0.0.1", 26379),), "hotline")
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool)
    assert pool.service_name == "hotline"
    assert pool.connection_kwargs["db"] == 3 and pool.connection_kwargs["password"] == "secret"
