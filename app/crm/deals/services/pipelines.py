"""Pipelines, their stages and the close-reason list: reading them, the standard pipeline
every workspace starts with, and the managers' changes (counted against `pipelines`)."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import contains_eager

from app.auth.permissions import check_permission
from app.core.audit import record_audit
from app.core.context import require_tenant_id
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.lookups import get_or_404
from app.core.models import tenant_join
from app.core.request_cache import forget, per_request
from app.core.validation import Errors
from app.crm.deals.models import Deal, DealReason, Pipeline, Stage, StageKind
from app.plans.services import check_writable, enforce, entitlements
from app.records.registry import record_type_of
from app.records.services import update_record
from app.tenants.models import Tenant

STANDARD_STAGES = (
    # name, probability, colour, rotting days, kind
    ("Prospecting", 10, "#6c757d", 14, StageKind.OPEN),
    ("Qualification", 25, "#0dcaf0", 14, StageKind.OPEN),
    ("Proposal", 50, "#0d6efd", 10, StageKind.OPEN),
    ("Negotiation", 75, "#fd7e14", 7, StageKind.OPEN),
    ("Closed won", 100, "#198754", None, StageKind.WON),
    ("Closed lost", 0, "#dc3545", None, StageKind.LOST),
)
STANDARD_REASONS = {
    StageKind.LOST: ("Price", "Chose a competitor", "No budget", "No decision", "Bad timing"),
    StageKind.WON: ("Best value", "Relationship", "Product fit"),
}
MAX_STAGES = 30
MAX_REASONS = 50
MAX_POSITION = 10_000
HEX = set("0123456789abcdef")


# ---------------------------------------------------------------------------- reading


def _all_stages() -> list[Stage]:
    """Every stage with its pipeline, in board order: one query answers both lists."""
    return per_request(
        "deal_stages",
        lambda: list(
            db.session.scalars(
                select(Stage)
                .join(Pipeline, tenant_join(Pipeline.id, Stage.pipeline_id))
                .options(contains_eager(Stage.pipeline))
                .order_by(Pipeline.position, Pipeline.name, Pipeline.id, Stage.position, Stage.id)
            )
        ),
    )


def list_pipelines() -> list[Pipeline]:
    """The workspace's pipelines in order (the first is the default). A pipeline always has
    a stage (the services keep at least one), so the stages' query names them all."""

    def pipelines_in_order() -> list[Pipeline]:
        pipelines = []
        for stage in _all_stages():
            if not pipelines or pipelines[-1].id != stage.pipeline_id:
                pipelines.append(stage.pipeline)
        return pipelines

    # Every row of a list names its stage through stage_label(): walk the stages once.
    return per_request("deal_pipelines", pipelines_in_order)


def list_stages(pipeline_id=None) -> list[Stage]:
    """Every stage of every pipeline (pipeline order, then stage order), once per request."""
    return [stage for stage in _all_stages() if pipeline_id is None or stage.pipeline_id == pipeline_id]


def stage_label(stage: Stage) -> str:
    """ "Proposal", or "Enterprise · Proposal" when the workspace has several pipelines."""
    if len(list_pipelines()) > 1 and stage.pipeline is not None:
        return f"{stage.pipeline.name} · {stage.name}"
    return stage.name


def list_reasons(kind: str | None = None, *, active_only: bool = True) -> list[DealReason]:
    reasons = per_request(
        "deal_reasons",
        lambda: list(db.session.scalars(select(DealReason).order_by(DealReason.kind, DealReason.position))),
    )
    return [
        reason for reason in reasons if (kind is None or reason.kind == kind) and (reason.is_active or not active_only)
    ]


def reason_label(reason: DealReason) -> str:
    return f"{StageKind.LABELS[reason.kind]}: {reason.label}"


def count_pipelines(tenant_id) -> int:
    """The plan's `pipelines` usage (the current tenant's, whose id the counter is given)."""
    return db.session.scalar(select(func.count(Pipeline.id)).where(Pipeline.tenant_id == tenant_id))


