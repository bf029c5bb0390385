"""Contact pages: the list (search, filters, bulk actions), the form, and the customer 360."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from app.auth.permissions import can, requires_permission
from app.core.errors import ValidationFailed
from app.core.hosts import TenantBlueprint
from app.core.navigation import NavItem, register_nav_item
from app.crm.activities.views import log_form_context
from app.crm.companies.services import company_options
from app.crm.contacts import services
from app.crm.contacts.forms import BulkForm, ContactForm
from app.crm.contacts.models import Consent, LifecycleStage
from app.crm.contacts.tabs import contact_tabs, get_tab
from app.crm.demo import seed_crm_demo
from app.crm.forms import (
    ConfirmForm,
    build_record_form,
    owner_choices,
    save_record_form,
    tag_choices,
    visible_field_definitions,
)
from app.crm.listing import filters_from_args
from app.crm.tags.services import list_tags
from app.dashboard.views import register_checklist_step
from app.tenants.cli import DEMO_SEEDERS

bp = TenantBlueprint("contacts", __name__)
register_nav_item(NavItem("Contacts", "contacts.index", "person-lines-fill", "records.view"), before="companies.index")


def _definitions():
    return visible_field_definitions("contact")


def _form(definitions, contact=None):
    form = build_record_form(ContactForm, definitions, contact)
    selected = contact.company if contact is not None else None
    preset = request.args.get("company_id") if contact is None else None
    form.company_id.choices = company_options(selected=selected, preset_id=preset)
    if request.method == "GET" and contact is None:
        form.company_id.data = preset or ""
    return form


@bp.route("/contacts")
@requires_permission("records.view")
def index():
    filters = filters_from_args(request.args, services.FILTERS)
    search = request.args.get("q", "").strip()
    sort = request.args.get("sort") or services.DEFAULT_SORT
    try:
        page = services.list_contacts(
            search=search, filters=filters, sort=sort, cursor=request.args.get("cursor"), limit=25
        )
        errors = {}
    except ValidationFailed as exc:
        page, errors = None, exc.details
    definitions = _definitions()
    bulk = BulkForm()
    bulk.owner_id.choices = owner_choices()
    bulk.tag_id.choices = [("", "Choose a tag"), *tag_choices()]
    return render_template(
        "crm/contacts/index.html",
        page=page,
        errors=errors,
        search=search,
        filters=filters,
        sort=sort,
        sorts=services.SORTS,
        stages=LifecycleStage.LABELS,
        owners=owner_choices(),
        tags=list_tags(),
        definitions=definitions,
        columns=definitions[:3],
        bulk=bulk,
    ), (422 if errors else 200)


@bp.route("/contacts/new", methods=["GET", "POST"])
@requires_permission("records.create")
def new():
    definitions = _definitions()
    form = _form(definitions)
    return save_record_form(
        form,
        lambda: services.create_contact(form.to_data(definitions), actor=current_user),
        success=lambda contact: (f"{contact.display_name} added.", url_for("contacts.show", contact_id=contact.id)),
        template="crm/contacts/form.html",
        contact=None,
        definitions=definitions,
    )


@bp.route("/contacts/<uuid:contact_id>")
@requires_permission("records.view")
def show(contact_id):
    contact = services.load_contact_for_page(contact_id)
    tabs = contact_tabs()
    active = get_tab(request.args.get("tab") or tabs[0].key)
    if active is None:
        abort(404)
    return render_template(
        "crm/contacts/show.html",
        contact=contact,
        leads=services.source_leads(contact),
        definitions=_definitions(),
        tabs=tabs,
        active=active,
        tab_html=_render_tab(active, contact),
        log=log_form_context(contact, "contact"),
        consent=Consent,
        stages=LifecycleStage.LABELS,
        confirm_form=ConfirmForm(),
    )


def _render_tab(tab, contact) -> Markup:
    html = render_template(tab.template, contact=contact, **tab.loader(contact))
    return Markup(html)  # noqa: S704 - output of an autoescaped template


@bp.route("/contacts/<uuid:contact_id>/tabs/<key>")
@requires_permission("records.view")
def tab(contact_id, key):
    contact = services.get_contact(contact_id)
    active = get_tab(key)
    if active is None:
        abort(404)
    if request.headers.get("HX-Request") != "true":
        return redirect(url_for("contacts.show", contact_id=contact.id, tab=key))
    return render_template(active.template, contact=contact, **active.loader(contact))


@bp.route("/contacts/<uuid:contact_id>/edit", methods=["GET", "POST"])
@requires_permission("records.edit")
def edit(contact_id):
    contact = services.load_contact_for_page(contact_id)
    definitions = _definitions()
    form = _form(definitions, contact)
    return save_record_form(
        form,
        lambda: services.update_contact(contact, form.to_data(definitions), actor=current_user),
        success=lambda saved: ("Contact saved.", url_for("contacts.show", contact_id=contact.id)),
        template="crm/contacts/form.html",
        contact=contact,
        definitions=definitions,
    )


@bp.route("/contacts/<uuid:contact_id>/delete", methods=["POST"])
@requires_permission("records.delete")
def delete(contact_id):
    contact = services.get_contact(contact_id)
    name = contact.display_name
    services.delete_contact(contact, actor=current_user)
    flash(f"{name} deleted.", "success")
    return redirect(url_for("contacts.index"))


BULK_ACTIONS = {
    "assign_owner": lambda ids, form: services.bulk_assign_owner(ids, form.owner_id.data or None, actor=current_user),
    "add_tag": lambda ids, form: services.bulk_add_tag(ids, form.tag_id.data, actor=current_user),
    "remove_tag": lambda ids, form: services.bulk_remove_tag(ids, form.tag_id.data, actor=current_user),
    "delete": lambda ids, form: services.bulk_delete(ids, actor=current_user),
}
BULK_DONE = {
    "assign_owner": "{n} contact(s) reassigned.",
    "add_tag": "Tag added to {n} contact(s).",
    "remove_tag": "Tag removed from {n} contact(s).",
    "delete": "{n} contact(s) deleted.",
}


@bp.route("/contacts/bulk", methods=["POST"])
@requires_permission("records.bulk")
def bulk():
    form = BulkForm()
    form.owner_id.choices = owner_choices()
    form.tag_id.choices = tag_choices()
    back = request.form.get("next") or url_for("contacts.index")
    if not form.validate_on_submit() or form.action.data not in BULK_ACTIONS:
        flash("Choose an action.", "danger")
        return redirect(_safe(back))
    if form.action.data == "delete" and not can(current_user, "records.delete"):
        abort(403)
    try:
        count = BULK_ACTIONS[form.action.data](request.form.getlist("ids"), form)
    except ValidationFailed as exc:
        flash(" ".join(message for messages in exc.details.values() for message in messages) or exc.message, "danger")
        return redirect(_safe(back))
    flash(BULK_DONE[form.action.data].format(n=count), "success")
    return redirect(_safe(back))


def _safe(target: str) -> str:
    from app.core.security import safe_next_url

    return safe_next_url(target, url_for("contacts.index"))


def _has_contact(tenant) -> bool:
    from sqlalchemy import select

    from app.crm.contacts.models import Contact
    from app.extensions import db

    return db.session.scalar(select(Contact.id).limit(1)) is not None


def _has_lead(tenant) -> bool:
    from sqlalchemy import select

    from app.crm.leads.models import Lead
    from app.extensions import db

    return db.session.scalar(select(Lead.id).limit(1)) is not None


register_checklist_step("first_contact", "Add your first contact", "contacts.new", _has_contact)
register_checklist_step("first_lead", "Capture your first lead", "leads.new", _has_lead)
if seed_crm_demo not in DEMO_SEEDERS:
    DEMO_SEEDERS.append(seed_crm_demo)
