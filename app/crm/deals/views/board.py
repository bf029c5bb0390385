"""The board: a pipeline's columns of cards, more cards on demand, and moves (drag and drop);
and the deal page's Won, Lost and Reopen buttons, which move a deal too."""

from urllib.parse import parse_qsl

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.auth.permissions import can, requires_permission
from app.core.errors import Conflict, ValidationFailed
from app.core.ids import parse_uuid
from app.crm.deals.models import StageKind
from app.crm.deals.record import DEALS
from app.crm.deals.services.board import board_filters, column_totals, load_board, more_cards
from app.crm.deals.services.deals import close_deal, get_deal, move_deal, reopen_deal
from app.crm.deals.services.pipelines import default_pipeline, get_stage, list_pipelines, list_reasons
from app.crm.deals.views import bp
from app.crm.tags.capability import tag_choices
from app.records.owner import owner_choices
from app.records.pages import action_state


def _chosen_pipeline(value):
    wanted = parse_uuid(value) if value else None
    pipelines = list_pipelines()
    return next((item for item in pipelines if item.id == wanted), None) or default_pipeline()


# The board's filter inputs by name: their labels, and so a refused filter's name ("Closing
# from", not expected_close_date_after), as the kit's lists name theirs.
FILTER_LABELS = {
    "q": "Search",
    "owner_id": "Owner",
    "tag_id": "Tag",
    "expected_close_date_after": "Closing from",
    "expected_close_date_before": "Closing until",
}


@bp.route("/deals/board")
@requires_permission("deals.view")
def board():
    pipeline = _chosen_pipeline(request.args.get("pipeline"))
    filters = board_filters(request.args)
    search = (request.args.get("q") or "").strip()
    errors, columns = {}, []
    if pipeline is not None:
        try:
            columns = load_board(pipeline, actor=current_user, filters=filters, search=search)
        except ValidationFailed as exc:
            errors = exc.details
    context = {
        "pipeline": pipeline,
        "pipelines": list_pipelines(),
        "columns": columns,
        "filters": filters,
        "mine": request.args.get("mine") in ("1", "true", "on"),
        "search": search,
        "errors": errors,
        "error_labels": FILTER_LABELS,
        "owner_choices": owner_choices()[1:],
        "tag_choices": tag_choices(),
        "reasons": {kind: list_reasons(kind) for kind in StageKind.CLOSED},
        "can_move": can(current_user, "deals.edit"),
        "create": action_state(DEALS, "create"),
    }
    return render_template("crm/deals/board.html", **context), (422 if errors else 200)


@bp.route("/deals/board/stages/<uuid:stage_id>/cards")
@requires_permission("deals.view")
def board_cards(stage_id):
    """The next cards of one column (the column's "Load more" button, over HTMX)."""
    stage = get_stage(stage_id)
    try:
        column = more_cards(
            stage,
            request.args.get("after", ""),
            actor=current_user,
            filters=board_filters(request.args),
            search=(request.args.get("q") or "").strip(),
        )
    except ValidationFailed as exc:
        return jsonify(error={"message": exc.message, "details": exc.details}), 422
    return render_template(
        "crm/deals/_cards.html", column=column, can_move=can(current_user, "deals.edit"), query=request.args
    )


@bp.route("/deals/<uuid:deal_id>/move", methods=["POST"])
@requires_permission("deals.edit")
def move(deal_id):
    """A card dropped on the board: the deal's new stage and place, saved at once. Answers the
    card and both columns' headers (out of band), or 422 with the reason the move is refused."""
    deal = get_deal(deal_id)
    from_stage_id = deal.stage_id
    keys = ("stage_id", "above_id", "below_id", "close_reason_id", "close_note")
    data = {key: request.form[key] for key in keys if key in request.form}
    try:
        move_deal(deal, data, actor=current_user)
    except ValidationFailed as exc:
        return jsonify(error={"message": exc.one_line(), "details": exc.details}), 422
    query = MultiDict(parse_qsl(request.form.get("board_query", "").lstrip("?")))
    stage_ids = list({from_stage_id, deal.stage_id})
    try:
        totals = column_totals(
            deal.pipeline_id, board_filters(query), (query.get("q") or "").strip(), stage_ids=stage_ids
        )
    except ValidationFailed:
        totals = column_totals(deal.pipeline_id, {}, None, stage_ids=stage_ids)
    stages = {stage_id: get_stage(stage_id) for stage_id in stage_ids}
    return render_template("crm/deals/_moved.html", deal=deal, stages=stages, totals=totals, can_move=True, query=query)


# ---------------------------------------------------------------------------- the deal page's buttons


def _back_to_deal(deal, act, done: str):
    """Run `act()` on the deal page's behalf, flash `done()` or the refusal, and go back to it."""
    try:
        act()
    except (ValidationFailed, Conflict) as exc:
        flash(exc.one_line(), "danger")
    else:
        flash(done(), "success")
    return redirect(url_for("deals.show", deal_id=deal.id))


@bp.route("/deals/<uuid:deal_id>/close", methods=["POST"])
@requires_permission("deals.edit")
def close(deal_id):
    """The deal page's Won and Lost buttons: the deal closes in its pipeline's stage of that
    kind, with the reason and note given; back on its page with the outcome or the refusal."""
    deal = get_deal(deal_id)
    outcome = request.form.get("outcome", "")
    data = {key: request.form[key] for key in ("close_reason_id", "close_note") if request.form.get(key)}
    return _back_to_deal(
        deal, lambda: close_deal(deal, outcome, data, actor=current_user), lambda: f"“{deal.name}” is {outcome}."
    )


@bp.route("/deals/<uuid:deal_id>/reopen", methods=["POST"])
@requires_permission("deals.edit")
def reopen(deal_id):
    deal = get_deal(deal_id)
    return _back_to_deal(
        deal,
        lambda: reopen_deal(deal, actor=current_user),
        lambda: f"“{deal.name}” is open again, in {deal.stage.name}.",
    )
