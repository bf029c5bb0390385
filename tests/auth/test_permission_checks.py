"""`check_permission_if_acting`: checked when someone acts, let through when no one does."""

from types import SimpleNamespace

import pytest

from app.auth.models import Role
from app.auth.permissions import check_permission_if_acting
from app.core.errors import PermissionDenied


def signed_in(role):
    return SimpleNamespace(is_authenticated=True, role=role)


def test_no_actor_is_let_through():
    check_permission_if_acting(None, "settings.manage")


def test_an_actor_whose_role_grants_it_passes():
    check_permission_if_acting(signed_in(Role.OWNER), "settings.manage")


def test_an_actor_whose_role_does_not_grant_it_is_refused():
    with pytest.raises(PermissionDenied):
        check_permission_if_acting(signed_in(Role.SALES), "settings.manage")


def test_an_api_key_is_held_to_its_scopes():
    key = SimpleNamespace(is_authenticated=True, role=Role.OWNER, permits=lambda permission: False)
    with pytest.raises(PermissionDenied):
        check_permission_if_acting(key, "settings.manage")
