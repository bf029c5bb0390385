"""Deals, declared once: an opportunity in a pipeline's stage, with a value, a probability,
contacts and a company; moving it records its stage history and closes it on a won or lost
stage. The first record type made only through the record kit."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import and_, func, inspect, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.permissions import acting_user
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.types import utcnow
from app.crm.activities.capability import NOTES, TIMELINE
from app.crm.attachments.capability import ATTACHMENTS
from app.crm.contacts.models import Contact
from app.crm.deals.fields import CurrencyField, DealContactList, ProbabilityField, workspace_currency
from app.crm.deals.models import (
    Deal,
    DealContact,
    DealReason,
    DealStatus,
    Pipeline,
    Priority,
    Stage,
    StageChange,
    StageKind,
)
from app.crm.deals.services.pipelines import (
    default_pipeline,
    first_open_stage,
    list_pipelines,
    list_reasons,
    list_stages,
    reason_label,
    stage_label,
)
from app.crm.deals.stage_history import stage_durations
from app.crm.fields.capability import CUSTOM_FIELDS
from app.crm.leads.models import LeadSource
from app.crm.tags.capability import TAGS
from app.records import fields as f
from app.records.capabilities import BulkAction, Column, Panel, Tab
from app.records.conditions import Condition, boolean_condition, number_condition
from app.records.loading import together
from app.records.normalize import parse_bool
from app.records.owner import OWNER
from app.records.record_type import ListFilter, RecordType
from app.records.services import emit_record_event, update_record

MAX_VALUE = Decimal("999999999999.99")
RANK_STEP = 1024.0


def is_rotting(deal: Deal, now=None) -> bool:
    """Idle (no change, no activity) longer than its stage's rotting days; closed deals never rot."""
    stage = deal.stage
    if stage is None or stage.rotting_days is None or deal.status != DealStatus.OPEN:
        return False
    return deal.idle_since < (now or utcnow()) - timedelta(days=stage.rotting_days)


def rotting_condition(now=None):
    """SQL: open deals idle longer than their stage's rotting days (one term per stage)."""
    now = now or utcnow()
    terms = [
        and_(Deal.stage_id == stage.id, Deal.idle_since < now - timedelta(days=stage.rotting_days))
        for stage in list_stages()
        if stage.rotting_days and stage.kind == StageKind.OPEN
    ]
    return and_(Deal.status == DealStatus.OPEN, or_(*terms)) if terms else Deal.id.is_(None)


def top_rank(stage_id) -> float:
    """A rank above every card of the stage's column (new and moved-in deals go on top)."""
    lowest = db.session.scalar(select(func.min(Deal.board_rank)).where(Deal.stage_id == stage_id))
    return (lowest if lowest is not None else RANK_STEP) - RANK_STEP


