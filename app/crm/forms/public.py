"""The public side of web forms on the tenant's host: the hosted page, the page an embed
frames, the embed script, submission and the double opt-in link. No sign-in."""

from flask import Response, abort, redirect, render_template, request, url_for

from app.core.errors import ValidationFailed
from app.core.extensions import csrf
from app.core.hosts import TenantBlueprint
from app.core.security import add_security_headers, allow_form_action, origin_of
from app.crm.forms import intake
from app.crm.forms.services import get_form

bp = TenantBlueprint("public_forms", __name__)
MAX_BODY_BYTES = 32 * 1024


def _active_form(form_id):
    form = get_form(form_id)
    if not form.is_active:
        abort(404)
    return form


def _context_values() -> dict:
    """What the hidden attribution inputs start with: the landing page's query string (or
    what the embed script passes on from the page around it), and the referrer."""
    values = {key: request.args.get(key, "")[:500] for key in intake.ATTRIBUTION_KEYS}
    values["landing_page"] = values["landing_page"] or request.url[:500]
    values["referrer"] = values["referrer"] or (request.referrer or "")[:500]
    return values


def _frame_headers(response: Response, form) -> Response:
    """Only the form's listed sites may frame the embed page."""
    origins = " ".join(form.allowed_origins or [])
    policy = response.headers.get("Content-Security-Policy", "")
    response.headers["Content-Security-Policy"] = policy.replace(
        "frame-ancestors 'none'", f"frame-ancestors 'self' {origins}".strip()
    )
    # Browsers obey frame-ancestors over the X-Frame-Options: DENY every response carries.
    return response


def _render(form, *, embed: bool, values=None, errors=None, token=None, status=200):
    if form.redirect_url and not form.double_opt_in:
        # Sent, the form leads to the agency's own page.
        allow_form_action(origin_of(form.redirect_url))
    html = render_template(
        "crm/forms/public.html",
        form=form,
        embed=embed,
        values=values or _context_values(),
        errors=errors or {},
        token=token or intake.render_token(form),
        honeypot=intake.HONEYPOT,
        timing=intake.TIMING,
        attribution_keys=intake.ATTRIBUTION_KEYS,
    )
    response = Response(html, status=status)
    if embed:
        response = _frame_headers(add_security_headers(response), form)
    return response


@bp.route("/f/<uuid:form_id>")
def show(form_id):
    form = _active_form(form_id)
    intake.count(form, views=1)
    return _render(form, embed=request.args.get("embed") == "1")


@bp.route("/f/<uuid:form_id>/embed.js")
def embed_script(form_id):
    form = _active_form(form_id)
    script = render_template(
        "crm/forms/embed.js", frame_url=url_for("public_forms.show", form_id=form.id, _external=True)
    )
    return Response(script, mimetype="application/javascript", headers={"Cache-Control": "public, max-age=300"})


def _origin_allowed(form) -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return True  # same-page posts from older browsers, and the hosted page itself
    own = f"{request.scheme}://{request.host}"
    return origin == own or origin in (form.allowed_origins or [])


@bp.route("/f/<uuid:form_id>", methods=["POST"])
@csrf.exempt  # public and embeddable: the signed render token and origin list stand in for it
def submit(form_id):
    form = _active_form(form_id)
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        abort(413)
    if not _origin_allowed(form):
        abort(403)
    values = request.form.to_dict()
    if len(values) > intake.MAX_KEYS:
        abort(413)
    embed = request.args.get("embed") == "1"
    intake.check_rate_limits(form, request.remote_addr or "")
    try:
        intake.receive_submission(
            form, values, ip_address=request.remote_addr or "", user_agent=request.headers.get("User-Agent", "")
        )
    except ValidationFailed as exc:
        # The page asks again with the time-trap token it was sent with (already old enough,
        # or the submission would have been kept as spam): a new one would take a visitor who
        # fixes one field within seconds for a bot.
        return _render(
            form, embed=embed, values=values, errors=exc.details, token=values.get(intake.TIMING), status=422
        )
    except intake.SubmissionRefused:
        abort(404)
    if form.redirect_url and not form.double_opt_in:
        return redirect(form.redirect_url)
    return _thanks(form, embed)


def _thanks(form, embed: bool, *, confirmed: bool = False):
    html = render_template("crm/forms/thanks.html", form=form, embed=embed, confirmed=confirmed)
    response = Response(html)
    if embed:
        response = _frame_headers(add_security_headers(response), form)
    return response


@bp.route("/f/<uuid:form_id>/confirm/<token>")
def confirm(form_id, token):
    form = _active_form(form_id)
    submission = intake.confirm_submission(form, token)
    if submission is None:
        abort(404)
    return _thanks(form, False, confirmed=True)
