"""A web form's deal option: a contact form can also open a deal (in a chosen pipeline and
stage, with a value) for the contact each submission creates or matches. The deal is made
through the deals record type's own create service, so its rules, plan limit, events and
attribution (`carry_to_deal`) apply as for any deal."""

from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from app.auth.permissions import can
from app.core.context import require_tenant_id
from app.core.currencies import format_amount
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.models import tenant_join
from app.core.numbers import typed_decimal
from app.core.validation import Errors
from app.crm.deals.fields import workspace_currency
from app.crm.deals.models import Deal, DealContact, DealStatus, Pipeline, Stage, StageKind
from app.crm.deals.record import MAX_VALUE
from app.crm.deals.services.pipelines import first_open_stage
from app.records.owner import find_active_user
from app.records.registry import get_record_type
from app.records.services import create_record

KEYS = ("pipeline_id", "stage_id", "value")


def clean_deal_option(raw, *, creates: str, actor, errors: Errors) -> dict:
    """{"pipeline_id", "stage_id", "value"} as stored, or {} for "no deal"."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict) or set(raw) - set(KEYS):
        errors.add("deal", "Send {pipeline_id, stage_id, value}, or nothing for no deal.")
        return {}
    if not any(raw.get(key) not in (None, "") for key in ("pipeline_id", "stage_id")):
        return {}  # no pipeline nor stage chosen: no deal (a value alone means nothing)
    if creates != "contact":
        errors.add("deal", "Only a form that creates contacts can open a deal: deals belong to contacts.")
        return {}
    if actor is not None and not can(actor, "deals.create"):
        errors.add("deal", "You may not create deals, so this form may not either.")
        return {}
    tenant_id = require_tenant_id()
    pipeline_id, stage_id = parse_uuid(raw.get("pipeline_id")), parse_uuid(raw.get("stage_id"))
    pipeline = db.session.get(Pipeline, (tenant_id, pipeline_id)) if pipeline_id else None
    stage = db.session.get(Stage, (tenant_id, stage_id)) if stage_id else None
    if pipeline is None and stage is not None:
        pipeline = stage.pipeline
    if pipeline is None:
        errors.add("deal", "Choose the pipeline the deal goes to.")
        return {}
    if stage is None:
        stage = first_open_stage(pipeline)
    if stage is None or stage.pipeline_id != pipeline.id or stage.kind != StageKind.OPEN:
        errors.add("deal", f"Choose an open stage of the {pipeline.name} pipeline.")
        return {}
    option = {"pipeline_id": str(pipeline.id), "stage_id": str(stage.id)}
    value = raw.get("value")
    if value not in (None, ""):
        try:
            amount = typed_decimal(value)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or not Decimal(0) <= amount <= MAX_VALUE:
            errors.add("deal", "The deal's value is a number of at least 0, such as 1500 or 1,500.50.")
            return {}
        if amount != amount.quantize(Decimal("0.01")):
            errors.add("deal", "The deal's value has at most 2 decimals.")
            return {}
        option["value"] = str(amount.quantize(Decimal("0.01")))
    return option


def describe_deal_option(option: dict) -> str:
    """ "Proposal of Sales, worth $1,200" for the form's page (in the workspace's currency, which
    the deal takes); "" without a deal."""
    if not option:
        return ""
    tenant_id = require_tenant_id()
    stage = db.session.get(Stage, (tenant_id, parse_uuid(option.get("stage_id"))))
    pipeline = db.session.get(Pipeline, (tenant_id, parse_uuid(option.get("pipeline_id"))))
    where = f"{stage.name if stage else 'the first stage'} of {pipeline.name if pipeline else 'the default pipeline'}"
    worth = format_amount(Decimal(option["value"]), workspace_currency()) if option.get("value") else ""
    return where + (f", worth {worth}" if worth else "")


def open_deal(form, contact, *, source: str, actor) -> Deal | None:
    """The deal a submission opens for its contact, unless the contact already has an open deal
    in that pipeline (a second submission is interest in the same deal, not a new one)."""
    option = form.deal or {}
    if not option:
        return None
    tenant_id = require_tenant_id()
    stage = db.session.get(Stage, (tenant_id, parse_uuid(option.get("stage_id"))))
    pipeline = db.session.get(Pipeline, (tenant_id, parse_uuid(option.get("pipeline_id"))))
    # A stage or pipeline deleted since the form was saved: the pipeline's (or the default) first stage.
    if stage is not None and stage.kind != StageKind.OPEN:
        stage = None
    pipeline = stage.pipeline if stage is not None else pipeline
    already = select(Deal.id).join(DealContact, tenant_join(DealContact.deal_id, Deal.id))
    already = already.where(DealContact.contact_id == contact.id, Deal.status == DealStatus.OPEN)
    if pipeline is not None:
        already = already.where(Deal.pipeline_id == pipeline.id)
    if db.session.scalar(already.limit(1)) is not None:
        return None
    deals = get_record_type("deal")
    data = {
        "name": f"{get_record_type('contact').title_of(contact)} – {form.name}"[:200],
        "contacts": [{"contact_id": str(contact.id), "primary": True}],
        "source": source,
    }
    if stage is not None:
        data["stage_id"] = str(stage.id)
    if pipeline is not None:
        data["pipeline_id"] = str(pipeline.id)
    if option.get("value"):
        data["value"] = option["value"]
    if getattr(contact, "owner_id", None) and find_active_user(contact.owner_id) is not None:
        data["owner_id"] = str(contact.owner_id)  # the contact's owner follows up
    if getattr(contact, "company_id", None):
        data["company_id"] = str(contact.company_id)
    return create_record(deals, data, actor=actor)
