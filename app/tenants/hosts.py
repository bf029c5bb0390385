"""Which tenant a request is for: its host name through the `domains` table (subdomains, and
verified custom domains), never through routing. An unknown host is a 404."""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from flask import abort, current_app, g, request
from sqlalchemy import bindparam, select

from app.core.context import reset_tenant, set_platform_for_request, set_tenant_for_request
from app.core.extensions import db
from app.core.hosts import (
    ADMIN,
    ANY,
    APEX,
    HOST_INDEPENDENT_ENDPOINTS,
    RESERVED_SLUGS,
    TENANT,
    check_endpoint_host,
    classify_host,
)
from app.tenants.models import Domain, DomainKind, Tenant


def resolve_request_host() -> None:
    """before_request: find the host's kind and tenant; unknown hosts are a 404."""
    kind, key = classify_host(request.host, current_app.config["BASE_DOMAIN"])
    g.host_kind = kind
    g.tenant = None
    if kind == ADMIN:
        # The console is the one place that works across tenants: platform scope throughout,
        # so even its session's user loader runs on the platform role.
        g._platform_tokens = set_platform_for_request()
    if kind == APEX and request.endpoint in current_app.extensions.get("atrium_platform_endpoints", ()):
        g._platform_tokens = set_platform_for_request()
    if kind in (APEX, ADMIN):
        check_endpoint_host(kind)
        return
    tenant_id = None
    if kind == TENANT and key not in RESERVED_SLUGS:
        if _tenant_of_known_subdomain(key):
            check_endpoint_host(TENANT)
            return
        tenant_id = db.session.scalar(
            select(Domain.tenant_id).where(Domain.kind == DomainKind.SUBDOMAIN, Domain.host == key)
        )
    elif kind == "custom":
        tenant_id = db.session.scalar(
            select(Domain.tenant_id).where(
                Domain.kind == DomainKind.CUSTOM, Domain.host == key, Domain.verified_at.is_not(None)
            )
        )
    if tenant_id is None:
        if request.endpoint in HOST_INDEPENDENT_ENDPOINTS:
            g.host_kind = ANY
            return
        abort(404)
    g.host_kind = TENANT
    g._tenant_token = set_tenant_for_request(tenant_id)
    # Read only once the tenant is current: the app role sees no other tenant's row.
    g.tenant = _read_tenant(tenant_id)
    if g.tenant is None:
        abort(404)
    if kind == TENANT:
        _known_subdomains[key] = tenant_id
    check_endpoint_host(TENANT)


# Subdomain -> tenant id, learnt from the `domains` table: every request to a workspace
# needed that lookup before it could read its tenant row. A tenant's subdomain is its slug,
# which is unique and never changes, so a hit is checked against the slug of the row it
# loads: a tenant that is gone or a subdomain that now names another tenant falls back to
# the table. Bounded, since any host can be asked for.
_known_subdomains: dict[str, object] = {}
KNOWN_SUBDOMAINS_MAX = 10_000


def _tenant_of_known_subdomain(subdomain: str) -> bool:
    """Set up the request for a subdomain seen before; False when it must be looked up."""
    tenant_id = _known_subdomains.get(subdomain)
    if tenant_id is None:
        if len(_known_subdomains) >= KNOWN_SUBDOMAINS_MAX:
            _known_subdomains.clear()
        return False
    g.host_kind = TENANT
    g._tenant_token = set_tenant_for_request(tenant_id)
    tenant = _read_tenant(tenant_id)
    if tenant is None or tenant.slug != subdomain:
        _known_subdomains.pop(subdomain, None)
        reset_tenant(g.pop("_tenant_token"))
        return False
    g.tenant = tenant
    return True


@dataclass(frozen=True, eq=False)
class Companion:
    """A row of the request's own (the signed-in user, the presented API key) read in the
    statement that reads the tenant's row: outer-joined on `on`, with the eager options its
    `options()` gives. A function, called when the statement is first built: an option made at
    import time (`joinedload(ApiKey.created_by)`) configures every mapper then, before the
    models it relates to may be imported.

    `on` names its values as bound parameters and `values(tenant_id)` gives this request's
    (None: the request has no such row), so the statement is built once per set of companions
    and every request only binds its values: building it anew cost each request more Python
    than the statement's own execution."""

    name: str
    entity: object
    on: object
    values: Callable[[object], dict | None]
    options: Callable[[], tuple] = field(default=tuple)


# Companions, registered by the packages that own them (auth, the API), so the tenant's
# package knows none of them.
_companions: list[Companion] = []


def register_companion(companion: Companion) -> None:
    if companion not in _companions:
        _companions.append(companion)


def _read_tenant(tenant_id) -> Tenant | None:
    """The tenant's row, with its request's companions in the same statement: a signed-in page
    or an API call starts with one read, not one for the tenant and one for who is asking."""
    params = {"companion_tenant_id": tenant_id}
    present = []
    for companion in _companions:
        values = companion.values(tenant_id)
        if values is not None:
            present.append(companion)
            params.update(values)
    if not present:
        return db.session.get(Tenant, tenant_id)
    row = db.session.execute(_tenant_with(tuple(present)), params).unique().first()
    if row is None:
        return None
    g.tenant_companions = {companion.name: found for companion, found in zip(present, row[1:], strict=True)}
    return row[0]


@cache
def _tenant_with(companions: tuple[Companion, ...]):
    """The tenant's row and these companions, every value a bound parameter (the tenant's
    is `companion_tenant_id`). Tenant scoping still applies: the session adds the current
    tenant's criteria to every execution (app.core.session)."""
    stmt = select(Tenant, *(companion.entity for companion in companions))
    stmt = stmt.where(Tenant.id == bindparam("companion_tenant_id"))
    for companion in companions:
        stmt = stmt.outerjoin(companion.entity, companion.on).options(*companion.options())
    return stmt


NOT_READ = object()


def tenant_companion(name: str):
    """What `_read_tenant` found for the companion `name` (None: no such row), or NOT_READ
    when this request did not read it with its tenant."""
    return g.get("tenant_companions", {}).get(name, NOT_READ)
