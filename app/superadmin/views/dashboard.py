"""Console overview."""

from flask import redirect, render_template, url_for

from app.superadmin import dashboard
from app.superadmin.access import audited_read, is_platform_admin, requires_platform_admin
from app.superadmin.views import bp


@bp.route("/")
def index():
    # The one console page that answers an anonymous visitor: it points them to the sign-in.
    if not is_platform_admin():
        return redirect(url_for("console.login"))
    return _overview()


@requires_platform_admin
@audited_read("console.dashboard_viewed", tenant_arg=None)
def _overview():
    return render_template("superadmin/dashboard.html", **dashboard.overview())
