"""The request's one commit (app.core.transactions)."""

from flask import Response
from sqlalchemy import inspect, select

from app.core.extensions import db
from app.core.transactions import call_after_commit, finish_request_transaction
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
