"""Companies: create, update, delete, list, the hierarchy (cycles refused) and primary contact."""

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from app.core.audit import record_audit
from app.core.context import require_tenant_id
from app.core.errors import ValidationFailed
from app.core.lookups import get_or_404
from app.core.pagination import Page
from app.crm.activities.models import Activity
from app.crm.activities.services import record_event
from app.crm.changes import diff, snapshot
from app.crm.companies.models import COMPANY_SIZES, Company
from app.crm.contacts.models import Contact
from app.crm.fields.services import list_field_definitions, validate_custom_values
from app.crm.leads.models import Lead
from app.crm.listing import (
    Sort,
    check_filter_keys,
    created_range_conditions,
    custom_field_conditions,
    resolve_sort,
    run_page,
    uuid_filter,
)
from app.crm.search import build_search_text, search_condition
from app.crm.tags.models import company_tags
from app.crm.validation import (
    Errors,
    apply_address,
    check_known_keys,
    clean_address,
    clean_text,
    normalize_domain,
    normalize_phone,
    resolve_record,
    resolve_tags,
    resolve_user,
)
from app.extensions import db

FIELDS = (
    "name",
    "domain",
    "industry",
    "size",
    "phone",
    "description",
    "address",
    "owner_id",
    "parent_id",
    "tag_ids",
    "custom_fields",
)
SORTS = {
    "name": Sort(Company.name, False, "Name A–Z"),
    "-name": Sort(Company.name, True, "Name Z–A"),
    "-created_at": Sort(Company.created_at, True, "Newest first"),
    "created_at": Sort(Company.created_at, False, "Oldest first"),
    "-updated_at": Sort(Company.updated_at, True, "Recently updated"),
    "updated_at": Sort(Company.updated_at, False, "Least recently updated"),
}
DEFAULT_SORT = "name"
FILTERS = {
    "owner_id": "user id, or 'none' for unassigned",
    "tag_id": "tag id",
    "industry": "exact industry",
    "size": "one of " + ", ".join(COMPANY_SIZES),
    "parent_id": "parent company id",
    "created_after": "YYYY-MM-DD, inclusive",
    "created_before": "YYYY-MM-DD, inclusive",
}
MAX_DEPTH = 20
MAX_TREE_NODES = 500
SEARCH_BATCH = 500


def get_company(company_id) -> Company:
    return get_or_404(Company, company_id)


def _ancestor_chain(company: Company) -> dict:
    """{id: parent_id} from `company` up to its root, in one recursive query.

    The CTE names tenant_id itself rather than trusting the ORM's scoping to reach inside it.
    """
    tenant_id = require_tenant_id()
    chain = (
        select(Company.id, Company.parent_id)
        .where(Company.tenant_id == tenant_id, Company.id == company.id)
        .cte("ancestors", recursive=True)
    )
    chain = chain.union(
        select(Company.id, Company.parent_id)
        .join(chain, Company.id == chain.c.parent_id)
        .where(Company.tenant_id == tenant_id)
    )
    return dict(db.session.execute(select(chain.c.id, chain.c.parent_id)).all())


