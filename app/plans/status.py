"""Subscription status effects on every tenant request: read-only refuses writes, and sends
a page for adding or changing something back to where it came from, saying why."""

from flask import current_app, flash, g, redirect, request
from werkzeug.exceptions import HTTPException

from app.core.hosts import TENANT
from app.plans.services import check_writable, entitlements, held_by_platform

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Signing in and out, and fixing the billing, must work while read-only.
ALWAYS_ALLOWED_ENDPOINTS = {
    "auth.login",
    "auth.login_second_factor",
    "auth.logout",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.handoff",
    "impersonation.end",
}
ALWAYS_ALLOWED_PREFIXES = ("billing.",)
# The pages that only hold a form to add or change something: `contacts.new`, `deals.edit`,
# `messaging.new_campaign`. A page that shows a row and edits it in place is not one of them.
FORM_PAGE_NAMES = ("new", "edit")
READ_ONLY_FORM_MESSAGE = (
    "This workspace is read-only, so nothing can be added or changed until its subscription is "
    "settled. You can still view and export your data."
)
HELD_FORM_MESSAGE = (
    "This workspace is suspended by Atrium, so nothing can be added or changed until Atrium lifts "
    "the suspension. You can still view and export your data."
)


def allow_when_read_only(endpoint: str) -> None:
    """A POST that must work in a read-only workspace too (asking for an export of it)."""
    ALWAYS_ALLOWED_ENDPOINTS.add(endpoint)


def is_form_page(endpoint: str) -> bool:
    name = endpoint.rpartition(".")[2]
    return name in FORM_PAGE_NAMES or name.startswith("new_")


def page_above(path: str) -> str:
    """The nearest page above a form page that is not one itself: /contacts for /contacts/new,
    the record for /contacts/<id>/edit, /settings/fields for /settings/fields/<id>/edit."""
    adapter = current_app.create_url_adapter(request)
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        above = "/".join(parts) or "/"
        try:
            endpoint, _ = adapter.match(above, method="GET")
        except HTTPException:  # no such page, or not one to GET
            continue
        if not is_form_page(endpoint):
            return above
    return "/"


def refuse_writes_when_read_only():
    """Refuse a read-only workspace's writes (403); send its form pages back to the page above
    them with the reason, rather than let someone fill in a form only to be refused."""
    if g.get("host_kind") != TENANT:
        return None
    endpoint = request.endpoint or ""
    if request.method in SAFE_METHODS:
        if request.method == "GET" and is_form_page(endpoint) and entitlements(g.tenant).read_only:
            flash(HELD_FORM_MESSAGE if held_by_platform(g.tenant) else READ_ONLY_FORM_MESSAGE, "warning")
            return redirect(page_above(request.path))
        return None
    if endpoint in ALWAYS_ALLOWED_ENDPOINTS or endpoint.startswith(ALWAYS_ALLOWED_PREFIXES):
        return None
    check_writable(g.tenant)
    return None
