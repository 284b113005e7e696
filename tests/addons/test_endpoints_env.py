"""The stores are chosen by environment variables, with the single-machine defaults when none is set."""

import pytest
from rasa.core.utils import read_endpoints_from_path

from addons.endpoints_env import StoreConfigError, set_endpoint_defaults


def test_no_variables_keep_sqlite_and_the_in_memory_lock(monkeypatch) -> None:
    environ = {}
    set_endpoint_defaults(environ)
    assert environ["DB_DIALECT"] == "sqlite" and environ["DB_NAME"] == "var/tracker.db"
    assert environ["LOCK_STORE"] == "in_memory"
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    endpoints = read_endpoints_from_path("endpoints.yml")
    assert endpoints.tracker_store.kwargs["dialect"] == "sqlite"
    assert endpoints.tracker_store.kwargs["db"] == "var/tracker.db"
    assert endpoints.lock_store.type == "in_memory"


def test_sql_and_redis_get_their_defaults_and_keep_what_is_set() -> None:
    environ = {
        "TRACKER_STORE": "sql",
        "DB_DIALECT": "sqlite",
        "DB_HOST": "db.internal",
        "LOCK_STORE": "redis",
        "REDIS_PASSWORD": "s3cret",
    }
    set_endpoint_defaults(environ)
    assert environ["DB_DIALECT"] == "postgresql" and environ["DB_HOST"] == "db.internal"
    assert environ["DB_PORT"] == "5432" and environ["DB_NAME"] == "rasa"
    assert environ["REDIS_HOST"] == "localhost" and environ["REDIS_PASSWORD"] == "s3cret"


def test_lock_store_redis_names_the_renewing_store_by_module_path(monkeypatch) -> None:
    # Rasa's own `type: redis` would build its RedisLockStore; a leftover LOCK_STORE_TYPE must not win either.
    environ = {"LOCK_STORE": "redis", "LOCK_STORE_TYPE": "redis"}
    set_endpoint_defaults(environ)
    assert environ["LOCK_STORE"] == "redis"  # the operator's variable is left as set
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    endpoints = read_endpoints_from_path("endpoints.yml")
    assert endpoints.lock_store.type == "addons.lock_store.RenewingRedisLockStore"
    assert endpoints.lock_store.url == "localhost" and endpoints.lock_store.kwargs["db"] == "1"


def test_an_unknown_store_is_refused_with_the_choices() -> None:
    with pytest.raises(StoreConfigError, match="sqlite, sql"):
        set_endpoint_defaults({"TRACKER_STORE": "mongo"})
    with pytest.raises(StoreConfigError, match="in_memory, redis"):
        set_endpoint_defaults({"LOCK_STORE": "addons.lock_store.RenewingRedisLockStore"})