def _clean(data: dict, errors: Errors, company: Company | None) -> dict:
    cleaned: dict = {}
    name = clean_text(data, "name", errors, max_length=200, required=company is None or "name" in data, label="Name")
    if name is not None:
        cleaned["name"] = name
    for key, limit in (("industry", 80), ("description", 5000)):
        value = clean_text(data, key, errors, max_length=limit)
        if value is not None:
            cleaned[key] = value
    if "size" in data:
        size = data["size"] or ""
        if size and size not in COMPANY_SIZES:
            errors.add("size", "Choose a size from the list.")
        cleaned["size"] = size
    if "domain" in data:
        domain = normalize_domain(data["domain"], "domain", errors)
        if domain:
            clash = db.session.scalar(select(Company).where(Company.domain == domain))
            if clash is not None and clash is not company:
                errors.add("domain", f"{clash.name} already has this domain.")
        cleaned["domain"] = domain
    if "phone" in data:
        cleaned["phone"] = normalize_phone(data["phone"], "phone", errors) if data["phone"] else ""
    if "owner_id" in data:
        cleaned["owner"] = resolve_user(data["owner_id"], "owner_id", errors)
    if "parent_id" in data:
        parent = resolve_record(Company, data["parent_id"], "parent_id", errors, label="company")
        if parent is not None and company is not None and (parent is company or company.id in _ancestor_chain(parent)):
            errors.add("parent_id", "A company cannot be its own parent, directly or through others.")
        cleaned["parent"] = parent
    address = clean_address(data, errors)
    if address is not None:
        cleaned["address"] = address
    if "tag_ids" in data:
        cleaned["tags"] = resolve_tags(data["tag_ids"], errors)
    if "custom_fields" in data:
        current = company.custom_fields if company is not None else None
        cleaned["custom_fields"] = validate_custom_values(
            "company", data["custom_fields"], current=current, errors=errors
        )
    elif company is None:
        cleaned["custom_fields"] = validate_custom_values("company", {}, errors=errors)
    return cleaned


def _apply(company: Company, cleaned: dict) -> None:
    for key in ("name", "industry", "size", "description", "domain", "phone"):
        if key in cleaned:
            setattr(company, key, cleaned[key])
    if "owner" in cleaned:
        company.owner = cleaned["owner"]
    if "parent" in cleaned:
        company.parent = cleaned["parent"]
    if "tags" in cleaned:
        company.tags = list(cleaned["tags"])
    if "custom_fields" in cleaned:
        company.custom_fields = dict(cleaned["custom_fields"])
    apply_address(company, cleaned.get("address"))
    company.search_text = build_search_text(company.name, company.domain)


CHANGE_READERS = {
    "name": lambda c: c.name,
    "domain": lambda c: c.domain,
    "industry": lambda c: c.industry,
    "size": lambda c: c.size,
    "phone": lambda c: c.phone,
    "description": lambda c: c.description,
    "address": lambda c: ", ".join(c.address_lines),
    "owner": lambda c: c.owner.display_name if c.owner is not None else None,
    "parent": lambda c: c.parent.name if c.parent is not None else None,
    "tags": lambda c: [t.name for t in c.tags],
}


def create_company(data: dict, *, actor) -> Company:
    check_known_keys(data, FIELDS)
    errors = Errors()
    cleaned = _clean(data, errors, None)
    errors.raise_if_any()
    company = Company(created_by_id=actor.id, owner_id=None if "owner" in cleaned else actor.id)
    db.session.add(company)
    _apply(company, cleaned)
    db.session.flush()
    record_event("company.created", actor=actor, summary="Company created", company=company)
    record_audit("company.created", actor=actor, target=company, target_label=company.name)
    return company


def update_company(company: Company, data: dict, *, actor) -> Company:
    check_known_keys(data, FIELDS)
    errors = Errors()
    cleaned = _clean(data, errors, company)
    errors.raise_if_any()
    before = snapshot(company, CHANGE_READERS)
    _apply(company, cleaned)
    db.session.flush()
    changes = diff(before, snapshot(company, CHANGE_READERS))
    if "name" in changes:
        _refresh_contact_search_text(company)
    if changes:
        summary = "Updated " + ", ".join(field.removeprefix("custom_fields.").replace("_", " ") for field in changes)
        record_event("company.updated", actor=actor, summary=summary, company=company, changes=changes)
        record_audit("company.updated", actor=actor, target=company, target_label=company.name)
    return company


