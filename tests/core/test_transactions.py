"""The request's one commit (app.core.transactions)."""

import pytest
from flask import Response
from sqlalchemy import inspect, select

from app.core.errors import Conflict
from app.core.extensions import db
from app.core.transactions import call_after_commit, call_after_rollback, finish_request_transaction, undone_if_refused
from app.crm.tags.models import Tag
from tests.conftest import in_tenant
from tests.crm.factories import make_tag


def test_the_request_commit_leaves_loaded_objects_loaded_and_jobs_commits_as_before(app, tenant_a, query_counter):
    make_tag(app, tenant_a, name="VIP")
    with in_tenant(app, tenant_a.id):
        tag = db.session.scalar(select(Tag))
        seen_after_commit = []
        call_after_commit(lambda: seen_after_commit.append(tag.name))
        with query_counter() as counted:
            finish_request_transaction(Response(status=200))
        # The side effect read the tag without loading it again.
        assert seen_after_commit == ["VIP"]
        assert not [s for s in counted.statements if s.lstrip().upper().startswith("SELECT tags".upper())]
        assert "name" in inspect(tag).dict
        # A job's or a command's commit still marks what it loaded as stale.
        assert db.session().expire_on_commit is True
        db.session.commit()
        assert "name" not in inspect(tag).dict


def test_a_refusal_turned_into_a_message_undoes_what_the_service_wrote_before_it(app, tenant_a):
    """The view answers below 400 and the request commits: the tag written before the refusal,
    and the e-mail owed to the commit, must not survive it; a file written is removed now."""
    make_tag(app, tenant_a, name="Kept")
    with in_tenant(app, tenant_a.id):
        sent, removed = [], []
        call_after_commit(lambda: sent.append("earlier"))
        with pytest.raises(Conflict), undone_if_refused():
            half_written = Tag(tenant_id=tenant_a.id, name="Half-written")
            db.session.add(half_written)
            call_after_commit(lambda: sent.append("owed by the refused service"))
            call_after_rollback(lambda: removed.append("its file"))
            raise Conflict("Still in use.")
        assert removed == ["its file"]
        finish_request_transaction(Response(status=302))
        assert sent == ["earlier"]
        assert db.session.scalars(select(Tag.name)).all() == ["Kept"]
