"""deals: pipelines, stages, deals (contacts, stage history), close reasons, quotas, forecast snapshots

Revision ID: 0008_deals
Revises: 0006_record_kit
Create Date: 2026-12-02 09:41:29.311950
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_deals"
down_revision = "0006_record_kit"
branch_labels = None
depends_on = None

TRIGRAM = {"postgresql_using": "gin", "postgresql_ops": {"search_text": "gin_trgm_ops"}}


def upgrade():
    op.create_table(
        "deal_reasons",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_deal_reasons_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_deal_reasons")),
        sa.UniqueConstraint("tenant_id", "kind", "label", name=op.f("uq_deal_reasons_tenant_id_kind_label")),
    )
    with op.batch_alter_table("deal_reasons", schema=None) as batch_op:
        batch_op.create_index("ix_deal_reasons_tenant_kind", ["tenant_id", "kind", "position"], unique=False)

    op.create_table(
        "forecast_settings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("best_min", sa.Integer(), nullable=False),
        sa.Column("likely_min", sa.Integer(), nullable=False),
        sa.Column("worst_min", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "best_min <= likely_min AND likely_min <= worst_min", name=op.f("ck_forecast_settings_bands_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_forecast_settings_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_forecast_settings")),
        sa.UniqueConstraint("tenant_id", name="uq_forecast_settings_tenant"),
    )
    op.create_table(
        "forecast_snapshots",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("weighted", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("best", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("likely", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("worst", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("open_value", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_forecast_snapshots_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_forecast_snapshots")),
        sa.UniqueConstraint("tenant_id", "month", name=op.f("uq_forecast_snapshots_tenant_id_month")),
    )
    op.create_table(
        "pipelines",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_pipelines_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_pipelines")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_pipelines_tenant_id_name")),
    )
    with op.batch_alter_table("pipelines", schema=None) as batch_op:
        batch_op.create_index("ix_pipelines_tenant_position", ["tenant_id", "position"], unique=False)

    op.create_table(
        "pipeline_stages",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column("rotting_days", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("probability BETWEEN 0 AND 100", name=op.f("ck_pipeline_stages_probability_range")),
        sa.CheckConstraint(
            "rotting_days IS NULL OR rotting_days > 0", name=op.f("ck_pipeline_stages_rotting_days_positive")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "pipeline_id"],
            ["pipelines.tenant_id", "pipelines.id"],
            name=op.f("fk_pipeline_stages_tenant_id_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_pipeline_stages_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_pipeline_stages")),
    )
    with op.batch_alter_table("pipeline_stages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pipeline_stages_tenant_pipeline", ["tenant_id", "pipeline_id", "position"], unique=False
        )

    op.create_table(
        "sales_quotas",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_sales_quotas_amount_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_sales_quotas_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_sales_quotas_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sales_quotas")),
        sa.UniqueConstraint("tenant_id", "user_id", "month", name=op.f("uq_sales_quotas_tenant_id_user_id_month")),
    )
    with op.batch_alter_table("sales_quotas", schema=None) as batch_op:
        batch_op.create_index("ix_sales_quotas_tenant_month", ["tenant_id", "month"], unique=False)

    op.create_table(
        "deals",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("stage_id", sa.Uuid(), nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("probability_is_custom", sa.Boolean(), nullable=False),
        sa.Column("expected_close_date", sa.Date(), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("close_reason_id", sa.Uuid(), nullable=True),
        sa.Column("close_note", sa.String(length=1000), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stage_entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idle_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("board_rank", sa.Double(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("custom_fields", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("probability BETWEEN 0 AND 100", name=op.f("ck_deals_probability_range")),
        sa.CheckConstraint("value >= 0", name=op.f("ck_deals_value_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "close_reason_id"],
            ["deal_reasons.tenant_id", "deal_reasons.id"],
            name=op.f("fk_deals_tenant_id_close_reason_id_deal_reasons"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "company_id"],
            ["companies.tenant_id", "companies.id"],
            name=op.f("fk_deals_tenant_id_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_deals_tenant_id_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_deals_tenant_id_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"], ["users.tenant_id", "users.id"], name=op.f("fk_deals_tenant_id_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "pipeline_id"],
            ["pipelines.tenant_id", "pipelines.id"],
            name=op.f("fk_deals_tenant_id_pipeline_id_pipelines"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "stage_id"],
            ["pipeline_stages.tenant_id", "pipeline_stages.id"],
            name=op.f("fk_deals_tenant_id_stage_id_pipeline_stages"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_deals_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_deals")),
    )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index("ix_deals_search_trgm", ["tenant_id", "search_text"], unique=False, **TRIGRAM)
        batch_op.create_index("ix_deals_tenant_company", ["tenant_id", "company_id"], unique=False)
        batch_op.create_index("ix_deals_tenant_created", ["tenant_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_deals_tenant_name", ["tenant_id", "name", "id"], unique=False)
        batch_op.create_index("ix_deals_tenant_owner", ["tenant_id", "owner_id"], unique=False)
        batch_op.create_index("ix_deals_tenant_pipeline", ["tenant_id", "pipeline_id", "status"], unique=False)
        batch_op.create_index("ix_deals_tenant_stage_rank", ["tenant_id", "stage_id", "board_rank", "id"], unique=False)
        batch_op.create_index(
            "ix_deals_tenant_status_close", ["tenant_id", "status", "expected_close_date"], unique=False
        )
        batch_op.create_index("ix_deals_tenant_status_closed_at", ["tenant_id", "status", "closed_at"], unique=False)
        batch_op.create_index("ix_deals_tenant_updated", ["tenant_id", "updated_at", "id"], unique=False)
        batch_op.create_index("ix_deals_tenant_value", ["tenant_id", "value", "id"], unique=False)

    op.create_table(
        "deal_contacts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("deal_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contact_id"],
            ["contacts.tenant_id", "contacts.id"],
            name=op.f("fk_deal_contacts_tenant_id_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "deal_id"],
            ["deals.tenant_id", "deals.id"],
            name=op.f("fk_deal_contacts_tenant_id_deal_id_deals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_deal_contacts_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_deal_contacts")),
        sa.UniqueConstraint(
            "tenant_id", "deal_id", "contact_id", name=op.f("uq_deal_contacts_tenant_id_deal_id_contact_id")
        ),
    )
    with op.batch_alter_table("deal_contacts", schema=None) as batch_op:
        batch_op.create_index("ix_deal_contacts_tenant_contact", ["tenant_id", "contact_id"], unique=False)

    op.create_table(
        "deal_stage_changes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("deal_id", sa.Uuid(), nullable=False),
        sa.Column("from_stage_id", sa.Uuid(), nullable=True),
        sa.Column("from_stage_name", sa.String(length=80), nullable=False),
        sa.Column("to_stage_id", sa.Uuid(), nullable=False),
        sa.Column("to_stage_name", sa.String(length=80), nullable=False),
        sa.Column("pipeline_name", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("user_label", sa.String(length=254), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "deal_id"],
            ["deals.tenant_id", "deals.id"],
            name=op.f("fk_deal_stage_changes_tenant_id_deal_id_deals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_deal_stage_changes_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_deal_stage_changes")),
    )
    with op.batch_alter_table("deal_stage_changes", schema=None) as batch_op:
        batch_op.create_index("ix_deal_stage_changes_tenant_changed", ["tenant_id", "changed_at"], unique=False)
        batch_op.create_index("ix_deal_stage_changes_tenant_deal", ["tenant_id", "deal_id", "changed_at"], unique=False)


def downgrade():
    with op.batch_alter_table("deal_stage_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_stage_changes_tenant_deal")
        batch_op.drop_index("ix_deal_stage_changes_tenant_changed")

    op.drop_table("deal_stage_changes")
    with op.batch_alter_table("deal_contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_contacts_tenant_contact")

    op.drop_table("deal_contacts")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_tenant_value")
        batch_op.drop_index("ix_deals_tenant_updated")
        batch_op.drop_index("ix_deals_tenant_status_closed_at")
        batch_op.drop_index("ix_deals_tenant_status_close")
        batch_op.drop_index("ix_deals_tenant_stage_rank")
        batch_op.drop_index("ix_deals_tenant_pipeline")
        batch_op.drop_index("ix_deals_tenant_owner")
        batch_op.drop_index("ix_deals_tenant_name")
        batch_op.drop_index("ix_deals_tenant_created")
        batch_op.drop_index("ix_deals_tenant_company")
        batch_op.drop_index("ix_deals_search_trgm")

    op.drop_table("deals")
    with op.batch_alter_table("sales_quotas", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_quotas_tenant_month")

    op.drop_table("sales_quotas")
    with op.batch_alter_table("pipeline_stages", schema=None) as batch_op:
        batch_op.drop_index("ix_pipeline_stages_tenant_pipeline")

    op.drop_table("pipeline_stages")
    with op.batch_alter_table("pipelines", schema=None) as batch_op:
        batch_op.drop_index("ix_pipelines_tenant_position")

    op.drop_table("pipelines")
    op.drop_table("forecast_snapshots")
    op.drop_table("forecast_settings")
    with op.batch_alter_table("deal_reasons", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_reasons_tenant_kind")

    op.drop_table("deal_reasons")
