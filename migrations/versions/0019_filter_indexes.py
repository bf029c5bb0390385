"""filter indexes: every list filter of every record type reads an index (tenant_id, column, id)

A list filtered by a column with no index of its own (a company's industry, a lead's source)
walked the sort's index and read each row to test it; and a filter index without `id` made
a filtered count read every matching row of the table to join it with another filter (a tag
and a stage: 125,000 contacts read to count 1,851). With `id` last, a count and a semi-join
meet in the indexes alone. The owner filter's index of every owned type gains `id` too.

Revision ID: 0019_filter_indexes
Revises: 0018_planner_statistics
"""

from alembic import op

revision = "0019_filter_indexes"
down_revision = "0018_planner_statistics"
branch_labels = None
depends_on = None

OWNED = (
    "contacts",
    "companies",
    "deals",
    "leads",
    "tasks",
    "meetings",
    "quotes",
    "orders",
    "invoices",
    "subscriptions",
)
CUSTOMERS = ("quotes", "orders", "invoices", "subscriptions")

# (table, index, column): two-column filter indexes that gain `id`.
WIDENED = [
    *((table, f"ix_{table}_tenant_owner", "owner_id") for table in OWNED),
    *((table, f"ix_{table}_tenant_contact", "contact_id") for table in CUSTOMERS),
    *((table, f"ix_{table}_tenant_company", "company_id") for table in CUSTOMERS),
    ("contacts", "ix_contacts_tenant_company", "company_id"),
    ("contacts", "ix_contacts_tenant_stage", "lifecycle_stage"),
    ("companies", "ix_companies_tenant_parent", "parent_id"),
    ("deals", "ix_deals_tenant_company", "company_id"),
    ("leads", "ix_leads_tenant_status", "status"),
    ("tasks", "ix_tasks_tenant_related", "related_id"),
    ("meetings", "ix_meetings_tenant_related", "related_id"),
    ("products", "ix_products_tenant_active", "active"),
    ("quotes", "ix_quotes_tenant_status", "status"),
    ("quotes", "ix_quotes_tenant_deal", "deal_id"),
    ("quotes", "ix_quotes_tenant_valid_until", "valid_until"),
    ("orders", "ix_orders_tenant_status", "status"),
    ("orders", "ix_orders_tenant_deal", "deal_id"),
    ("invoices", "ix_invoices_tenant_quote", "quote_id"),
    ("invoices", "ix_invoices_tenant_order", "order_id"),
]

# (table, column): filters that had no index leading with their column.
ADDED = [
    ("companies", "industry"),
    ("companies", "size"),
    ("deals", "pipeline_id"),
    ("deals", "expected_close_date"),
    ("deals", "priority"),
    ("deals", "source"),
    ("deals", "status"),
    ("leads", "source"),
    ("tasks", "due_date"),
    ("tasks", "priority"),
    ("meetings", "status"),
    ("meetings", "outcome"),
    ("products", "currency"),
    ("products", "recurring_interval"),
    ("quotes", "sent_at"),
    ("orders", "quote_id"),
    ("invoices", "status"),
    ("invoices", "issue_date"),
    ("invoices", "due_date"),
    ("subscriptions", "status"),
    ("subscriptions", "interval"),
    ("subscriptions", "start_date"),
]


def upgrade():
    for table, name, column in WIDENED:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ["tenant_id", column, "id"])
    for table, column in ADDED:
        op.create_index(f"ix_{table}_tenant_{column}", table, ["tenant_id", column, "id"])


def downgrade():
    for table, column in reversed(ADDED):
        op.drop_index(f"ix_{table}_tenant_{column}", table_name=table)
    for table, name, column in reversed(WIDENED):
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ["tenant_id", column])