class DealType(RecordType):
    def check(self, cleaned, context):
        deal = context.record
        if context.errors.has("pipeline_id") or context.errors.has("stage_id"):
            return
        # Empty (null) means "not chosen": keep or derive it, never store a deal without one.
        pipeline_sent, stage_sent = cleaned.get("pipeline_id") is not None, cleaned.get("stage_id") is not None
        pipeline = cleaned["pipeline_id"] if pipeline_sent else (deal.pipeline if deal is not None else None)
        stage = cleaned["stage_id"] if stage_sent else (deal.stage if deal is not None else None)
        if pipeline is None and stage is None:
            pipeline = default_pipeline()
            if pipeline is None:
                context.errors.add("pipeline_id", "Choose a pipeline.")
                return
        if pipeline is None or (stage_sent and not pipeline_sent):
            # A stage names its pipeline: moving a deal to another pipeline's stage moves it there.
            pipeline = stage.pipeline
        elif pipeline is not None and (stage is None or stage.pipeline_id != pipeline.id):
            if stage_sent and stage is not None:
                context.errors.add("stage_id", f"Choose a stage of the {pipeline.name} pipeline.")
                return
            stage = first_open_stage(pipeline)
            if stage is None:
                context.errors.add("pipeline_id", "This pipeline has no stages yet.")
                return
        cleaned["pipeline_id"], cleaned["stage_id"] = pipeline, stage
        reason = cleaned.get("close_reason_id", deal.close_reason if deal is not None else None)
        entering = deal is None or deal.stage_id != stage.id
        if stage.kind == StageKind.LOST and reason is None:
            context.errors.add("close_reason_id", "Say why the deal was lost.")
        elif reason is not None and stage.is_closed and reason.kind != stage.kind:
            if entering and "close_reason_id" not in cleaned:
                cleaned["close_reason_id"] = None  # a won deal's reason does not explain a loss
                if stage.kind == StageKind.LOST:
                    context.errors.add("close_reason_id", "Say why the deal was lost.")
            else:
                context.errors.add("close_reason_id", f"Choose a reason the deal was {stage.kind}.")

    def before_save(self, deal, cleaned, context):
        now = utcnow()
        stage = deal.stage
        if context.creating:
            deal.currency = cleaned.get("currency") or workspace_currency()
            previous_stage_id, previous_status = None, None
        else:
            history = inspect(deal).attrs.stage_id.history
            previous_stage_id = history.deleted[0] if history.deleted else deal.stage_id
            previous_status = deal.status
        moved = previous_stage_id != stage.id
        if deal.value is None:
            deal.value = Decimal(0)
        if moved:
            deal.stage_entered_at = now
            with db.session.no_autoflush:
                deal.board_rank = top_rank(stage.id)
        if not deal.probability_is_custom:
            deal.probability = stage.probability
        deal.status = stage.kind
        if stage.is_closed:
            if previous_status != stage.kind or deal.closed_at is None:
                deal.closed_at = now
        else:
            deal.closed_at = None
            deal.close_reason_id, deal.close_reason = None, None
            deal.close_note = ""
        mark_active(deal, now)
        # after_save records the move (the history row needs the flushed deal).
        deal.pending_move = (previous_stage_id, previous_status) if moved else None

    def after_save(self, deal, cleaned, context):
        move = getattr(deal, "pending_move", None)
        deal.pending_move = None
        if move is None:
            return
        previous_stage_id, previous_status = move
        record_stage_change(deal, previous_stage_id, actor=context.actor)
        if previous_stage_id is not None:
            old = db.session.get(Stage, (deal.tenant_id, previous_stage_id))
            emit_record_event(
                self,
                deal,
                "stage_changed",
                actor=context.actor,
                summary=f"Moved from {old.name if old else 'a deleted stage'} to {deal.stage.name}",
                changes={"stage": {"old": old.name if old else None, "new": deal.stage.name}},
                data={
                    "pipeline": deal.pipeline.name,
                    "from_stage_id": str(previous_stage_id),
                    "to_stage_id": str(deal.stage_id),
                },
            )
        if deal.status in (DealStatus.WON, DealStatus.LOST) and previous_status != deal.status:
            reason = deal.close_reason.label if deal.close_reason is not None else ""
            emit_record_event(
                self,
                deal,
                deal.status,
                actor=context.actor,
                summary=f"Deal {deal.status}" + (f": {reason}" if reason else ""),
                data={"value": str(deal.value), "currency": deal.currency, "reason": reason, "note": deal.close_note},
            )

    def timeline_changes(self, deal, changes):
        if "stage_id" not in changes:
            return changes
        # The move's own entry ("Moved from Proposal to Negotiation") tells the stage, and the
        # probability when it simply followed the stage; a move that closes the deal has its
        # own "Deal won: Relationship", which tells the reason and keeps the note.
        told = {"stage_id"} if deal.probability_is_custom else {"stage_id", "probability"}
        if deal.status in (DealStatus.WON, DealStatus.LOST) and "close_reason_id" in changes:
            told |= {"close_reason_id", "close_note"}
        return {name: change for name, change in changes.items() if name not in told}

    def related(self, deal):
        links = [("company", deal.company_id)] if deal.company_id else []
        links.extend(("contact", link.contact_id) for link in deal.contact_links)
        return links

    def on_activity(self, deal, activity):
        if activity is not None:
            mark_active(deal, utcnow())
            db.session.flush()


def mark_active(deal: Deal, moment) -> None:
    """Something happened on the deal at `moment` (a save, a logged call, its quote sent): it
    is idle, and may rot, from then on — unless something later already happened, as when
    seed-demo writes the past after the present."""
    deal.idle_since = max(deal.idle_since or moment, moment)


def record_stage_change(deal: Deal, previous_stage_id, *, actor) -> None:
    user = acting_user(actor)
    previous = db.session.get(Stage, (deal.tenant_id, previous_stage_id)) if previous_stage_id else None
    db.session.add(
        StageChange(
            deal_id=deal.id,
            from_stage_id=previous_stage_id,
            from_stage_name=previous.name if previous is not None else "",
            to_stage_id=deal.stage_id,
            to_stage_name=deal.stage.name,
            pipeline_name=deal.pipeline.name,
            user_id=getattr(user, "id", None),
            user_label=getattr(user, "display_name", "") or getattr(user, "email", "") or "",
            changed_at=deal.stage_entered_at,
        )
    )
    db.session.flush()