def _refresh_contact_search_text(company: Company) -> None:
    """Contacts are found by their company's name: re-index them after a rename, in batches."""
    from app.crm.contacts.services import refresh_search_text

    last_id = None
    while True:
        stmt = (
            select(Contact)
            .where(Contact.company_id == company.id)
            .options(selectinload(Contact.emails), selectinload(Contact.phones))
            .order_by(Contact.id)
            .limit(SEARCH_BATCH)
        )
        if last_id is not None:
            stmt = stmt.where(Contact.id > last_id)
        batch = list(db.session.scalars(stmt))
        if not batch:
            return
        for contact in batch:
            refresh_search_text(contact)
        db.session.flush()
        last_id = batch[-1].id


def delete_company(company: Company, *, actor) -> None:
    """Contacts, child companies, activities and leads stay; they just stop pointing here."""
    company_id = company.id
    unlink = {"synchronize_session": False}
    db.session.execute(
        delete(Activity)
        .where(Activity.company_id == company_id, Activity.contact_id.is_(None), Activity.lead_id.is_(None))
        .execution_options(**unlink)
    )
    db.session.execute(
        update(Activity).where(Activity.company_id == company_id).values(company_id=None).execution_options(**unlink)
    )
    db.session.execute(
        update(Contact)
        .where(Contact.company_id == company_id)
        .values(company_id=None, is_primary_contact=False)
        .execution_options(**unlink)
    )
    db.session.execute(
        update(Company).where(Company.parent_id == company_id).values(parent_id=None).execution_options(**unlink)
    )
    db.session.execute(
        update(Lead)
        .where(Lead.converted_company_id == company_id)
        .values(converted_company_id=None)
        .execution_options(**unlink)
    )
    record_event("company.deleted", actor=actor, summary=f"Company {company.name} deleted", label=company.name)
    record_audit("company.deleted", actor=actor, target=company, target_label=company.name)
    db.session.delete(company)
    db.session.flush()
    db.session.expire_all()


def set_primary_contact(company: Company, contact: Contact, *, actor) -> None:
    if contact.company_id != company.id:
        raise ValidationFailed("This person is not a contact of this company.", details={"contact_id": ["Not here."]})
    from app.crm.contacts.services import update_contact

    update_contact(contact, {"is_primary_contact": True}, actor=actor)


def list_companies(
    *, search: str | None = None, filters: dict | None = None, sort: str | None = None, cursor=None, limit=25
) -> Page:
    """A keyset page of companies; `page.extra["contact_counts"]` maps id -> contacts."""
    filters = dict(filters or {})
    check_filter_keys(filters, FILTERS)
    stmt = select(Company).options(
        selectinload(Company.tags), selectinload(Company.owner), selectinload(Company.parent)
    )
    errors = Errors()
    stmt = stmt.where(*_filter_conditions(filters, errors))
    errors.raise_if_any("Check the filters.")
    condition = search_condition(Company.search_text, search)
    if condition is not None:
        stmt = stmt.where(condition)
    page = run_page(stmt, Company, resolve_sort(SORTS, sort, DEFAULT_SORT), cursor, limit)
    page.extra["contact_counts"] = contact_counts([company.id for company in page.items])
    return page


def contact_counts(company_ids: list) -> dict:
    if not company_ids:
        return {}
    rows = db.session.execute(
        select(Contact.company_id, func.count()).where(Contact.company_id.in_(company_ids)).group_by(Contact.company_id)
    )
    return dict(rows.all())


def _filter_conditions(filters: dict, errors: Errors) -> list:
    conditions = []
    owner = filters.get("owner_id")
    if owner == "none":
        conditions.append(Company.owner_id.is_(None))
    elif owner:
        conditions.append(Company.owner_id == uuid_filter(owner, "owner_id", errors))
    if filters.get("parent_id"):
        conditions.append(Company.parent_id == uuid_filter(filters["parent_id"], "parent_id", errors))
    if filters.get("tag_id"):
        tag_id = uuid_filter(filters["tag_id"], "tag_id", errors)
        tagged = select(company_tags.c.company_id).where(
            company_tags.c.tenant_id == Company.tenant_id, company_tags.c.tag_id == tag_id
        )
        conditions.append(Company.id.in_(tagged))
    if filters.get("industry"):
        conditions.append(Company.industry == filters["industry"])
    if filters.get("size"):
        conditions.append(Company.size == filters["size"])
    conditions.extend(created_range_conditions(Company, filters, errors))
    if any(key.startswith("cf.") for key in filters):
        definitions = {item.key: item for item in list_field_definitions("company")}
        conditions.extend(custom_field_conditions(Company, filters, definitions, errors))
    return conditions


