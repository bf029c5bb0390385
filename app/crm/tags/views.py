"""/settings/tags: create, rename, recolour and delete tags."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.core.forms import delete_and_redirect, save_form
from app.core.hosts import TenantBlueprint
from app.core.navigation import NavItem, register_nav_item
from app.core.text import in_a_list
from app.crm.tags import services
from app.crm.tags.forms import TagForm
from app.records.forms import ConfirmForm
from app.records.registry import record_types_with

bp = TenantBlueprint("tags", __name__)
register_nav_item(NavItem("Tags", "tags.index", "tags", "tags.manage", "settings"))


def _render(form=None, editing=None, edit_form=None, status=200):
    tags = services.list_tags()
    return render_template(
        "crm/tags/index.html",
        tags=tags,
        form=form or TagForm(formdata=None),
        editing=editing,
        edit_form=edit_form,
        palette=services.PALETTE,
        # What takes tags, as the record types declare it (not a list written here to drift).
        tagged=in_a_list(item.label_plural.lower() for item in record_types_with("tags")),
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/settings/tags")
@requires_permission("tags.manage")
def index():
    return _render()


@bp.route("/settings/tags", methods=["POST"])
@requires_permission("tags.manage")
def create():
    form = TagForm()
    tag = save_form(form, lambda: services.create_tag(form.to_data(), actor=current_user))
    if tag is None:
        return _render(form, status=422)
    flash(f"Tag “{tag.name}” added.", "success")
    return redirect(url_for("tags.index"))


@bp.route("/settings/tags/<uuid:tag_id>", methods=["POST"])
@requires_permission("tags.manage")
def update(tag_id):
    tag = services.get_tag(tag_id)
    form = TagForm(prefix=f"tag-{tag.id}")
    if save_form(form, lambda: services.update_tag(tag, form.to_data(), actor=current_user)) is None:
        return _render(editing=tag.id, edit_form=form, status=422)
    flash(f"Tag “{tag.name}” saved.", "success")
    return redirect(url_for("tags.index"))


@bp.route("/settings/tags/<uuid:tag_id>/delete", methods=["POST"])
@requires_permission("tags.manage")
def delete(tag_id):
    return delete_and_redirect(
        services.get_tag(tag_id),
        services.delete_tag,
        "Tag “{name}” deleted and removed from its records.",
        url_for("tags.index"),
    )
