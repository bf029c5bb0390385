"""The leader lock: only the process holding it runs jobs; the others wait for it.

PostgreSQL: a session-level advisory lock held on a dedicated connection (released by the
server if the process dies). SQLite: an exclusive `flock` on SCHEDULER_LOCK_FILE.
"""

import fcntl
import logging
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# Any fixed 64-bit number; it names the lock for every scheduler of one database.
ADVISORY_LOCK_KEY = 0x41_74_72_69_75_6D_4A_42


class PostgresAdvisoryLock:
    def __init__(self, url: str):
        self.engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.connection = None

    def acquire(self) -> bool:
        if self.connection is None:
            self.connection = self.engine.connect()
        held = self.connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        return bool(held)

    def healthy(self) -> bool:
        """The lock lives as long as its connection; a dead connection means the lock is gone."""
        try:
            return self.connection is not None and self.connection.scalar(text("SELECT 1")) == 1
        except Exception:
            log.exception("the leader lock's connection is lost")
            return False

    def release(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
        except Exception:
            log.warning("could not unlock the advisory lock; closing its connection releases it")
        finally:
            self.connection.close()
            self.connection = None

    def close(self) -> None:
        self.release()
        self.engine.dispose()


class FileLock:
    def __init__(self, path: str):
        self.path = Path(path)
        self.handle = None

    def acquire(self) -> bool:
        if self.handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "a+")  # noqa: SIM115 - held open for the process's life
        try:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def healthy(self) -> bool:
        return self.handle is not None

    def release(self) -> None:
        if self.handle is None:
            return
        fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
        self.handle.close()
        self.handle = None

    def close(self) -> None:
        self.release()


def make_leader_lock(app):
    url = app.config.get("PLATFORM_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        return PostgresAdvisoryLock(url)
    return FileLock(app.config["SCHEDULER_LOCK_FILE"])
