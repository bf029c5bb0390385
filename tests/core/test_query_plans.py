"""Every PostgreSQL connection of the app role plans each statement for its own values
(app/core/database.py): a generic plan cached by a prepared statement served a tag on no
company with the plan of a tag on 15,000 contacts."""

import pytest
from sqlalchemy import text

from app.core.database import allow_generic_plans
from app.core.extensions import db
from tests.conftest import USE_POSTGRES, in_tenant

pytestmark = pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL only")


def test_tenant_requests_plan_for_the_values_they_are_given(app, tenant_a):
    with in_tenant(app, tenant_a.id):
        with db.engine.connect() as connection:
            assert connection.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
            connection.rollback()
            # Set for the connection, not for one transaction.
            assert connection.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        # The platform role's searches keep PostgreSQL's choice: their generic plans held and
        # planning them each time cost more than it saved.
        with db.engines["platform"].connect() as connection:
            assert connection.execute(text("SHOW plan_cache_mode")).scalar() == "auto"


def test_a_bulk_writer_may_reuse_generic_plans_until_its_transaction_ends(app, tenant_a):
    """Jobs that insert thousands of rows (an import's batch) let PostgreSQL keep generic plans,
    whose foreign-key checks are planned once instead of once per row; only for that
    transaction."""
    with in_tenant(app, tenant_a.id):
        allow_generic_plans()
        assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
        db.session.commit()
        assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
