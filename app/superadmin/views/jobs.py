"""The jobs page: scheduler heartbeat, each job's last run, failures, dead-letter emails."""

from flask import flash, redirect, render_template, url_for

from app.core.errors import AppError
from app.core.extensions import db
from app.superadmin import scheduler_status
from app.superadmin.access import audited_read, requires_platform_admin
from app.superadmin.views import bp


@bp.route("/jobs")
@requires_platform_admin
@audited_read("console.jobs_viewed", tenant_arg=None)
def jobs():
    return render_template(
        "superadmin/jobs.html",
        health=scheduler_status.scheduler_health(),
        jobs=scheduler_status.job_table(),
        failures=scheduler_status.recent_failures(),
        tenant_jobs=scheduler_status.tenant_job_count(),
        outbox=scheduler_status.outbox_summary(),
    )


@bp.route("/jobs/outbox/<uuid:tenant_id>/<uuid:message_id>/retry", methods=["POST"])
@requires_platform_admin
def retry_message(tenant_id, message_id):
    try:
        with db.session.begin_nested():
            message = scheduler_status.retry_dead_message(tenant_id, message_id)
    except AppError as exc:
        flash(exc.message, "danger")
    else:
        flash(f"The email to {message.payload.get('to')} is queued again and is being sent.", "success")
    return redirect(url_for("console.jobs"))
