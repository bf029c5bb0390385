"""The leader lock: only the process holding it runs jobs; the others wait for it.

PostgreSQL: a session-level advisory lock held on a dedicated connection (released by the
server if the process dies or its connection is cut). SQLite: an exclusive `flock` on
SCHEDULER_LOCK_FILE. `holds()` asks whether this process still holds it *now*; the leader
asks before every job run, so a lost lock never leaves two leaders, not even for one tick.
"""

import fcntl
import logging
import threading
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# Any fixed 64-bit number; it names the lock for every scheduler of one database.
ADVISORY_LOCK_KEY = 0x41_74_72_69_75_6D_4A_42
# pg_locks shows a bigint advisory key as two 32-bit halves (classid, objid), objsubid 1.
HOLDS_LOCK = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND pid = pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1)"
)


class PostgresAdvisoryLock:
    def __init__(self, url: str):
        self.engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.connection = None
        # The main loop, APScheduler's thread and job threads all ask; one connection serves them.
        self._guard = threading.Lock()

    def acquire(self) -> bool:
        with self._guard:
            if self.connection is None:
                self.connection = self.engine.connect()
            held = self.connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            return bool(held)

    def holds(self) -> bool:
        """Whether this session holds the lock right now (False once its connection is cut)."""
        with self._guard:
            if self.connection is None:
                return False
            try:
                return bool(
                    self.connection.scalar(
                        HOLDS_LOCK, {"high": ADVISORY_LOCK_KEY >> 32, "low": ADVISORY_LOCK_KEY & 0xFFFFFFFF}
                    )
                )
            except Exception:
                log.exception("the leader lock's connection is lost")
                return False

    def healthy(self) -> bool:
        return self.holds()

    def release(self) -> None:
        with self._guard:
            if self.connection is None:
                return
            try:
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            except Exception:
                log.warning("could not unlock the advisory lock; closing its connection releases it")
            finally:
                try:
                    self.connection.close()
                except Exception:
                    log.warning("closing the lost lock connection failed")
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

    def holds(self) -> bool:
        # flock is held for as long as this process keeps the file open.
        return self.handle is not None

    def healthy(self) -> bool:
        return self.holds()

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