def get_pipeline(pipeline_id) -> Pipeline:
    return get_or_404(Pipeline, pipeline_id)


def get_stage(stage_id) -> Stage:
    return get_or_404(Stage, stage_id)


def first_stage_of_kind(pipeline_id, kind: str) -> Stage | None:
    """The pipeline's first stage of `kind` (a deal marked won or lost goes there)."""
    return db.session.scalar(
        select(Stage).where(Stage.pipeline_id == pipeline_id, Stage.kind == kind).order_by(Stage.position).limit(1)
    )


def first_open_stage(pipeline: Pipeline) -> Stage | None:
    stages = list(pipeline.stages)
    return next((stage for stage in stages if stage.kind == StageKind.OPEN), stages[0] if stages else None)


def _forget() -> None:
    for key in ("deal_stages", "deal_reasons"):
        forget(key)


# ---------------------------------------------------------------------------- the standard pipeline


def default_pipeline() -> Pipeline | None:
    """The first pipeline; a workspace without one gets the standard six-stage pipeline (and
    the standard close reasons) the first time it needs one. None while it is read-only."""
    pipelines = list_pipelines()
    if pipelines:
        return pipelines[0]
    tenant = db.session.get(Tenant, require_tenant_id())
    if entitlements(tenant).read_only:
        return None
    # The tenant row lock makes two first requests agree: the second finds the first's pipeline.
    enforce("pipelines")
    existing = db.session.scalar(select(Pipeline).order_by(Pipeline.position).limit(1))
    if existing is not None:
        _forget()
        return existing
    pipeline = Pipeline(name="Sales pipeline", position=0)
    db.session.add(pipeline)
    for position, (name, probability, color, rotting, kind) in enumerate(STANDARD_STAGES):
        pipeline.stages.append(
            Stage(name=name, probability=probability, color=color, rotting_days=rotting, kind=kind, position=position)
        )
    if db.session.scalar(select(func.count(DealReason.id))) == 0:
        for kind, labels in STANDARD_REASONS.items():
            for position, label in enumerate(labels):
                db.session.add(DealReason(kind=kind, label=label, position=position))
    db.session.flush()
    _forget()
    return pipeline


# ---------------------------------------------------------------------------- checking input


def _whole_number(value) -> int | None:
    """`value` (a number or its text) as an int; None when it is not one, a boolean included."""
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _report_unknown_keys(data: dict, allowed: set[str], errors: Errors) -> None:
    """ "Unknown field." for each key outside `allowed`, reported with the other problems rather
    than raised on its own as check_known_keys does."""
    for key in sorted(set(map(str, data)) - allowed):
        errors.add(key, "Unknown field.")


def _clean_stage_values(data: dict, errors: Errors, *, creating: bool) -> dict:
    cleaned = {}
    if "name" in data or creating:
        name = data.get("name")
        name = name.strip() if isinstance(name, str) else ""
        if not name:
            errors.add("name", "Name the stage.")
        elif len(name) > 80:
            errors.add("name", "Use at most 80 characters.")
        cleaned["name"] = name
    if "probability" in data:
        number = _whole_number(data["probability"])
        if number is None or not 0 <= number <= 100:
            errors.add("probability", "Enter a whole number from 0 to 100.")
        cleaned["probability"] = number
    if "color" in data:
        color = str(data["color"] or "").strip().lower()
        if not (len(color) == 7 and color.startswith("#") and set(color[1:]) <= HEX):
            errors.add("color", "Pick a colour such as #3b82f6.")
        cleaned["color"] = color
    if "rotting_days" in data:
        value = data["rotting_days"]
        if value in (None, "", 0, "0"):
            cleaned["rotting_days"] = None
        else:
            days = _whole_number(value)
            if days is None or not 1 <= days <= 365:
                errors.add("rotting_days", "Enter a number of days from 1 to 365, or leave it empty.")
            cleaned["rotting_days"] = days
    if "kind" in data:
        if data["kind"] not in StageKind.ALL:
            errors.add("kind", "Choose open, won or lost.")
        cleaned["kind"] = data["kind"]
    allowed = {"name", "probability", "color", "rotting_days", "kind", "pipeline_id", "position"}
    _report_unknown_keys(data, allowed, errors)
    return cleaned


