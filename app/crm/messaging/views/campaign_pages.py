"""The campaign pages: list, new draft, results with progress and chart, start, cancel,
resume, delete (routes of the messaging blueprint)."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import can, requires_permission
from app.core.errors import Conflict, ValidationFailed
from app.core.forms import delete_and_redirect, save_form
from app.crm.messaging import message_templates
from app.crm.messaging.campaigns import audiences as campaign_audiences
from app.crm.messaging.campaigns import results as campaign_results
from app.crm.messaging.campaigns import services as campaign_services
from app.crm.messaging.forms import CampaignForm
from app.crm.messaging.models import Campaign, CampaignStatus, Channel, MessageStatus
from app.crm.messaging.views import bp
from app.records.forms import ConfirmForm


@bp.route("/campaigns", endpoint="campaigns")
@requires_permission("campaigns.view")
def campaigns_index():
    page = campaign_services.list_campaigns(cursor=request.args.get("cursor"))
    return render_template(
        "crm/messaging/campaigns_index.html",
        page=page,
        stats=campaign_results.campaign_stats([c.id for c in page.items]),
        tracks_opens=campaign_results.tracks_opens,
        labels=CampaignStatus.LABELS,
        badges=CampaignStatus.BADGES,
        channel_labels=Channel.LABELS,
    )


def _campaign_form(form: CampaignForm) -> CampaignForm:
    form.template_id.choices = [("", "Choose…")] + [
        (str(t.id), f"{t.name} ({Channel.LABELS[t.channel]})") for t in message_templates.list_templates()
    ]
    form.audience.choices = [("", "Choose…"), *campaign_audiences.audience_options(current_user)]
    return form


@bp.route("/campaigns/new", methods=["GET", "POST"])
@requires_permission("campaigns.create")
def new_campaign():
    form = _campaign_form(CampaignForm())
    campaign = save_form(form, lambda: campaign_services.create_campaign(form.to_data(), actor=current_user))
    if campaign is not None:
        flash(f"Campaign “{campaign.name}” saved as a draft. Check it, then start it.", "success")
        return redirect(url_for("messaging.campaign", campaign_id=campaign.id))
    page = render_template("crm/messaging/campaign_form.html", form=form)
    return (page, 422) if request.method == "POST" else page


@bp.route("/campaigns/<uuid:campaign_id>/edit", methods=["GET", "POST"])
@requires_permission("campaigns.edit")
def edit_campaign(campaign_id):
    item = campaign_services.get_campaign(campaign_id)
    if item.status != CampaignStatus.DRAFT:
        flash("Only a draft campaign can be changed.", "warning")
        return redirect(url_for("messaging.campaign", campaign_id=item.id))
    form = _campaign_form(CampaignForm(data=campaign_services.campaign_values(item)))
    if save_form(form, lambda: campaign_services.update_campaign(item, form.to_data(), actor=current_user)):
        flash(f"Campaign “{item.name}” saved.", "success")
        return redirect(url_for("messaging.campaign", campaign_id=item.id))
    page = render_template("crm/messaging/campaign_form.html", form=form, campaign=item)
    return (page, 422) if request.method == "POST" else page


def _campaign_context(campaign: Campaign) -> dict:
    stats = campaign_results.campaign_stats([campaign.id])[campaign.id]
    draft = campaign.status == CampaignStatus.DRAFT
    # Before it starts: who it would reach (after, the recipients list says who it did).
    reach = campaign_audiences.audience_reach(campaign, current_user) if draft else None
    return {
        "campaign": campaign,
        "stats": stats,
        "chart": campaign_results.stats_chart(stats, campaign.channel),
        "labels": CampaignStatus.LABELS,
        "badges": CampaignStatus.BADGES,
        "channel_label": Channel.LABELS.get(campaign.channel, campaign.channel),
        # Before it starts, what it will send, as its template renders now.
        "can_preview": not campaign.has_started and can(current_user, "message_templates.view"),
        "can_edit": can(current_user, "campaigns.edit"),
        "can_delete": can(current_user, "campaigns.delete"),
        "status_labels": MessageStatus.LABELS,
        "status_badges": MessageStatus.BADGES,
        "outcome_labels": campaign_results.outcome_labels(campaign.channel),
        "confirm_form": ConfirmForm(),
        "active": campaign.status in CampaignStatus.ACTIVE,
        "reach": reach,
        # Its segment, tag or view deleted since (or not the reader's to send to): Start refuses it.
        "audience_gone": draft and reach is None,
    }


@bp.route("/campaigns/<uuid:campaign_id>")
@requires_permission("campaigns.view")
def campaign(campaign_id):
    item = campaign_services.get_campaign(campaign_id)
    outcome = request.args.get("outcome") or None
    page = campaign_results.campaign_messages(item, outcome=outcome, cursor=request.args.get("cursor"))
    return render_template("crm/messaging/campaign_show.html", page=page, outcome=outcome, **_campaign_context(item))


@bp.route("/campaigns/<uuid:campaign_id>/progress")
@requires_permission("campaigns.view")
def campaign_progress(campaign_id):
    return render_template(
        "crm/messaging/_campaign_progress.html", **_campaign_context(campaign_services.get_campaign(campaign_id))
    )


def _add_campaign_action(path: str, action, done: str) -> None:
    """POST /campaigns/<id>/<path> (endpoint `<path>_campaign`, for editors): `action` on the
    campaign, then back to its page with `done` flashed (`{name}` filled in), or the refusal."""

    @bp.route(f"/campaigns/<uuid:campaign_id>/{path}", methods=["POST"], endpoint=f"{path}_campaign")
    @requires_permission("campaigns.edit")
    def act(campaign_id):
        item = campaign_services.get_campaign(campaign_id)
        try:
            action(item, actor=current_user)
        except (Conflict, ValidationFailed) as exc:
            flash(exc.one_line(), "danger")
        else:
            flash(done.format(name=item.name), "success")
        return redirect(url_for("messaging.campaign", campaign_id=item.id))


_add_campaign_action("launch", campaign_services.launch_campaign, "“{name}” started: it sends in batches.")
_add_campaign_action("cancel", campaign_services.cancel_campaign, "“{name}” canceled: nothing more goes out.")
_add_campaign_action("resume", campaign_services.resume_campaign, "“{name}” resumed.")


@bp.route("/campaigns/<uuid:campaign_id>/delete", methods=["POST"])
@requires_permission("campaigns.delete")
def delete_campaign(campaign_id):
    return delete_and_redirect(
        campaign_services.get_campaign(campaign_id),
        campaign_services.delete_campaign,
        "Campaign deleted.",
        url_for("messaging.campaigns"),
        refused_to=url_for("messaging.campaign", campaign_id=campaign_id),
    )
