"""Companies, declared once: organisations, their hierarchy and their people."""

from sqlalchemy import func, select

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.crm.activities.capability import NOTES, TIMELINE
from app.crm.attachments.capability import ATTACHMENTS
from app.crm.companies.models import SIZE_LABELS, Company
from app.crm.contacts.models import Contact
from app.crm.fields.capability import CUSTOM_FIELDS
from app.crm.tags.capability import TAGS
from app.records import fields as f
from app.records.capabilities import Column, Panel
from app.records.owner import OWNER
from app.records.record_type import RecordType

MAX_DEPTH = 20
MAX_TREE_NODES = 500


def ancestor_chain(company_id) -> dict:
    """{id: parent_id} from the company up to its root, in one recursive query.

    The CTE names tenant_id itself rather than trusting the ORM's scoping to reach inside it.
    """
    tenant_id = require_tenant_id()
    chain = (
        select(Company.id, Company.parent_id)
        .where(Company.tenant_id == tenant_id, Company.id == company_id)
        .cte("ancestors", recursive=True)
    )
    chain = chain.union(
        select(Company.id, Company.parent_id)
        .join(chain, Company.id == chain.c.parent_id)
        .where(Company.tenant_id == tenant_id)
    )
    return dict(db.session.execute(select(chain.c.id, chain.c.parent_id)).all())


def company_tree(company: Company) -> dict:
    """The whole hierarchy `company` belongs to, from its root: {"company", "children": [...]}.

    Two recursive queries (up to the root, then down from it) whatever the tree's size.
    """
    tenant_id = require_tenant_id()
    chain = ancestor_chain(company.id)
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


def contact_count(model):
    """A company's number of contacts, as SQL read with its row (an index-only count on
    `(tenant_id, company_id)`)."""
    return (
        select(func.count())
        .where(Contact.tenant_id == model.tenant_id, Contact.company_id == model.id)
        .correlate(model)
        .scalar_subquery()
    )


class CompanyType(RecordType):
    def check(self, cleaned, context):
        company = context.record
        domain = cleaned.get("domain")
        if domain:
            clash = db.session.scalar(select(Company).where(Company.domain == domain))
            if clash is not None and clash is not company:
                context.errors.add("domain", f"{clash.name} already has this domain.")
        parent = cleaned.get("parent_id")
        if (
            parent is not None
            and company is not None
            and (parent is company or company.id in ancestor_chain(parent.id))
        ):
            context.errors.add("parent_id", "A company cannot be its own parent, directly or through others.")


def _hierarchy(record_type, company) -> dict:
    return {"tree": company_tree(company), "current": company}


COMPANIES = CompanyType(
    name="company",
    plural="companies",
    model=Company,
    icon="buildings",
    title="name",
    subtitle=lambda company: company.domain or company.industry,
    default_sort="name",
    nav_order=20,
    description="Organisations: domain, industry, size, hierarchy, owner, tags and custom fields.",
    example={"name": "Northwind Traders", "domain": "northwind.example"},
    fields=[
        f.Text("name", "Name", max_length=200, required=True, search=True, sort=True, detail=False),
        f.Domain("domain", "Website domain", search=True, help="example.com — used to match leads and contacts"),
        f.Text("industry", "Industry", max_length=80, filter=True, list=True),
        f.Choice("size", "Size", choices=SIZE_LABELS, blank=True, filter=True),
        f.Phone("phone", "Phone"),
        f.LongText("description", "Description", max_length=5000, hide_empty=True),
        f.Reference("parent_id", "Parent company", to="company", relation="parent", filter=True),
        f.Address(),
    ],
    capabilities=[OWNER, TAGS, CUSTOM_FIELDS, TIMELINE, NOTES, ATTACHMENTS],
    columns=[
        Column("contacts", "Contacts", "crm/companies/_count_cell.html", priority=2, expression=contact_count),
    ],
    panels=[Panel("hierarchy", "crm/companies/_hierarchy.html", _hierarchy, order=60)],
)
