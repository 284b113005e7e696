"""Chooses the action server, tracker store and lock store from environment variables, with defaults.

`endpoints.yml` names these settings as `${VAR}`; Rasa's YAML loader substitutes them but fails
on unset variables. `set_endpoint_defaults` fills in every variable that is not set, before Rasa reads
the file, so that with no variables at all the assistant keeps its embedded SQLite file and
in-memory lock store:

    ACTION_SERVER_URL  http://localhost:5055/webhook
    TRACKER_STORE   sqlite (default, file DB_NAME = var/tracker.db) | sql (PostgreSQL, DB_HOST ...)
    DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD    (sql: localhost, 5432, rasa, rasa, empty)
    LOCK_STORE      in_memory (default, one process) | redis (several processes or Sanic workers);
                    endpoints.yml reads LOCK_STORE_TYPE, derived from it (redis: addons/lock_store.py's class)
    REDIS_HOST REDIS_PORT REDIS_DB REDIS_PASSWORD  (localhost, 6379, 1, empty)
"""

from __future__ import annotations

from typing import Any, Dict, MutableMapping, Optional

TRACKER_STORES = ("sqlite", "sql")
DEFAULT_ACTION_SERVER_URL = "http://localhost:5055/webhook"
DIALECTS = {"sqlite": "sqlite", "sql": "postgresql"}
# Rasa's own `type: redis` would build its RedisLockStore (non-atomic, 60 s tickets); a module path is
# Rasa's hook for a custom lock store class.
LOCK_STORE_TYPES = {"in_memory": "in_memory", "redis": "addons.lock_store.RenewingRedisLockStore"}
DERIVED = ("DB_DIALECT", "LOCK_STORE_TYPE")

SQL_DEFAULTS = {
    "DB_HOST": "localhost",
    "DB_PORT": "5432",
    "DB_NAME": "rasa",
    "DB_USER": "rasa",
    "DB_PASSWORD": "",
}
# SQLite ignores host, user and password; the port must still be a number for Rasa's SQLTrackerStore.
SQLITE_DEFAULTS = {
    "DB_HOST": "",
    "DB_PORT": "0",
    "DB_NAME": "var/tracker.db",
    "DB_USER": "",
    "DB_PASSWORD": "",
}
REDIS_DEFAULTS = {"REDIS_HOST": "localhost", "REDIS_PORT": "6379", "REDIS_DB": "1", "REDIS_PASSWORD": ""}


class StoreConfigError(ValueError):
    pass


def endpoint_defaults(environ: MutableMapping[str, str]) -> Dict[str, str]:
    """The value of every endpoint variable that `environ` does not set."""
    tracker_store = environ.get("TRACKER_STORE") or "sqlite"
    lock_store = environ.get("LOCK_STORE") or "in_memory"
    if tracker_store not in TRACKER_STORES:
        raise StoreConfigError(
            f"TRACKER_STORE must be one of {', '.join(TRACKER_STORES)}, not '{tracker_store}'."
        )
    if lock_store not in LOCK_STORE_TYPES:
        raise StoreConfigError(
            f"LOCK_STORE must be one of {', '.join(LOCK_STORE_TYPES)}, not '{lock_store}'."
        )
    database = SQL_DEFAULTS if tracker_store == "sql" else SQLITE_DEFAULTS
    defaults = {
        "ACTION_SERVER_URL": DEFAULT_ACTION_SERVER_URL,
        "TRACKER_STORE": tracker_store,
        "DB_DIALECT": DIALECTS[tracker_store],
        "LOCK_STORE": lock_store,
        "LOCK_STORE_TYPE": LOCK_STORE_TYPES[lock_store],
    }
    return {**defaults, **database, **REDIS_DEFAULTS}


def set_endpoint_defaults(environ: MutableMapping[str, str]) -> None:
    """Sets every endpoint variable that is unset (or empty, for the two store choices) in `environ`.

    DB_DIALECT and LOCK_STORE_TYPE always follow TRACKER_STORE and LOCK_STORE (a leftover from another
    set-up must not win).
    """
    for name, value in endpoint_defaults(environ).items():
        choice_left_empty = name in ("TRACKER_STORE", "LOCK_STORE") and not environ.get(name)
        if name not in environ or name in DERIVED or choice_left_empty:
            environ[name] = value


def ping_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Optional[Any]) -> None:
    """SQLAlchemy pool "checkout" listener: hands out only live connections.

    After a database restart the pooled connections are dead; raising DisconnectionError makes the
    pool drop this one and try a fresh connection (SQLAlchemy's pessimistic disconnect handling), so
    the server recovers without a restart and without failing the first request.
    """
    import sqlalchemy.exc

    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT 1")
    except Exception as error:  # any DB-API error here means the connection is unusable
        raise sqlalchemy.exc.DisconnectionError(str(error)) from error
    finally:
        try:
            cursor.close()
        except Exception:
            pass
