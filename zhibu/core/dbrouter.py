"""Reads on a PostgreSQL streaming replica, writes on the primary (set DATABASE_REPLICA_URL).

A request or task reads from the replica until it writes anything; from then on, and inside any
transaction, it stays on the primary so it always reads its own writes. A later request can still
reach the replica before it has replayed an earlier write (normally well under a second); where that
matters, run the replica synchronously (`synchronous_commit = remote_apply`, see docs/deployment.md).
"""

from contextvars import ContextVar

from django.core.signals import request_started
from django.db import connections

_pinned: ContextVar[bool] = ContextVar("zhibu_db_pinned", default=False)


def unpin(**kwargs) -> None:
    """A new request or task starts on the replica again."""
    _pinned.set(False)


request_started.connect(unpin, dispatch_uid="zhibu.dbrouter.unpin")
try:
    from celery.signals import task_prerun

    task_prerun.connect(unpin, dispatch_uid="zhibu.dbrouter.unpin", weak=False)
except ImportError:  # pragma: no cover - celery is a dependency
    pass


class ReplicaRouter:
    primary = "default"
    replica = "replica"

    def db_for_read(self, model, **hints):
        if _pinned.get() or connections[self.primary].in_atomic_block:
            return self.primary
        return self.replica

    def db_for_write(self, model, **hints):
        _pinned.set(True)
        return self.primary

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == self.primary
