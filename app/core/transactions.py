"""One commit per request: commit on success, roll back on any error, side effects after."""

from contextlib import contextmanager

from flask import Response

from app.core.extensions import db

AFTER_COMMIT = "after_commit_callbacks"
AFTER_ROLLBACK = "after_rollback_callbacks"


def call_after_commit(callback) -> None:
    """Run `callback()` once the current transaction has committed (removing a deleted file)."""
    db.session.info.setdefault(AFTER_COMMIT, []).append(callback)


def call_after_rollback(callback) -> None:
    """Run `callback()` if the current transaction rolls back (removing a file just written)."""
    db.session.info.setdefault(AFTER_ROLLBACK, []).append(callback)


def _run(key: str) -> None:
    callbacks = db.session.info.pop(key, [])
    for callback in callbacks:
        callback()


def _committed() -> None:
    db.session.info.pop(AFTER_ROLLBACK, None)
    _run(AFTER_COMMIT)


def rolled_back() -> None:
    db.session.info.pop(AFTER_COMMIT, None)
    _run(AFTER_ROLLBACK)


@contextmanager
def undone_if_refused():
    """For a view that turns a service's refusal into a message: its page or redirect answers
    below 400, so the request commits, and what the service wrote before it refused (the
    "deleted" event of the first of two records, the audit row) would be kept. A savepoint
    undoes that part, with the side effects it owed to the commit; files it wrote are removed."""
    owed = {key: list(db.session.info.get(key, [])) for key in (AFTER_COMMIT, AFTER_ROLLBACK)}
    savepoint = db.session.begin_nested()
    try:
        yield
    except Exception:
        savepoint.rollback()
        written = db.session.info.get(AFTER_ROLLBACK, [])[len(owed[AFTER_ROLLBACK]) :]
        db.session.info.update(owed)
        for callback in written:
            callback()
        raise
    savepoint.commit()


def finish_request_transaction(response: Response) -> Response:
    if response.status_code < 400:
        _commit_without_expiring()
        _committed()
    else:
        db.session.rollback()
        rolled_back()
    return response


def _commit_without_expiring() -> None:
    """Commit the request's work without marking every loaded object stale: the response is
    rendered and the session is closed right after, so reloading them is never needed, and
    expiring them (a list page holds some 130) cost more than the commit itself. A column
    the database filled in (a server default) stays unloaded as always and is read on use."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def commit_and_deliver() -> None:
    """For jobs and CLI commands, which own their transactions."""
    db.session.commit()
    _committed()


def abandon_request_transaction(exc=None) -> None:
    """teardown_request: a request that ended in an exception never reached the commit."""
    if AFTER_COMMIT in db.session.info or AFTER_ROLLBACK in db.session.info:
        db.session.rollback()
        rolled_back()
