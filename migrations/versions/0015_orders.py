"""orders: the order an accepted quote makes (its lines copied), and invoices that know their
order and when they were last emailed

Invoice statuses gain "sent" (an issued invoice emailed to the customer); existing rows keep
theirs ("issued" stays valid), so no data changes.

Revision ID: 0015_orders
Revises: 0014_perf
"""

import sqlalchemy as sa
from alembic import op


revision = "0015_orders"
down_revision = "0014_perf"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "orders",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("quote_id", sa.Uuid(), nullable=True),
        sa.Column("deal_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("company_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("subtotal", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("discount_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "company_id"],
            ["companies.tenant_id", "companies.id"],
            name=op.f("fk_orders_tenant_id_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contact_id"],
            ["contacts.tenant_id", "contacts.id"],
            name=op.f("fk_orders_tenant_id_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_orders_tenant_id_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "deal_id"], ["deals.tenant_id", "deals.id"], name=op.f("fk_orders_tenant_id_deal_id_deals")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_orders_tenant_id_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"], ["users.tenant_id", "users.id"], name=op.f("fk_orders_tenant_id_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quote_id"],
            ["quotes.tenant_id", "quotes.id"],
            name=op.f("fk_orders_tenant_id_quote_id_quotes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_orders_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_orders")),
        sa.UniqueConstraint("tenant_id", "number", name="uq_orders_tenant_number"),
        sa.UniqueConstraint("tenant_id", "quote_id", name="uq_orders_tenant_quote"),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_search_trgm",
            ["tenant_id", "search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        batch_op.create_index("ix_orders_tenant_company", ["tenant_id", "company_id"], unique=False)
        batch_op.create_index("ix_orders_tenant_contact", ["tenant_id", "contact_id"], unique=False)
        batch_op.create_index("ix_orders_tenant_created", ["tenant_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_orders_tenant_deal", ["tenant_id", "deal_id"], unique=False)
        batch_op.create_index("ix_orders_tenant_owner", ["tenant_id", "owner_id"], unique=False)
        batch_op.create_index("ix_orders_tenant_status", ["tenant_id", "status"], unique=False)
        batch_op.create_index("ix_orders_tenant_title", ["tenant_id", "title", "id"], unique=False)
        batch_op.create_index("ix_orders_tenant_total", ["tenant_id", "total", "id"], unique=False)
        batch_op.create_index("ix_orders_tenant_updated", ["tenant_id", "updated_at", "id"], unique=False)

    op.create_table(
        "order_lines",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("discount_kind", sa.String(length=8), nullable=False),
        sa.Column("discount_value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("recurring_interval", sa.String(length=16), nullable=False),
        sa.Column("subtotal", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("discount_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_lines_order_lines_quantity_positive")),
        sa.CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name=op.f("ck_order_lines_order_lines_tax_rate_range")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "order_id"],
            ["orders.tenant_id", "orders.id"],
            name=op.f("fk_order_lines_tenant_id_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_order_lines_tenant_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_order_lines_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_order_lines")),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index("ix_order_lines_tenant_parent", ["tenant_id", "order_id", "position"], unique=False)
        batch_op.create_index("ix_order_lines_tenant_product", ["tenant_id", "product_id"], unique=False)

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("recipient_email", sa.String(length=254), nullable=True))
        batch_op.create_index("ix_invoices_tenant_order", ["tenant_id", "order_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_invoices_tenant_id_order_id_orders"),
            "orders",
            ["tenant_id", "order_id"],
            ["tenant_id", "id"],
        )


def downgrade():
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_invoices_tenant_id_order_id_orders"), type_="foreignkey")
        batch_op.drop_index("ix_invoices_tenant_order")
        batch_op.drop_column("recipient_email")
        batch_op.drop_column("sent_at")
        batch_op.drop_column("order_id")

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_order_lines_tenant_product")
        batch_op.drop_index("ix_order_lines_tenant_parent")

    op.drop_table("order_lines")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_tenant_updated")
        batch_op.drop_index("ix_orders_tenant_total")
        batch_op.drop_index("ix_orders_tenant_title")
        batch_op.drop_index("ix_orders_tenant_status")
        batch_op.drop_index("ix_orders_tenant_owner")
        batch_op.drop_index("ix_orders_tenant_deal")
        batch_op.drop_index("ix_orders_tenant_created")
        batch_op.drop_index("ix_orders_tenant_contact")
        batch_op.drop_index("ix_orders_tenant_company")
        batch_op.drop_index(
            "ix_orders_search_trgm", postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"}
        )

    op.drop_table("orders")
