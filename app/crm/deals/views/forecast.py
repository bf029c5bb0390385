"""The forecast page (chart, tables, leaderboard, performance, accuracy), its CSV export,
the quotas managers set and the probability bands of the commit categories."""

from datetime import date

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import can, requires_permission
from app.core.errors import ValidationFailed
from app.core.ids import parse_uuid
from app.core.transactions import undone_if_refused
from app.crm.deals.services import forecast as service
from app.crm.deals.services.pipelines import list_pipelines
from app.crm.deals.views import bp
from app.records.forms import ConfirmForm
from app.records.normalize import workspace_today
from app.records.owner import active_users

QUOTA_MONTHS = 3


def _scope():
    pipeline_id = parse_uuid(request.args.get("pipeline")) if request.args.get("pipeline") else None
    owner_id = parse_uuid(request.args.get("owner_id")) if request.args.get("owner_id") else None
    if request.args.get("owner_id") == "me":
        owner_id = current_user.id
    return pipeline_id, owner_id


def _won_so_far(bucket, today) -> float | None:
    return None if bucket.start is not None and today is not None and bucket.start > today else float(bucket.won)


def _chart(forecast, period: str) -> dict:
    buckets = forecast.quarters if period == "quarter" else forecast.months
    return {
        "type": "bar",
        "labels": [bucket.label for bucket in buckets],
        "datasets": [
            {"label": "Weighted", "values": [float(b.weighted) for b in buckets], "color": "#4f46e5"},
            {"label": "Likely", "values": [float(b.likely_total) for b in buckets], "color": "#0dcaf0"},
            # Nothing is won yet in a month to come: no bar there, where a line fell to 0 as if
            # those months were lost (and the current month alone is one bar, not a lone dot).
            {"label": "Won", "values": [_won_so_far(b, forecast.today) for b in buckets], "color": "#198754"},
        ],
    }


@bp.route("/deals/forecast")
@requires_permission("deals.view")
def forecast():
    pipeline_id, owner_id = _scope()
    period = "quarter" if request.args.get("period") == "quarter" else "month"
    result = service.build_forecast(actor=current_user, pipeline_id=pipeline_id, owner_id=owner_id)
    this_month = service.month_start(result.today)
    return render_template(
        "crm/deals/forecast.html",
        forecast=result,
        period=period,
        chart=_chart(result, period),
        pipelines=list_pipelines(),
        users=active_users(),
        pipeline_id=pipeline_id,
        owner_id=request.args.get("owner_id", ""),
        leaderboard=service.leaderboard(this_month, actor=current_user),
        performance=service.performance(actor=current_user, pipeline_id=pipeline_id),
        accuracy=service.forecast_accuracy(actor=current_user),
        this_month=this_month,
    )


@bp.route("/deals/forecast.csv")
@requires_permission("deals.export")
def forecast_export():
    pipeline_id, owner_id = _scope()
    result = service.build_forecast(actor=current_user, pipeline_id=pipeline_id, owner_id=owner_id)
    body = service.forecast_csv(result)
    filename = f"forecast-{result.today:%Y-%m-%d}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/deals/quotas", methods=["GET", "POST"])
@requires_permission("quotas.view")
def quotas():
    """Monthly quotas per user (managers set them) and the commit categories' bands."""
    today = workspace_today()
    first = service.quota_month(request.values.get("month") or today)
    months = [service.add_months(first, offset) for offset in range(QUOTA_MONTHS)]
    errors = {}
    if request.method == "POST":
        if not can(current_user, "quotas.edit"):
            return redirect(url_for("deals.quotas"))
        try:
            _save_quotas(months)
        except ValidationFailed as exc:
            errors = exc.details
        else:
            flash("Quotas saved.", "success")
            return redirect(url_for("deals.quotas", month=first.isoformat()))
    return render_template(
        "crm/deals/quotas.html",
        months=months,
        first=first,
        previous=service.add_months(first, -1),
        next=service.add_months(first, 1),
        users=active_users(),
        quotas={month: service.quotas_for(month) for month in months},
        bands=service.forecast_bands(),
        errors=errors,
        form=ConfirmForm(),
        submitted=request.form if errors else None,
    ), (422 if errors else 200)


def _save_quotas(months: list[date]) -> None:
    """Every quota input of the grid (`quota-<user id>-<YYYY-MM>`), all or nothing."""
    problems = {}
    for user in active_users():
        for month in months:
            key = f"quota-{user.id}-{month:%Y-%m}"
            if key not in request.form:
                continue
            try:
                service.set_quota(user.id, month, request.form[key].strip(), actor=current_user)
            except ValidationFailed as exc:
                problems[key] = exc.detail_messages()
    if problems:
        raise ValidationFailed("Check the quotas.", details=problems)


@bp.route("/deals/forecast/bands", methods=["POST"])
@requires_permission("quotas.edit")
def forecast_bands():
    try:
        with undone_if_refused():
            service.set_forecast_bands(request.form, actor=current_user)
    except ValidationFailed as exc:
        flash(" ".join(exc.detail_messages()), "danger")
        return redirect(url_for("deals.quotas"))
    flash("Forecast bands saved.", "success")
    return redirect(url_for("deals.quotas"))
