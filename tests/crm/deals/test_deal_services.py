"""Deals through the services: the standard pipeline, stage moves and their history,
closing with reasons, probability following the stage, the plan's deal limit."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.core.errors import PlanLimitExceeded, ValidationFailed
from app.core.events import DomainEvent
from app.core.extensions import db
from app.crm.activities.models import Activity
from app.crm.deals.models import Deal, DealStatus, Pipeline, StageChange
from app.crm.deals.services import deals as deal_services
from app.crm.deals.services.pipelines import default_pipeline, list_reasons
from app.crm.deals.stage_history import stage_history
from tests.crm.conftest import timeline


def _stages(pipeline):
    return {stage.name: stage for stage in pipeline.stages}


def test_a_new_workspace_gets_the_standard_pipeline_once(as_user, tenant_a):
    with as_user(tenant_a):
        pipeline = default_pipeline()
        assert [stage.name for stage in pipeline.stages] == [
            "Prospecting",
            "Qualification",
            "Proposal",
            "Negotiation",
            "Closed won",
            "Closed lost",
        ]
        assert [stage.kind for stage in pipeline.stages][-2:] == ["won", "lost"]
        assert default_pipeline() is pipeline
        assert db.session.scalar(select(func.count(Pipeline.id))) == 1
        assert {reason.kind for reason in list_reasons()} == {"won", "lost"}


def test_create_puts_the_deal_in_the_first_stage_with_its_probability(as_user, tenant_a):
    with as_user(tenant_a) as owner:
        deal = deal_services.create_deal({"name": "Rebrand", "value": "1000"}, actor=owner)
        assert deal.stage.name == "Prospecting"
        assert deal.probability == 10
        assert deal.weighted_value == Decimal("100.00")
        assert deal.currency == "USD"
        assert deal.owner_id == owner.id
        history = db.session.scalars(select(StageChange).where(StageChange.deal_id == deal.id)).all()
        assert [(item.from_stage_id, item.to_stage_name) for item in history] == [(None, "Prospecting")]


def test_an_empty_probability_follows_the_stage(as_user, tenant_a):
    # The form sends the field it says to "leave empty to use the stage's probability" as "".
    with as_user(tenant_a) as owner:
        deal = deal_services.create_deal({"name": "Rebrand", "value": "1000", "probability": ""}, actor=owner)
        assert (deal.probability, deal.probability_is_custom) == (10, False)
        stages = _stages(deal.pipeline)
        deal_services.update_deal(deal, {"probability": "35"}, actor=owner)
        assert (deal.probability, deal.probability_is_custom) == (35, True)
        deal_services.update_deal(deal, {"probability": ""}, actor=owner)
        deal_services.move_deal(deal, {"stage_id": str(stages["Proposal"].id)}, actor=owner)
        assert (deal.probability, deal.probability_is_custom) == (50, False)


def test_moving_records_history_and_closing_needs_a_lost_reason(as_user, tenant_a):
    with as_user(tenant_a) as owner:
        deal = deal_services.create_deal({"name": "Rebrand", "value": "1000"}, actor=owner)
        stages = _stages(deal.pipeline)
        deal_services.move_deal(deal, {"stage_id": str(stages["Proposal"].id)}, actor=owner)
        assert deal.probability == 50
        with pytest.raises(ValidationFailed) as refused:
            deal_services.move_deal(deal, {"stage_id": str(stages["Closed lost"].id)}, actor=owner)
        assert "close_reason_id" in refused.value.details
        reason = list_reasons("lost")[0]
        deal_services.move_deal(
            deal,
            {"stage_id": str(stages["Closed lost"].id), "close_reason_id": str(reason.id), "close_note": "Too dear"},
            actor=owner,
        )
        assert deal.status == DealStatus.LOST
        assert deal.closed_at is not None
        assert deal.probability == 0
        names = [item.to_stage_name for item in stage_history(deal)]
        assert names == ["Prospecting", "Proposal", "Closed lost"]
        deal_services.move_deal(deal, {"stage_id": str(stages["Negotiation"].id)}, actor=owner)
        assert deal.status == DealStatus.OPEN
        assert deal.closed_at is None
        assert deal.close_reason_id is None


def test_deal_limit_is_enforced(as_user, make_tenant, set_tenant):
    tenant = make_tenant("gamma")
    set_tenant(tenant, limit_overrides={"deals": 1})
    with as_user(tenant) as owner:
        deal_services.create_deal({"name": "One"}, actor=owner)
        with pytest.raises(PlanLimitExceeded):
            deal_services.create_deal({"name": "Two"}, actor=owner)
        assert db.session.scalar(select(func.count(Deal.id))) == 1


def test_an_empty_pipeline_or_stage_keeps_the_deal_where_it_is(as_user, tenant_a):
    with as_user(tenant_a) as owner:
        deal = deal_services.create_deal({"name": "Rebrand"}, actor=owner)
        proposal = _stages(deal.pipeline)["Proposal"]
        deal_services.move_deal(deal, {"stage_id": str(proposal.id)}, actor=owner)
        deal_services.update_deal(deal, {"pipeline_id": None, "stage_id": None}, actor=owner)
        assert deal.stage_id == proposal.id
        deal_services.update_deal(deal, {"pipeline_id": None}, actor=owner)
        assert deal.pipeline_id == proposal.pipeline_id


def test_closing_with_a_reason_is_one_timeline_entry_that_tells_the_reason(as_user, tenant_a):
    with as_user(tenant_a) as owner:
        deal = deal_services.create_deal({"name": "Rebrand", "value": "1000"}, actor=owner)
        stages = _stages(deal.pipeline)
        reason = list_reasons("lost")[0]
        deal_services.move_deal(
            deal,
            {"stage_id": str(stages["Closed lost"].id), "close_reason_id": str(reason.id), "close_note": "Too dear"},
            actor=owner,
        )
        won = list_reasons("won")[0]
        deal_services.move_deal(
            deal, {"stage_id": str(stages["Closed won"].id), "close_reason_id": str(won.id)}, actor=owner
        )
        deal_services.update_deal(deal, {"close_note": "Signed after all"}, actor=owner)
        entries = timeline(deal.id)[::-1]  # oldest first
        assert [entry.subject for entry in entries] == [
            "Deal created",
            "Moved from Prospecting to Closed lost",
            f"Deal lost: {reason.label}",
            "Moved from Closed lost to Closed won",
            f"Deal won: {won.label}",
            "Updated outcome note",
        ]
        closing = db.session.scalars(
            select(DomainEvent).where(DomainEvent.name == "deal.updated").order_by(DomainEvent.id)
        ).all()[0]
        assert {"close_reason_id", "close_note"} <= set(closing.changes)


def test_a_stage_move_is_one_timeline_entry_and_the_update_event_keeps_every_change(as_user, tenant_a):
    with as_user(tenant_a) as owner:
        deal = deal_services.create_deal({"name": "Rebrand", "value": "1000"}, actor=owner)
        stages = _stages(deal.pipeline)
        deal_services.move_deal(deal, {"stage_id": str(stages["Proposal"].id)}, actor=owner)
        deal_services.update_deal(deal, {"stage_id": str(stages["Negotiation"].id), "name": "Rebrand 2"}, actor=owner)
        entries = timeline(deal.id)[::-1]  # oldest first
        assert [entry.subject for entry in entries] == [
            "Deal created",
            "Moved from Prospecting to Proposal",
            "Moved from Proposal to Negotiation",
            "Updated name",
        ]
        assert set(entries[-1].details["changes"]) == {"name"}
        # Workflows waiting for a stage or probability change still get it in the event.
        updates = db.session.scalars(
            select(DomainEvent).where(DomainEvent.name == "deal.updated").order_by(DomainEvent.id)
        ).all()
        assert [set(event.changes) for event in updates] == [
            {"stage_id", "probability"},
            {"name", "stage_id", "probability"},
        ]


def test_winning_a_deal_makes_its_contacts_who_had_not_bought_customers(as_user, tenant_a):
    from app.auth.models import User
    from app.crm.contacts.services import create_contact

    with as_user(tenant_a) as owner:
        prospect = create_contact({"first_name": "Ada", "lifecycle_stage": "sql"}, actor=owner)
        fan = create_contact({"first_name": "Grace", "lifecycle_stage": "evangelist"}, actor=owner)
        bystander = create_contact({"first_name": "Alan", "lifecycle_stage": "lead"}, actor=owner)
        people = [{"contact_id": str(prospect.id), "primary": True}, {"contact_id": str(fan.id)}]
        won = deal_services.create_deal({"name": "Rebrand", "contacts": people}, actor=owner)
        lost = deal_services.create_deal(
            {"name": "Lost one", "contacts": [{"contact_id": str(bystander.id)}]}, actor=owner
        )
        stages = _stages(won.pipeline)
        # A seller wins it: the rule, not they, changes the contacts.
        seller = db.session.get(User, (tenant_a.id, tenant_a.users["sales"]))
        deal_services.move_deal(won, {"stage_id": str(stages["Closed won"].id)}, actor=seller)
        reason = list_reasons("lost")[0]
        deal_services.move_deal(
            lost, {"stage_id": str(stages["Closed lost"].id), "close_reason_id": str(reason.id)}, actor=seller
        )
        assert (prospect.lifecycle_stage, fan.lifecycle_stage, bystander.lifecycle_stage) == (
            "customer",
            "evangelist",
            "lead",
        )
        entry = db.session.scalars(
            select(Activity)
            .where(Activity.record_id == prospect.id)
            .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        ).first()
        assert entry.details["changes"]["lifecycle_stage"] == {"old": "Sales qualified", "new": "Customer"}
        assert entry.details["by"] == "Won deal: Rebrand"
