"""quotes: products, quotes with line items and kept versions, invoices with lines and
payments, customer subscriptions, quote and invoice settings, gap-free document number
sequences

Revision ID: 0011_quotes
Revises: 0006_record_kit
Create Date: 2026-12-02 11:00:04.392943
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_quotes"
down_revision = "0009_tasks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_sequences",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("next_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_document_sequences_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_document_sequences")),
        sa.UniqueConstraint("tenant_id", "kind", "period", name="uq_document_sequences_tenant_kind"),
    )
    op.create_table(
        "quote_settings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number_pattern", sa.String(length=40), nullable=False),
        sa.Column("invoice_number_pattern", sa.String(length=40), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("renewal_reminder_days", sa.Integer(), nullable=False),
        sa.Column("default_terms", sa.Text(), nullable=False),
        sa.Column("sender_address", sa.Text(), nullable=False),
        sa.Column("mark_deal_won_on_acceptance", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_quote_settings_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_quote_settings")),
        sa.UniqueConstraint("tenant_id", name="uq_quote_settings_tenant"),
    )
    op.create_table(
        "products",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tax_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("recurring_interval", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name=op.f("ck_products_product_tax_rate_range")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_products_product_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_products_tenant_id_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_products_tenant_id_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_products_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_products")),
        sa.UniqueConstraint("tenant_id", "sku", name="uq_products_tenant_sku"),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index("ix_products_tenant_unit_price", ["tenant_id", "unit_price", "id"], unique=False)
        batch_op.create_index(
            "ix_products_search_trgm",
            ["tenant_id", "search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        batch_op.create_index("ix_products_tenant_active", ["tenant_id", "active"], unique=False)
        batch_op.create_index("ix_products_tenant_created", ["tenant_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_products_tenant_name", ["tenant_id", "name", "id"], unique=False)
        batch_op.create_index("ix_products_tenant_updated", ["tenant_id", "updated_at", "id"], unique=False)

    op.create_table(
        "quotes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("company_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("subtotal", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("discount_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("recipient_email", sa.String(length=254), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_name", sa.String(length=200), nullable=False),
        sa.Column("accepted_ip", sa.String(length=45), nullable=False),
        sa.Column("accepted_user_agent", sa.String(length=500), nullable=False),
        sa.Column("rejection_reason", sa.String(length=1000), nullable=False),
        sa.Column("public_token_hash", sa.String(length=64), nullable=True),
        sa.Column("public_link_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_quotes_quote_version_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "company_id"],
            ["companies.tenant_id", "companies.id"],
            name=op.f("fk_quotes_tenant_id_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contact_id"],
            ["contacts.tenant_id", "contacts.id"],
            name=op.f("fk_quotes_tenant_id_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "deal_id"],
            ["deals.tenant_id", "deals.id"],
            name=op.f("fk_quotes_tenant_id_deal_id_deals"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_quotes_tenant_id_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_quotes_tenant_id_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"], ["users.tenant_id", "users.id"], name=op.f("fk_quotes_tenant_id_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_quotes_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("tenant_id", "number", name="uq_quotes_tenant_number"),
        sa.UniqueConstraint("tenant_id", "public_token_hash", name="uq_quotes_tenant_token"),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index("ix_quotes_tenant_title", ["tenant_id", "title", "id"], unique=False)
        batch_op.create_index(
            "ix_quotes_search_trgm",
            ["tenant_id", "search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        batch_op.create_index("ix_quotes_tenant_company", ["tenant_id", "company_id"], unique=False)
        batch_op.create_index("ix_quotes_tenant_contact", ["tenant_id", "contact_id"], unique=False)
        batch_op.create_index("ix_quotes_tenant_deal", ["tenant_id", "deal_id"], unique=False)
        batch_op.create_index("ix_quotes_tenant_created", ["tenant_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_quotes_tenant_owner", ["tenant_id", "owner_id"], unique=False)
        batch_op.create_index("ix_quotes_tenant_status", ["tenant_id", "status"], unique=False)
        batch_op.create_index("ix_quotes_tenant_total", ["tenant_id", "total", "id"], unique=False)
        batch_op.create_index("ix_quotes_tenant_updated", ["tenant_id", "updated_at", "id"], unique=False)
        batch_op.create_index("ix_quotes_tenant_valid_until", ["tenant_id", "valid_until"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("company_id", sa.Uuid(), nullable=True),
        sa.Column("quote_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("subtotal", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("discount_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("amount_paid", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_paid >= 0", name=op.f("ck_invoices_invoice_paid_not_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "company_id"],
            ["companies.tenant_id", "companies.id"],
            name=op.f("fk_invoices_tenant_id_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contact_id"],
            ["contacts.tenant_id", "contacts.id"],
            name=op.f("fk_invoices_tenant_id_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_invoices_tenant_id_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_invoices_tenant_id_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_invoices_tenant_id_owner_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quote_id"],
            ["quotes.tenant_id", "quotes.id"],
            name=op.f("fk_invoices_tenant_id_quote_id_quotes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_invoices_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("tenant_id", "number", name="uq_invoices_tenant_number"),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_tenant_title", ["tenant_id", "title", "id"], unique=False)
        batch_op.create_index(
            "ix_invoices_search_trgm",
            ["tenant_id", "search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        batch_op.create_index("ix_invoices_tenant_company", ["tenant_id", "company_id"], unique=False)
        batch_op.create_index("ix_invoices_tenant_contact", ["tenant_id", "contact_id"], unique=False)
        batch_op.create_index("ix_invoices_tenant_created", ["tenant_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_invoices_tenant_owner", ["tenant_id", "owner_id"], unique=False)
        batch_op.create_index("ix_invoices_tenant_quote", ["tenant_id", "quote_id"], unique=False)
        batch_op.create_index("ix_invoices_tenant_status_due", ["tenant_id", "status", "due_date"], unique=False)
        batch_op.create_index("ix_invoices_tenant_total", ["tenant_id", "total", "id"], unique=False)
        batch_op.create_index("ix_invoices_tenant_updated", ["tenant_id", "updated_at", "id"], unique=False)

    op.create_table(
        "quote_lines",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quote_id", sa.Uuid(), nullable=False),
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
        sa.CheckConstraint("quantity > 0", name=op.f("ck_quote_lines_quote_lines_quantity_positive")),
        sa.CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name=op.f("ck_quote_lines_quote_lines_tax_rate_range")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_quote_lines_tenant_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quote_id"],
            ["quotes.tenant_id", "quotes.id"],
            name=op.f("fk_quote_lines_tenant_id_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_quote_lines_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_quote_lines")),
    )
    with op.batch_alter_table("quote_lines", schema=None) as batch_op:
        batch_op.create_index("ix_quote_lines_tenant_parent", ["tenant_id", "quote_id", "position"], unique=False)
        batch_op.create_index("ix_quote_lines_tenant_product", ["tenant_id", "product_id"], unique=False)

    op.create_table(
        "quote_versions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quote_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("snapshot", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quote_id"],
            ["quotes.tenant_id", "quotes.id"],
            name=op.f("fk_quote_versions_tenant_id_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_quote_versions_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_quote_versions")),
        sa.UniqueConstraint("tenant_id", "quote_id", "version", name="uq_quote_versions_tenant_quote_version"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("interval", sa.String(length=16), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("company_id", sa.Uuid(), nullable=True),
        sa.Column("quote_id", sa.Uuid(), nullable=True),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("next_renewal", sa.Date(), nullable=False),
        sa.Column("reminded_for", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "company_id"],
            ["companies.tenant_id", "companies.id"],
            name=op.f("fk_subscriptions_tenant_id_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contact_id"],
            ["contacts.tenant_id", "contacts.id"],
            name=op.f("fk_subscriptions_tenant_id_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_subscriptions_tenant_id_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_subscriptions_tenant_id_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_subscriptions_tenant_id_owner_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_subscriptions_tenant_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quote_id"],
            ["quotes.tenant_id", "quotes.id"],
            name=op.f("fk_subscriptions_tenant_id_quote_id_quotes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_subscriptions_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_subscriptions")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index("ix_subscriptions_tenant_next_renewal", ["tenant_id", "next_renewal", "id"], unique=False)
        batch_op.create_index(
            "ix_subscriptions_search_trgm",
            ["tenant_id", "search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        batch_op.create_index("ix_subscriptions_tenant_company", ["tenant_id", "company_id"], unique=False)
        batch_op.create_index("ix_subscriptions_tenant_contact", ["tenant_id", "contact_id"], unique=False)
        batch_op.create_index("ix_subscriptions_tenant_created", ["tenant_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_subscriptions_tenant_name", ["tenant_id", "name", "id"], unique=False)
        batch_op.create_index("ix_subscriptions_tenant_owner", ["tenant_id", "owner_id"], unique=False)
        batch_op.create_index(
            "ix_subscriptions_tenant_status_renewal", ["tenant_id", "status", "next_renewal"], unique=False
        )
        batch_op.create_index("ix_subscriptions_tenant_updated", ["tenant_id", "updated_at", "id"], unique=False)

    op.create_table(
        "invoice_lines",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
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
        sa.CheckConstraint("quantity > 0", name=op.f("ck_invoice_lines_invoice_lines_quantity_positive")),
        sa.CheckConstraint(
            "tax_rate >= 0 AND tax_rate <= 100", name=op.f("ck_invoice_lines_invoice_lines_tax_rate_range")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_invoice_lines_tenant_id_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_invoice_lines_tenant_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_invoice_lines_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_invoice_lines")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index("ix_invoice_lines_tenant_parent", ["tenant_id", "invoice_id", "position"], unique=False)
        batch_op.create_index("ix_invoice_lines_tenant_product", ["tenant_id", "product_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_payment_amount_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_payments_tenant_id_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "recorded_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_payments_tenant_id_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payments_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_tenant_invoice", ["tenant_id", "invoice_id"], unique=False)


def downgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_tenant_invoice")

    op.drop_table("payments")
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_invoice_lines_tenant_product")
        batch_op.drop_index("ix_invoice_lines_tenant_parent")

    op.drop_table("invoice_lines")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_subscriptions_tenant_next_renewal")
        batch_op.drop_index("ix_subscriptions_tenant_updated")
        batch_op.drop_index("ix_subscriptions_tenant_status_renewal")
        batch_op.drop_index("ix_subscriptions_tenant_owner")
        batch_op.drop_index("ix_subscriptions_tenant_name")
        batch_op.drop_index("ix_subscriptions_tenant_created")
        batch_op.drop_index("ix_subscriptions_tenant_contact")
        batch_op.drop_index("ix_subscriptions_tenant_company")
        batch_op.drop_index(
            "ix_subscriptions_search_trgm", postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"}
        )

    op.drop_table("subscriptions")
    op.drop_table("quote_versions")
    with op.batch_alter_table("quote_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_quote_lines_tenant_product")
        batch_op.drop_index("ix_quote_lines_tenant_parent")

    op.drop_table("quote_lines")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_tenant_title")
        batch_op.drop_index("ix_invoices_tenant_updated")
        batch_op.drop_index("ix_invoices_tenant_total")
        batch_op.drop_index("ix_invoices_tenant_status_due")
        batch_op.drop_index("ix_invoices_tenant_quote")
        batch_op.drop_index("ix_invoices_tenant_owner")
        batch_op.drop_index("ix_invoices_tenant_created")
        batch_op.drop_index("ix_invoices_tenant_contact")
        batch_op.drop_index("ix_invoices_tenant_company")
        batch_op.drop_index(
            "ix_invoices_search_trgm", postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"}
        )

    op.drop_table("invoices")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index("ix_quotes_tenant_title")
        batch_op.drop_index("ix_quotes_tenant_valid_until")
        batch_op.drop_index("ix_quotes_tenant_updated")
        batch_op.drop_index("ix_quotes_tenant_total")
        batch_op.drop_index("ix_quotes_tenant_status")
        batch_op.drop_index("ix_quotes_tenant_owner")
        batch_op.drop_index("ix_quotes_tenant_created")
        batch_op.drop_index("ix_quotes_tenant_deal")
        batch_op.drop_index("ix_quotes_tenant_contact")
        batch_op.drop_index("ix_quotes_tenant_company")
        batch_op.drop_index(
            "ix_quotes_search_trgm", postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"}
        )

    op.drop_table("quotes")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_tenant_unit_price")
        batch_op.drop_index("ix_products_tenant_updated")
        batch_op.drop_index("ix_products_tenant_name")
        batch_op.drop_index("ix_products_tenant_created")
        batch_op.drop_index("ix_products_tenant_active")
        batch_op.drop_index(
            "ix_products_search_trgm", postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"}
        )

    op.drop_table("products")
    op.drop_table("quote_settings")
    op.drop_table("document_sequences")
