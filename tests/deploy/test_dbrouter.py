"""Reads go to the replica until the request or task writes; writes and transactions stay on the primary."""

import json
import os
import subprocess
import sys

from django.core.signals import request_started
from django.db import transaction

from zhibu.core.dbrouter import ReplicaRouter, unpin
from zhibu.orgs.models import Branch


def test_reads_use_the_replica_until_something_is_written():
    router = ReplicaRouter()
    unpin()
    assert router.db_for_read(Branch) == "replica"
    assert router.db_for_write(Branch) == "default"
    assert router.db_for_read(Branch) == "default"  # read your own writes for the rest of the request
    unpin()
    assert router.db_for_read(Branch) == "replica"


def test_every_request_and_task_starts_on_the_replica():
    from celery.signals import task_prerun

    router = ReplicaRouter()
    router.db_for_write(Branch)
    task_prerun.send(sender=None)
    assert router.db_for_read(Branch) == "replica"
    sync_receivers, _ = request_started._live_receivers(None)
    assert unpin in sync_receivers


def test_reads_inside_a_transaction_use_the_primary(db):
    router = ReplicaRouter()
    unpin()
    with transaction.atomic():
        assert router.db_for_read(Branch) == "default"
    assert router.allow_migrate("replica", "orgs") is False
    assert router.allow_migrate("default", "orgs") is True


def test_a_replica_url_adds_the_replica_and_its_router():
    env = dict(os.environ)
    env.update(
        DATABASE_URL="postgres://app@db1:5432/zhibu",
        DATABASE_REPLICA_URL="postgres://app@db2:5432/zhibu",
        ZHIBU_DB_CONN_MAX_AGE="0",
        DJANGO_SETTINGS_MODULE="zhibu.settings",
    )
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([sorted(s.DATABASES), s.DATABASE_ROUTERS, s.DATABASES['replica']['HOST'], "
        "s.DATABASES['default']['CONN_MAX_AGE']]))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [["default", "replica"], ["zhibu.core.dbrouter.ReplicaRouter"], "db2", 0]