def _clean_pipeline_name(data: dict, errors: Errors, pipeline: Pipeline | None) -> str | None:
    if "name" not in data and pipeline is not None:
        return None
    name = data.get("name")
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        errors.add("name", "Name the pipeline.")
        return None
    if len(name) > 100:
        errors.add("name", "Use at most 100 characters.")
        return None
    # Compared in Python: SQLite's lower() folds only ASCII, and the list is short.
    folded = name.casefold()
    clash = next((item for item in list_pipelines() if item.name.casefold() == folded), None)
    if clash is not None and clash is not pipeline:
        errors.add("name", "Another pipeline has this name.")
    return name


# ---------------------------------------------------------------------------- pipelines


def create_pipeline(data: dict, *, actor) -> Pipeline:
    """A new pipeline with the stages given (`stages`: [{name, probability, …}]), or with
    copies of the standard stages when none are given."""
    check_permission(actor, "pipelines.create")
    check_writable()
    default_pipeline()
    errors = Errors()
    _report_unknown_keys(data, {"name", "stages"}, errors)
    name = _clean_pipeline_name(data, errors, None)
    stages = data.get("stages")
    if stages is None:
        stages = [
            {"name": n, "probability": p, "color": c, "rotting_days": r, "kind": k} for n, p, c, r, k in STANDARD_STAGES
        ]
    if not isinstance(stages, list) or not stages or len(stages) > MAX_STAGES:
        errors.add("stages", f"Give from 1 to {MAX_STAGES} stages.")
        stages = []
    cleaned_stages = []
    for index, item in enumerate(stages):
        stage_errors = Errors()
        cleaned = _clean_stage_values(item if isinstance(item, dict) else {}, stage_errors, creating=True)
        for key, messages in stage_errors.details.items():
            for message in messages:
                errors.add(f"stages.{index}.{key}", message)
        cleaned_stages.append(cleaned)
    errors.raise_if_any("Check the pipeline.")
    enforce("pipelines")
    position = (db.session.scalar(select(func.max(Pipeline.position))) or 0) + 1
    pipeline = Pipeline(name=name, position=position)
    db.session.add(pipeline)
    for index, values in enumerate(cleaned_stages):
        values.setdefault("kind", StageKind.OPEN)
        values.setdefault("probability", 100 if values["kind"] == StageKind.WON else 0)
        pipeline.stages.append(Stage(position=index, **values))
    db.session.flush()
    _forget()
    record_audit("pipeline.created", actor=actor, target=pipeline, target_label=pipeline.name)
    return pipeline


def update_pipeline(pipeline: Pipeline, data: dict, *, actor) -> Pipeline:
    check_permission(actor, "pipelines.edit")
    check_writable()
    errors = Errors()
    _report_unknown_keys(data, {"name", "position"}, errors)
    name = _clean_pipeline_name(data, errors, pipeline)
    position = data.get("position")
    if position is not None and (
        isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= MAX_POSITION
    ):
        errors.add("position", f"Use a whole number from 0 to {MAX_POSITION:,}.")
    errors.raise_if_any("Check the pipeline.")
    if name is not None:
        pipeline.name = name
    if position is not None:
        pipeline.position = position
    db.session.flush()
    _forget()
    record_audit("pipeline.updated", actor=actor, target=pipeline, target_label=pipeline.name)
    return pipeline


