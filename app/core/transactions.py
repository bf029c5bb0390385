"""One commit per request: commit on success, roll back on any error, side effects after."""

from flask import Response

from app.extensions import db
from app.messaging.services import (
    deliver_after_commit,
    discard_pending_after_commit,
    take_pending_after_commit,
)


def finish_request_transaction(response: Response) -> Response:
    if response.status_code < 400:
        db.session.commit()
        pending = take_pending_after_commit()
        if pending:
            deliver_after_commit(pending)
    else:
        db.session.rollback()
        discard_pending_after_commit()
    return response


def commit_and_deliver() -> None:
    """For jobs and CLI commands, which own their transactions."""
    db.session.commit()
    pending = take_pending_after_commit()
    if pending:
        deliver_after_commit(pending)
