"""The Product record: something the agency sells, at a unit price, once or on a recurring interval."""

from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base
from app.crm.tags.models import Taggable
from app.records.indexes import filter_index, sort_index
from app.records.models import RecordModel, record_table_args


class RecurringInterval:
    NONE = "none"
    MONTHLY = "monthly"
    YEARLY = "yearly"
    LABELS = {NONE: "One-off", MONTHLY: "Monthly", YEARLY: "Yearly"}


class Product(RecordModel, Taggable, Base):
    __tablename__ = "products"
    __table_args__ = (
        *record_table_args("products"),
        UniqueConstraint("tenant_id", "sku", name="uq_products_tenant_sku"),
        CheckConstraint("unit_price >= 0", name="product_price_not_negative"),
        CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name="product_tax_rate_range"),
        sort_index("products", "name"),
        filter_index("products", "active"),
        sort_index("products", "unit_price"),
        filter_index("products", "currency"),
        filter_index("products", "recurring_interval"),
    )

    name: Mapped[str] = mapped_column(String(200))
    # Empty SKUs are stored as NULL so that the per-tenant unique key ignores them.
    sku: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0.00"))
    unit: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    recurring_interval: Mapped[str] = mapped_column(String(16), default=RecurringInterval.NONE)

    @property
    def is_recurring(self) -> bool:
        return self.recurring_interval != RecurringInterval.NONE

    def __repr__(self) -> str:
        return f"<Product {self.sku or self.name}>"
