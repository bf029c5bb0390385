"""Which tenant a request is for: its host name through the `domains` table (subdomains, and
verified custom domains), never through routing. An unknown host is a 404."""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import abort, current_app, g, request
from sqlalchemy import select

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


@dataclass(frozen=True)
class Companion:
    """A row of the request's own (the signed-in user, the presented API key) read in the
    statement that reads the tenant's row: outer-joined on `on`, with its eager `options`."""

    name: str
    entity: object
    on: object
    options: tuple = field(default=())


# Providers of companions, registered by the packages that own them (auth, the API), so the
# tenant's package knows none of them. A provider returns None when its request has no such row.
_companion_providers: list[Callable[[object], Companion | None]] = []


def register_companion(provider: Callable[[object], Companion | None]) -> None:
    if provider not in _companion_providers:
        _companion_providers.append(provider)


def _read_tenant(tenant_id) -> Tenant | None:
    """The tenant's row, with its request's companions in the same statement: a signed-in page
    or an API call starts with one read, not one for the tenant and one for who is asking."""
    companions = [companion for companion in (provide(tenant_id) for provide in _companion_providers) if companion]
    if not companions:
        return db.session.get(Tenant, tenant_id)
    stmt = select(Tenant, *(companion.entity for companion in companions)).where(Tenant.id == tenant_id)
    for companion in companions:
        stmt = stmt.outerjoin(companion.entity, companion.on).options(*companion.options)
    row = db.session.execute(stmt).unique().first()
    if row is None:
        return None
    g.tenant_companions = {companion.name: found for companion, found in zip(companions, row[1:], strict=True)}
    return row[0]


NOT_READ = object()


def tenant_companion(name: str):
    """What `_read_tenant` found for the companion `name` (None: no such row), or NOT_READ
    when this request did not read it with its tenant."""
    return g.get("tenant_companions", {}).get(name, NOT_READ)
