"""Race many creates of one counted resource against its plan limit.

Reusable by any domain: pass a `create()` that makes one record in the current tenant (it
runs in its own thread, app context, session and connection). Used for users here; the CRM
uses it for contacts.
"""

import threading

from app.core.context import tenant_context
from app.core.errors import PlanLimitExceeded
from app.core.extensions import db


def race_creates(app, tenant_id, create, *, attempts: int = 20) -> dict:
    """Start `attempts` threads at once; each calls `create(index)` and commits.

    Returns {"succeeded": n, "refused": n, "errors": [unexpected exceptions]}.
    """
    barrier = threading.Barrier(attempts)
    outcome = {"succeeded": 0, "refused": 0, "errors": []}
    lock = threading.Lock()

    def worker(index: int) -> None:
        with app.app_context(), tenant_context(tenant_id):
            try:
                barrier.wait(timeout=30)
                create(index)
                db.session.commit()
            except PlanLimitExceeded:
                db.session.rollback()
                with lock:
                    outcome["refused"] += 1
                return
            except Exception as exc:
                db.session.rollback()
                with lock:
                    outcome["errors"].append(repr(exc))
                return
            finally:
                db.session.remove()
            with lock:
                outcome["succeeded"] += 1

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcome
