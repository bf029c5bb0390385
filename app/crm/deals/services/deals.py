"""Deals through the kit's services, plus what only deals do: move on the board (stage and
position) and deals made from leads."""

from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.auth.actors import SystemActor
from app.auth.permissions import check_permission
from app.core.context import require_tenant_id
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.first_rows import FirstRows, first_rows
from app.core.ids import parse_uuid
from app.core.models import tenant_join
from app.core.validation import check_known_keys
from app.crm.contacts.models import LifecycleStage
from app.crm.contacts.record import CONTACTS
from app.crm.deals.models import Deal, DealContact, DealStatus, Stage, StageChange, StageKind
from app.crm.deals.record import DEALS, RANK_STEP, rotting_condition
from app.crm.deals.services.pipelines import (
    default_pipeline,
    first_open_stage,
    first_stage_of_kind,
    get_pipeline,
    list_pipelines,
)
from app.crm.leads.services import _share_history
from app.plans.services import check_writable
from app.records.services import record_services, update_record

get_deal, load_deal_for_page, create_deal, update_deal, delete_deal, list_deals = record_services(DEALS)

# Below this gap between two neighbours' ranks, the column is renumbered before inserting.
MIN_RANK_GAP = 1e-6
# A column never holds more cards than a plan holds deals: past this, the bottom.
MAX_POSITION = 1_000_000_000


def _rank_between(above: float | None, below: float | None) -> float | None:
    if above is None and below is None:
        return 0.0
    if above is None:
        return below - RANK_STEP
    if below is None:
        return above + RANK_STEP
    if below - above < MIN_RANK_GAP:
        return None
    return (above + below) / 2


def _renumber(stage_id) -> None:
    """Spread a column's ranks out again (rare: only after many moves between the same two cards)."""
    tenant_id = require_tenant_id()
    ids = list(db.session.scalars(select(Deal.id).where(Deal.stage_id == stage_id).order_by(Deal.board_rank, Deal.id)))
    db.session.execute(
        update(Deal),
        [{"tenant_id": tenant_id, "id": deal_id, "board_rank": index * RANK_STEP} for index, deal_id in enumerate(ids)],
    )
    db.session.expire_all()


def _neighbour_rank(deal_id, stage: Stage, key: str):
    if deal_id in (None, ""):
        return None, None
    parsed = parse_uuid(deal_id)
    row = (
        db.session.execute(select(Deal.id, Deal.board_rank, Deal.stage_id).where(Deal.id == parsed)).first()
        if parsed
        else None
    )
    if row is None or row.stage_id != stage.id:
        raise ValidationFailed(
            "The board changed.", details={key: ["That card is not in this column any more: reload the board."]}
        )
    return row.id, row.board_rank


def _rank_at_index(stage: Stage, position: int, moving_id) -> tuple:
    """(rank above, rank below) for the card put at `position` (0 = top) of the column."""
    ranks = list(
        db.session.scalars(
            select(Deal.board_rank)
            .where(Deal.stage_id == stage.id, Deal.id != moving_id)
            .order_by(Deal.board_rank, Deal.id)
            .offset(max(position - 1, 0))
            .limit(2)
        )
    )
    if position <= 0:
        return None, (ranks[0] if ranks else None)
    above = ranks[0] if ranks else None
    below = ranks[1] if len(ranks) > 1 else None
    return above, below


def move_deal(deal: Deal, data: dict, *, actor) -> Deal:
    """Put a deal in a stage (any pipeline's) at a place in its column: between the cards
    `above_id` and `below_id`, or at `position` (0 = top); on top when neither is given.

    Entering a won or lost stage closes the deal (lost needs `close_reason_id`); the stage
    change, history and events are the deal type's own, through the kit's update.
    """
    check_permission(actor, DEALS.permission("edit"))
    check_writable()
    known = {"stage_id", "above_id", "below_id", "position", "close_reason_id", "close_note"}
    unknown = sorted(str(key) for key in set(data) - known)
    if unknown:
        raise ValidationFailed("Some fields cannot be set.", details={key: ["Unknown field."] for key in unknown})
    stage_id = parse_uuid(data.get("stage_id")) if data.get("stage_id") else deal.stage_id
    stage = db.session.get(Stage, (deal.tenant_id, stage_id)) if stage_id else None
    if stage is None:
        raise ValidationFailed("Choose a stage.", details={"stage_id": ["Choose an existing stage."]})
    position = data.get("position")
    if position is not None and (
        isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= MAX_POSITION
    ):
        raise ValidationFailed(
            "Bad position.", details={"position": [f"Use a whole number from 0 to {MAX_POSITION:,}."]}
        )
    changes = {}
    if stage.id != deal.stage_id:
        changes.update(pipeline_id=str(stage.pipeline_id), stage_id=str(stage.id))
    for key in ("close_reason_id", "close_note"):
        if key in data:
            changes[key] = data[key]
    if changes:
        update_record(DEALS, deal, changes, actor=actor)
    above_id, above = _neighbour_rank(data.get("above_id"), stage, "above_id")
    below_id, below = _neighbour_rank(data.get("below_id"), stage, "below_id")
    if above_id is None and below_id is None:
        if position is None:
            return deal
        above, below = _rank_at_index(stage, position, deal.id)
    rank = _rank_between(above, below)
    if rank is None:
        _renumber(stage.id)
        return move_deal(
            deal,
            {key: value for key, value in data.items() if key not in ("close_reason_id", "close_note")},
            actor=actor,
        )
    deal.board_rank = rank
    db.session.flush()
    return deal


def close_deal(deal: Deal, outcome: str, data: dict, *, actor) -> Deal:
    """Mark an open deal won or lost (`outcome`), as the deal page's buttons do: it moves to its
    pipeline's first stage of that kind, with `close_reason_id` (needed for a loss) and
    `close_note` when given."""
    check_permission(actor, DEALS.permission("edit"))
    if outcome not in StageKind.CLOSED:
        raise ValidationFailed("Won or lost?", details={"outcome": ["Use won or lost."]})
    if deal.status != DealStatus.OPEN:
        raise Conflict(f"This deal is already {deal.status}.", details={"outcome": [f"The deal is {deal.status}."]})
    stage = first_stage_of_kind(deal.pipeline_id, outcome)
    if stage is None:
        raise ValidationFailed(
            f"Its pipeline has no {outcome} stage.",
            details={"outcome": [f"Add a {outcome} stage to {deal.pipeline.name} first."]},
        )
    check_known_keys(data, ("close_reason_id", "close_note"))
    return move_deal(deal, {"stage_id": str(stage.id), **data}, actor=actor)


def reopen_deal(deal: Deal, *, actor) -> Deal:
    """Put a won or lost deal back in the open stage it was closed from (the first open stage of
    its pipeline when that stage is gone or elsewhere)."""
    check_permission(actor, DEALS.permission("edit"))
    if deal.status == DealStatus.OPEN:
        raise Conflict("This deal is open.", details={"status": ["The deal is open already."]})
    last_open = db.session.scalar(
        select(Stage)
        .join(StageChange, tenant_join(StageChange.from_stage_id, Stage.id))
        .where(
            StageChange.deal_id == deal.id,
            StageChange.to_stage_id == deal.stage_id,
            Stage.kind == StageKind.OPEN,
            Stage.pipeline_id == deal.pipeline_id,
        )
        .order_by(StageChange.changed_at.desc())
        .limit(1)
    )
    stage = last_open or first_open_stage(deal.pipeline)
    if stage is None:
        raise ValidationFailed(
            "Its pipeline has no open stage.", details={"status": [f"Add an open stage to {deal.pipeline.name}."]}
        )
    return move_deal(deal, {"stage_id": str(stage.id)}, actor=actor)


def rotting_deals_of(user, *, limit: int = 10) -> FirstRows:
    """The user's open deals idle longer than their stage allows, longest idle first ("my day")."""
    return first_rows(
        select(Deal)
        .where(Deal.owner_id == user.id, rotting_condition())
        .options(selectinload(Deal.stage), selectinload(Deal.company))
        .order_by(Deal.idle_since, Deal.id),
        limit,
    )


def deal_counts_by_stage(pipeline_id) -> dict:
    return dict(
        db.session.execute(
            select(Deal.stage_id, func.count()).where(Deal.pipeline_id == pipeline_id).group_by(Deal.stage_id)
        ).all()
    )


