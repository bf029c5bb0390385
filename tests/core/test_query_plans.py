"""Every PostgreSQL connection the app opens plans each statement for its own values
(app/core/database.py): a generic plan cached by a prepared statement served a tag on no
company with the plan of a tag on 15,000 contacts."""

import pytest
from sqlalchemy import text

from app.core.extensions import db
from tests.conftest import USE_POSTGRES, in_tenant

pytestmark = pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL only")


def test_every_engine_plans_for_the_values_it_is_given(app, tenant_a):
    with in_tenant(app, tenant_a.id):
        engines = {db.engine, *db.engines.values()}
        for engine in engines:
            with engine.connect() as connection:
                assert connection.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
                connection.rollback()
                # Set for the connection, not for one transaction.
                assert connection.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
