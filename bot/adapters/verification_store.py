"""Where the verification limits (bot/services/verification.py) keep failed ZIP
attempts: the project database (table `verification_failures`), or Redis when
`CSBA_REDIS_URL` is set, so that the limits hold across processes and replicas."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from sqlalchemy import delete, func, or_, select
from sqlalchemy.engine import Engine

from bot.adapters.db import session_scope
from bot.adapters.orm import VerificationFailureRow

REDIS_PREFIX = "csba:verify:"


class FailureStore(Protocol):
    """Failed attempts by order and by client, each with its time."""

    def add(self, *, order_key: str, client_key: str, at: datetime) -> str:
        """Record a failure now (committed before returning); its id."""

    def withdraw(self, failure_id: str, *, order_key: str, client_key: str) -> None:
        """Forget a failure recorded by `add` (the attempt succeeded or was refused)."""

    def count_for_order(self, order_key: str, *, since: datetime) -> int: ...

    def count_for_client(self, client_key: str, *, since: datetime) -> int: ...


class SqlFailureStore:
    """Failures in the project database, table `verification_failures`. Every
    call is its own committed transaction, so concurrent attempts see each other."""

    def __init__(self, engine: Engine, *, keep: timedelta) -> None:
        self.engine = engine
        self.keep = keep

    def add(self, *, order_key: str, client_key: str, at: datetime) -> str:
        oldest = at - self.keep
        with session_scope(self.engine) as session:
            session.execute(
                delete(VerificationFailureRow)
                .where(
                    or_(
                        VerificationFailureRow.order_key == order_key,
                        VerificationFailureRow.client_key == client_key,
                    )
                )
                .where(VerificationFailureRow.failed_at < oldest)
            )
            row = VerificationFailureRow(
                order_key=order_key, client_key=client_key, failed_at=at
            )
            session.add(row)
            session.flush()
            return str(row.id)

    def withdraw(self, failure_id: str, *, order_key: str, client_key: str) -> None:
        with session_scope(self.engine) as session:
            session.execute(
                delete(VerificationFailureRow).where(
                    VerificationFailureRow.id == int(failure_id)
                )
            )

    def _count(self, column, value: str, since: datetime) -> int:  # noqa: ANN001
        with session_scope(self.engine) as session:
            return session.execute(
                select(func.count())
                .select_from(VerificationFailureRow)
                .where(column == value, VerificationFailureRow.failed_at >= since)
            ).scalar_one()

    def count_for_order(self, order_key: str, *, since: datetime) -> int:
        return self._count(VerificationFailureRow.order_key, order_key, since)

    def count_for_client(self, client_key: str, *, since: datetime) -> int:
        return self._count(VerificationFailureRow.client_key, client_key, since)


class RedisFailureStore:
    """Failures in Redis: one sorted set per order and per client (member: the
    failure's id, score: its time), expiring with the longest window."""

    def __init__(
        self, client, *, keep: timedelta, prefix: str = REDIS_PREFIX  # noqa: ANN001
    ) -> None:
        self.redis = client
        self.prefix = prefix
        self.ttl = int(keep.total_seconds())

    def _order(self, key: str) -> str:
        return f"{self.prefix}order:{key}"

    def _client(self, key: str) -> str:
        return f"{self.prefix}client:{key}"

    def add(self, *, order_key: str, client_key: str, at: datetime) -> str:
        failure_id = uuid.uuid4().hex
        score = at.timestamp()
        oldest = score - self.ttl
        pipe = self.redis.pipeline(transaction=True)
        for name in (self._order(order_key), self._client(client_key)):
            pipe.zremrangebyscore(name, "-inf", f"({oldest}")
            pipe.zadd(name, {failure_id: score})
            pipe.expire(name, self.ttl)
        pipe.execute()
        return failure_id

    def withdraw(self, failure_id: str, *, order_key: str, client_key: str) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.zrem(self._order(order_key), failure_id)
        pipe.zrem(self._client(client_key), failure_id)
        pipe.execute()

    def count_for_order(self, order_key: str, *, since: datetime) -> int:
        return int(self.redis.zcount(self._order(order_key), since.timestamp(), "+inf"))

    def count_for_client(self, client_key: str, *, since: datetime) -> int:
        return int(
            self.redis.zcount(self._client(client_key), since.timestamp(), "+inf")
        )


@lru_cache(maxsize=4)
def redis_store(url: str, *, keep: timedelta) -> RedisFailureStore:
    """One store (and connection pool) per Redis URL in this process."""
    import redis

    return RedisFailureStore(redis.Redis.from_url(url, socket_timeout=5), keep=keep)