def company_tree(company: Company) -> dict:
    """The whole hierarchy `company` belongs to, from its root: {"company", "children": [...]}.

    Two recursive queries (up to the root, then down from it) whatever the tree's size.
    """
    tenant_id = require_tenant_id()
    chain = _ancestor_chain(company)
    root_id = next((item for item, parent in chain.items() if parent is None or parent not in chain), company.id)
    down = (
        select(Company.id)
        .where(Company.tenant_id == tenant_id, Company.id == root_id)
        .cte("descendants", recursive=True)
    )
    down = down.union(
        select(Company.id).join(down, Company.parent_id == down.c.id).where(Company.tenant_id == tenant_id)
    )
    members = list(
        db.session.scalars(
            select(Company).where(Company.id.in_(select(down.c.id))).order_by(Company.name).limit(MAX_TREE_NODES)
        )
    )
    by_parent: dict = {}
    for member in members:
        by_parent.setdefault(member.parent_id, []).append(member)
    root = next((member for member in members if member.id == root_id), company)

    def node(item, depth=0):
        children = by_parent.get(item.id, []) if depth < MAX_DEPTH else []
        return {"company": item, "children": [node(child, depth + 1) for child in children]}

    return node(root)


def remove_contact_from_company(company: Company, contact: Contact, *, actor) -> None:
    if contact.company_id != company.id:
        raise ValidationFailed("This person is not a contact of this company.", details={"contact_id": ["Not here."]})
    from app.crm.contacts.services import update_contact

    update_contact(contact, {"company_id": None, "company_role": "", "is_primary_contact": False}, actor=actor)


def company_options(*, selected: Company | None = None, preset_id=None, exclude: Company | None = None, limit=200):
    """Choices for a company <select>: the current one, then the first `limit` by name.

    Larger books of companies narrow the list with the search box (see `search_companies`).
    """
    from app.core.ids import parse_uuid

    choices = [("", "No company")]
    seen = set()
    preset = db.session.scalar(select(Company).where(Company.id == parse_uuid(preset_id))) if preset_id else None
    for company in (selected, preset):
        if company is not None and company.id not in seen:
            choices.append((str(company.id), company.name))
            seen.add(company.id)
    for company in db.session.scalars(select(Company).order_by(Company.name, Company.id).limit(limit)):
        if company.id not in seen and (exclude is None or company.id != exclude.id):
            choices.append((str(company.id), company.name))
            seen.add(company.id)
    return choices


def search_companies(query: str, limit: int = 20) -> list[Company]:
    stmt = select(Company).order_by(Company.name, Company.id).limit(limit)
    condition = search_condition(Company.search_text, query)
    if condition is not None:
        stmt = stmt.where(condition)
    return list(db.session.scalars(stmt))


def load_company_for_page(company_id) -> Company:
    return get_or_404(
        Company,
        company_id,
        options=[selectinload(Company.tags), selectinload(Company.owner), selectinload(Company.parent)],
    )


def company_contacts(company: Company, limit: int = 50) -> list[Contact]:
    """The company's contacts for its page: primary first, then by name (emails eager-loaded)."""
    return list(
        db.session.scalars(
            select(Contact)
            .where(Contact.company_id == company.id)
            .options(selectinload(Contact.emails))
            .order_by(Contact.is_primary_contact.desc(), Contact.full_name, Contact.id)
            .limit(limit)
        )
    )
