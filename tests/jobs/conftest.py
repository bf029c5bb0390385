"""Fixtures shared with the plan tests."""

from tests.plans.conftest import set_tenant  # noqa: F401
