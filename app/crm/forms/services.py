"""Web forms: the builder's services, public submission with spam defences, attribution."""

from sqlalchemy import func, select

from app.crm.forms.models import WebForm
from app.extensions import db


def count_forms(tenant_id) -> int:
    return db.session.scalar(select(func.count(WebForm.id)))