# ---------------------------------------------------------------------------- list extras


def _rotting_filter(value, errors):
    if parse_bool(value) is not True:
        errors.add("rotting", "Use 1 to list rotting deals.")
        return []
    return [rotting_condition()]


def _stage_options():
    return list_stages()


def _change_stage(record_type, deals, params, actor) -> int:
    stage_id = parse_uuid(params.get("stage_id"))
    stage = db.session.get(Stage, (deals[0].tenant_id, stage_id)) if stage_id else None
    if stage is None:
        raise ValidationFailed("Choose a stage.", details={"stage_id": ["Choose a stage."]})
    moved = 0
    for deal in deals:
        if deal.stage_id != stage.id:
            update_record(
                record_type, deal, {"pipeline_id": str(stage.pipeline_id), "stage_id": str(stage.id)}, actor=actor
            )
            moved += 1
    return moved


def _stage_choices():
    return [(str(stage.id), stage_label(stage)) for stage in list_stages() if stage.kind == StageKind.OPEN] + [
        (str(stage.id), stage_label(stage)) for stage in list_stages() if stage.kind == StageKind.WON
    ]


def _deal_totals(record_type, record) -> dict:
    """The Deals tab of a contact or a company: its deals and their open and won totals."""

    if isinstance(record, Contact):
        linked = select(DealContact.deal_id).where(DealContact.contact_id == record.id)
        condition = Deal.id.in_(linked)
    else:
        condition = Deal.company_id == record.id
    deals = list(
        db.session.scalars(
            select(Deal)
            .where(condition)
            .options(selectinload(Deal.stage), selectinload(Deal.owner))
            .order_by(Deal.status.desc(), Deal.created_at.desc(), Deal.id)
            .limit(DEALS_SHOWN + 1)
        )
    )
    totals = db.session.execute(
        select(Deal.status, Deal.currency, func.count(), func.coalesce(func.sum(Deal.value), 0))
        .where(condition)
        .group_by(Deal.status, Deal.currency)
        .order_by(Deal.status, Deal.currency)
    ).all()
    summary = {status: [] for status in DealStatus.ALL}
    for status, currency, count, total in totals:
        summary[status].append({"currency": currency, "count": count, "value": Decimal(total)})
    return {"deals": deals[:DEALS_SHOWN], "more": len(deals) > DEALS_SHOWN, "totals": summary, "now": utcnow()}


def _stage_history_tab(record_type, deal) -> dict:
    return {"deal": deal, "history": stage_durations(deal)}


def _deal_summary_panel(record_type, deal) -> dict:
    return {"deal": deal, "rotting": is_rotting(deal)}


DEALS_SHOWN = 50


# ---------------------------------------------------------------------------- contact facts
# Segment conditions deals add to contacts, answered in SQL through deal_contacts (its
# (tenant, contact) index): "has an open deal", "won value over X", "open value over X".


def _linked_deals(*where):
    """Deals linked to the outer contact row (correlated; tenant-scoped by the ORM and RLS)."""

    return (
        select(Deal.id)
        .join(DealContact, and_(DealContact.tenant_id == Deal.tenant_id, DealContact.deal_id == Deal.id))
        .where(DealContact.tenant_id == Contact.tenant_id, DealContact.contact_id == Contact.id, *where)
    )


def _has_open_deal(operator, value, context):
    return boolean_condition(_linked_deals(Deal.status == DealStatus.OPEN).exists(), operator, value, context)


def _deal_value_condition(status):
    def build(operator, value, context):
        total = (
            select(func.coalesce(func.sum(Deal.value), 0))
            .join(DealContact, and_(DealContact.tenant_id == Deal.tenant_id, DealContact.deal_id == Deal.id))
            .where(DealContact.tenant_id == Contact.tenant_id, DealContact.contact_id == Contact.id)
            .where(Deal.status == status)
            .correlate(Contact)
            .scalar_subquery()
        )
        if operator in ("is_empty", "is_not_empty"):
            # "No won deals" / "some won deal": whether there is one, whatever its value.
            linked = _linked_deals(Deal.status == status).exists()
            return ~linked if operator == "is_empty" else linked
        return number_condition(total, operator, value, context)

    return build