def create_deal_from_lead(lead, contact, company, *, actor, name=None, value=None, pipeline_id=None, **extra) -> Deal:
    """The deal a lead conversion makes: named after the lead's company (or the lead), its
    estimated value, in the chosen pipeline's first open stage; the lead's history shows on it."""

    if extra:
        unknown = sorted(extra)
        raise ValidationFailed(
            "Some deal fields cannot be set.", details={f"deal.{key}": ["Unknown field."] for key in unknown}
        )
    pipeline = None
    if pipeline_id not in (None, ""):
        parsed = parse_uuid(pipeline_id)
        pipeline = get_pipeline(parsed) if parsed else None
    pipeline = pipeline or default_pipeline()
    if pipeline is None:
        raise ValidationFailed("No pipeline.", details={"deal.pipeline_id": ["Choose a pipeline."]})
    stage = first_open_stage(pipeline)
    data = {
        "name": (name or "").strip() or (f"{lead.company_name} deal" if lead.company_name else f"{lead.name} deal"),
        "value": value if value not in (None, "") else (lead.estimated_value or Decimal(0)),
        "pipeline_id": str(pipeline.id),
        "stage_id": str(stage.id),
        "source": lead.source,
        "owner_id": str(lead.owner_id) if lead.owner_id else None,
        "contacts": [{"contact_id": str(contact.id), "primary": True}],
        "tag_ids": [str(tag.id) for tag in lead.tags],
    }
    if company is not None:
        data["company_id"] = str(company.id)
    try:
        deal = create_deal(data, actor=actor)
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, details={f"deal.{key}": value for key, value in exc.details.items()}
        ) from exc
    _share_history(lead, [deal.id])
    return deal


def _conversion_form(lead, submitted) -> dict:
    """What the lead conversion form shows for the deal: its name, value and pipeline."""

    default_pipeline()
    name = f"{lead.company_name} deal" if lead.company_name else f"{lead.name} deal"
    return {
        "pipelines": list_pipelines(),
        "name": submitted.get("deal_name", name),
        "value": submitted.get("deal_value", "" if lead.estimated_value is None else str(lead.estimated_value)),
        "pipeline_id": submitted.get("deal_pipeline_id", ""),
    }


# The lead conversion form shows the deal's inputs from this template.
create_deal_from_lead.form_template = "crm/deals/_conversion_fields.html"
create_deal_from_lead.form_context = _conversion_form


def keep_a_primary_contact(record_type, survivor_id, merged_ids) -> None:
    """Merge step (app.crm.duplicates): a deal whose primary contact was merged into one it
    already listed kept only the survivor's link; that link becomes the primary."""
    if record_type.name != "contact":
        return
    has_primary = select(DealContact.deal_id).where(DealContact.is_primary)
    db.session.execute(
        update(DealContact)
        .where(DealContact.contact_id == survivor_id, DealContact.deal_id.not_in(has_primary))
        .values(is_primary=True)
        .execution_options(synchronize_session=False)
    )


# A contact still on the way to buying; a customer, an evangelist or "other" stays as they are.
BEFORE_CUSTOMER = (
    LifecycleStage.SUBSCRIBER,
    LifecycleStage.LEAD,
    LifecycleStage.MQL,
    LifecycleStage.SQL,
    LifecycleStage.OPPORTUNITY,
)


def contacts_become_customers(event, deal: Deal) -> None:
    """In-transaction subscriber of `deal.won`: the deal's contacts who had not bought yet become
    customers. Each contact's timeline shows the change, made by the won deal (whoever moved
    the deal may not own the contact, and the rule, not they, changes it)."""
    buyers = [
        link.contact
        for link in deal.contact_links
        if link.contact.lifecycle_stage in BEFORE_CUSTOMER and not CONTACTS.locked(link.contact, "edit")
    ]
    if not buyers:
        return
    actor = SystemActor(f"Won deal: {deal.name}", {CONTACTS.permission("edit")})
    for contact in buyers:
        update_record(CONTACTS, contact, {"lifecycle_stage": LifecycleStage.CUSTOMER}, actor=actor)