def delete_pipeline(pipeline: Pipeline, *, actor) -> None:
    """Only an empty pipeline goes, and never the last one."""
    check_permission(actor, "pipelines.delete")
    check_writable()
    if db.session.scalar(select(func.count(Pipeline.id))) <= 1:
        raise Conflict("A workspace keeps at least one pipeline.")
    if db.session.scalar(select(Deal.id).where(Deal.pipeline_id == pipeline.id).limit(1)) is not None:
        raise Conflict("This pipeline still has deals: move or delete them first.")
    name = pipeline.name
    db.session.delete(pipeline)
    db.session.flush()
    _forget()
    record_audit("pipeline.deleted", actor=actor, target_label=name)


# ---------------------------------------------------------------------------- stages


def create_stage(pipeline: Pipeline, data: dict, *, actor) -> Stage:
    check_permission(actor, "pipelines.edit")
    check_writable()
    errors = Errors()
    cleaned = _clean_stage_values(data, errors, creating=True)
    if len(pipeline.stages) >= MAX_STAGES:
        errors.add("name", f"A pipeline has at most {MAX_STAGES} stages.")
    errors.raise_if_any("Check the stage.")
    cleaned.setdefault("kind", StageKind.OPEN)
    cleaned.setdefault("probability", 100 if cleaned["kind"] == StageKind.WON else 0)
    stages = list(pipeline.stages)
    # New open stages go before the closed ones; won and lost stages at the end.
    closed_from = next((i for i, stage in enumerate(stages) if stage.is_closed), len(stages))
    index = closed_from if cleaned["kind"] == StageKind.OPEN else len(stages)
    stage = Stage(**cleaned)
    stages.insert(index, stage)
    pipeline.stages = stages
    for position, item in enumerate(stages):
        item.position = position
    db.session.flush()
    _forget()
    record_audit("pipeline.stage_created", actor=actor, target=pipeline, target_label=f"{pipeline.name}: {stage.name}")
    return stage


def update_stage(stage: Stage, data: dict, *, actor) -> Stage:
    """Change a stage. A new default probability reaches the deals that follow it."""
    check_permission(actor, "pipelines.edit")
    check_writable()
    errors = Errors()
    cleaned = _clean_stage_values(data, errors, creating=False)
    if "kind" in cleaned and cleaned["kind"] != stage.kind and _has_deals(stage):
        errors.add("kind", "Move this stage's deals elsewhere before changing its kind.")
    errors.raise_if_any("Check the stage.")
    for key, value in cleaned.items():
        setattr(stage, key, value)
    if "probability" in cleaned:
        db.session.execute(
            update(Deal)
            .where(Deal.stage_id == stage.id, Deal.probability_is_custom.is_(False))
            .values(probability=stage.probability)
            .execution_options(synchronize_session="fetch")
        )
    db.session.flush()
    _forget()
    record_audit(
        "pipeline.stage_updated", actor=actor, target=stage, target_label=f"{stage.pipeline.name}: {stage.name}"
    )
    return stage


def reorder_stages(pipeline: Pipeline, ordered_ids: list, *, actor) -> list[Stage]:
    """The stages in the order given (every stage of the pipeline, once)."""
    check_permission(actor, "pipelines.edit")
    check_writable()
    stages = {str(stage.id): stage for stage in pipeline.stages}
    wanted = [str(item) for item in ordered_ids or []]
    if sorted(wanted) != sorted(stages):
        raise ValidationFailed(
            "Give every stage once.", details={"stage_ids": ["Give every stage of the pipeline once."]}
        )
    for position, stage_id in enumerate(wanted):
        stages[stage_id].position = position
    db.session.flush()
    db.session.expire(pipeline, ["stages"])
    _forget()
    record_audit("pipeline.stages_reordered", actor=actor, target=pipeline, target_label=pipeline.name)
    return list(pipeline.stages)


