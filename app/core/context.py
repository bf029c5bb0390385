"""The current tenant lives in a ContextVar, set per request and per job and always reset."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current_tenant_id: ContextVar[uuid.UUID | None] = ContextVar("current_tenant_id", default=None)
_platform_scope: ContextVar[bool] = ContextVar("platform_scope", default=False)


class NoTenantContext(RuntimeError):
    """A tenant-scoped statement ran with no tenant in context and outside platform scope."""


class CrossTenantWrite(RuntimeError):
    """An object of another tenant was about to be written in this tenant's context."""


def get_current_tenant_id() -> uuid.UUID | None:
    return _current_tenant_id.get()


def require_tenant_id() -> uuid.UUID:
    tenant_id = _current_tenant_id.get()
    if tenant_id is None:
        raise NoTenantContext("no tenant in context")
    return tenant_id


def in_platform_scope() -> bool:
    return _platform_scope.get()


def set_tenant_for_request(tenant_id: uuid.UUID | None):
    """Set the tenant for the rest of this request; returns the token to reset it with."""
    token = _current_tenant_id.set(tenant_id)
    _notify_context_change()
    return token


def set_platform_for_request():
    """The admin host works across tenants for the whole request; returns reset tokens."""
    tokens = (_current_tenant_id.set(None), _platform_scope.set(True))
    _notify_context_change()
    return tokens


def reset_platform(tokens) -> None:
    tenant_token, platform_token = tokens
    _platform_scope.reset(platform_token)
    _current_tenant_id.reset(tenant_token)
    _notify_context_change()


def reset_tenant(token) -> None:
    _current_tenant_id.reset(token)
    _notify_context_change()


@contextmanager
def tenant_context(tenant_id: uuid.UUID) -> Iterator[uuid.UUID]:
    """Run the block as `tenant_id`, leaving platform scope if we were in it."""
    if tenant_id is None:
        raise NoTenantContext("tenant_context() needs a tenant id")
    tenant_token = _current_tenant_id.set(uuid.UUID(str(tenant_id)))
    platform_token = _platform_scope.set(False)
    _notify_context_change()
    try:
        yield tenant_id
    finally:
        _notify_leaving()
        _platform_scope.reset(platform_token)
        _current_tenant_id.reset(tenant_token)
        _notify_context_change()


@contextmanager
def platform_scope() -> Iterator[None]:
    """Run the block across tenants. Only platform code (console, scheduler, CLI) enters it."""
    tenant_token = _current_tenant_id.set(None)
    platform_token = _platform_scope.set(True)
    _notify_context_change()
    try:
        yield
    finally:
        _notify_leaving()
        _platform_scope.reset(platform_token)
        _current_tenant_id.reset(tenant_token)
        _notify_context_change()


_listeners: list = []
_leaving_listeners: list = []


def on_leaving_context(callback) -> None:
    """Register a callback run just before a tenant or platform scope ends (flush its writes)."""
    _leaving_listeners.append(callback)


def _notify_leaving() -> None:
    for callback in _leaving_listeners:
        callback()


def on_context_change(callback) -> None:
    """Register a callback run whenever the tenant or platform scope changes (RLS sync)."""
    _listeners.append(callback)


def _notify_context_change() -> None:
    for callback in _listeners:
        callback()