DEAL_CONDITIONS = [
    Condition("deals.has_open", "Has an open deal", "boolean", _has_open_deal, group="Deals"),
    Condition(
        "deals.won_value", "Won deal value", "number", _deal_value_condition(DealStatus.WON), group="Deals", money=True
    ),
    Condition(
        "deals.open_value",
        "Open deal value",
        "number",
        _deal_value_condition(DealStatus.OPEN),
        group="Deals",
        money=True,
    ),
]


DEALS = DealType(
    name="deal",
    model=Deal,
    icon="kanban",
    title="name",
    subtitle=lambda deal: deal.company.name if deal.company is not None else "",
    meter="deals",
    default_sort="-created_at",
    nav_order=25,
    nav=("Deals", "deals.board", "kanban"),
    description="Opportunities: pipeline and stage, value, probability, close date, contacts, company, stage history.",
    example={"name": "Website redesign", "value": "12000"},
    fields=[
        f.Text("name", "Name", max_length=200, required=True, search=True, sort=True, detail=False),
        f.Lookup(
            "pipeline_id",
            "Pipeline",
            model=Pipeline,
            relation="pipeline",
            options=list_pipelines,
            shared_rows=True,
            blank=False,
            empty_label="The first pipeline",
            filter=True,
            section="Pipeline",
        ),
        f.Lookup(
            "stage_id",
            "Stage",
            model=Stage,
            relation="stage",
            options=_stage_options,
            shared_rows=True,
            option_label=stage_label,
            detail_label=lambda stage: stage.name,
            blank=False,
            empty_label="Its first open stage",
            filter=True,
            list=True,
            section="Pipeline",
        ),
        f.Money("value", "Value", maximum=MAX_VALUE, sort=True, filter=True, list_on_phones=True),
        CurrencyField(),
        ProbabilityField(sort=True),
        f.DateField("expected_close_date", "Expected close", filter=True, list=True),
        f.Choice("priority", "Priority", choices=Priority.LABELS, default=Priority.MEDIUM, filter=True),
        f.Reference("company_id", "Company", to="company", relation="company", filter=True, search=True),
        DealContactList(),
        f.Choice("source", "Source", choices=LeadSource.LABELS, default="other", filter=True),
        f.Choice(
            "status", "Status", choices=DealStatus.LABELS, read_only=True, filter=True, section="Pipeline", detail=False
        ),
        f.Lookup(
            "close_reason_id",
            "Won / lost reason",
            model=DealReason,
            relation="close_reason",
            options=lambda: list_reasons(),
            option_label=reason_label,
            hide_empty=True,
            section="Outcome",
            help="Needed when the deal is lost",
        ),
        f.LongText("close_note", "Outcome note", max_length=1000, hide_empty=True, section="Outcome"),
        f.DateTimeField("closed_at", "Closed", read_only=True, hide_empty=True, section="Outcome"),
        f.DateTimeField("stage_entered_at", "In this stage since", read_only=True, section="Pipeline", export=False),
    ],
    capabilities=[OWNER, TAGS, CUSTOM_FIELDS, TIMELINE, NOTES, ATTACHMENTS],
    filters=[
        ListFilter(
            "rotting",
            "'1': open deals idle longer than their stage allows",
            _rotting_filter,
            choices={"1": "Rotting"},
            label="Going cold",
        )
    ],
    columns=[Column("rotting", "Going cold", "crm/deals/_rotting_cell.html", priority=1, label_hidden=True)],
    bulk_actions=[
        BulkAction(
            "set_stage",
            "Change stage",
            "edit",
            _change_stage,
            "{n} {label} moved.",
            param="stage_id",
            choices=_stage_choices,
        )
    ],
    panels=[Panel("deal_summary", "crm/deals/_summary_panel.html", _deal_summary_panel, order=1, column="main")],
    tabs=[
        Tab(
            "stages",
            "Stage history",
            "crm/deals/_stage_history.html",
            _stage_history_tab,
            icon="signpost-split",
            order=40,
        )
    ],
    load={
        "list": lambda: [joinedload(Deal.company)],
        "detail": lambda: [selectinload(Deal.contact_links).selectinload(DealContact.contact)],
        "api": lambda: [together(Deal.contact_links)],
    },
    templates={"show": "crm/deals/show.html", "index": "crm/deals/index.html"},
    contributes=[
        ("contact", Tab("deals", "Deals", "crm/deals/_related_deals.html", _deal_totals, icon="kanban", order=15)),
        ("company", Tab("deals", "Deals", "crm/deals/_related_deals.html", _deal_totals, icon="kanban", order=15)),
        *(("contact", condition) for condition in DEAL_CONDITIONS),
    ],
)