def move_deals_to_stage(stage: Stage, target: Stage, *, actor) -> int:
    """Every deal of `stage` moves to `target` (a stage about to be deleted), each with its
    history row and events. Moving into a lost stage needs each deal's reason: refused then."""
    if target.kind == StageKind.LOST:
        raise ValidationFailed(
            "Choose an open or won stage.",
            details={"move_to_stage_id": ["Lost deals need a reason each: move them to an open or won stage."]},
        )
    # The deal declaration imports this module (for its stage and pipeline options), so the
    # declaration is found where wiring registered it rather than imported back.
    deals_type = record_type_of(Deal)
    deals = list(db.session.scalars(select(Deal).where(Deal.stage_id == stage.id).order_by(Deal.board_rank, Deal.id)))
    for deal in deals:
        update_record(
            deals_type, deal, {"pipeline_id": str(target.pipeline_id), "stage_id": str(target.id)}, actor=actor
        )
    return len(deals)


def _has_deals(stage: Stage) -> bool:
    return db.session.scalar(select(Deal.id).where(Deal.stage_id == stage.id).limit(1)) is not None


def delete_stage(stage: Stage, *, actor, move_to: Stage | None = None) -> int:
    """Delete a stage; its deals (if any) move to `move_to` first, which must be given then.
    Returns how many deals moved."""

    check_permission(actor, "pipelines.edit")
    check_writable()
    pipeline = stage.pipeline
    if len(pipeline.stages) <= 1:
        raise Conflict("A pipeline keeps at least one stage.")
    moved = 0
    if _has_deals(stage):
        if move_to is None:
            raise ValidationFailed(
                "This stage has deals.", details={"move_to_stage_id": ["Choose the stage its deals move to."]}
            )
        if move_to.id == stage.id:
            raise ValidationFailed(
                "Choose another stage.", details={"move_to_stage_id": ["Choose another stage than the one deleted."]}
            )
        moved = move_deals_to_stage(stage, move_to, actor=actor)
    label = f"{pipeline.name}: {stage.name}"
    pipeline.stages.remove(stage)
    for position, item in enumerate(pipeline.stages):
        item.position = position
    db.session.flush()
    _forget()
    record_audit("pipeline.stage_deleted", actor=actor, target=pipeline, target_label=label, details={"moved": moved})
    return moved


# ---------------------------------------------------------------------------- close reasons


def create_reason(data: dict, *, actor) -> DealReason:
    check_permission(actor, "pipelines.edit")
    check_writable()
    errors = Errors()
    kind = data.get("kind")
    if kind not in StageKind.CLOSED:
        errors.add("kind", "Choose won or lost.")
    label = data.get("label")
    label = label.strip() if isinstance(label, str) else ""
    if not label or len(label) > 120:
        errors.add("label", "Write a reason of up to 120 characters.")
    elif kind in StageKind.CLOSED and any(
        r.label.lower() == label.lower() for r in list_reasons(kind, active_only=False)
    ):
        errors.add("label", "This reason is already listed.")
    if len(list_reasons(active_only=False)) >= MAX_REASONS:
        errors.add("label", f"Keep at most {MAX_REASONS} reasons.")
    errors.raise_if_any("Check the reason.")
    position = len(list_reasons(kind, active_only=False))
    reason = DealReason(kind=kind, label=label, position=position)
    db.session.add(reason)
    db.session.flush()
    _forget()
    record_audit("deal_reason.created", actor=actor, target=reason, target_label=reason_label(reason))
    return reason


def set_reason_active(reason: DealReason, active: bool, *, actor) -> DealReason:
    """Reasons are retired rather than deleted: closed deals keep naming them."""
    check_permission(actor, "pipelines.edit")
    check_writable()
    reason.is_active = bool(active)
    db.session.flush()
    _forget()
    record_audit(
        "deal_reason.updated", actor=actor, target=reason, target_label=reason_label(reason), details={"active": active}
    )
    return reason


def get_reason(reason_id) -> DealReason:
    return get_or_404(DealReason, reason_id)
