"""The tags capability: `tag_ids` input, the tag filter, badges in lists, bulk tagging."""

from flask import url_for
from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import inspect, select

from app.auth.permissions import can
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.crm.tags.models import Tag, tagged_ids
from app.crm.tags.services import TAGS_READ, list_tags
from app.records.capabilities import BulkAction, Capability, FilterInput, FormSection, catalogue_entry
from app.records.cells import CellColumn, split_list
from app.records.conditions import Condition
from app.records.loading import together
from app.records.normalize import Invalid
from app.records.services import update_record

MAX_TAGS = 100


class TagRefSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    color = fields.String(required=True)


def tag_choices() -> list[tuple[str, str]]:
    return [(str(tag.id), tag.name) for tag in list_tags()]


def resolve_tags(value, errors, key: str = "tag_ids") -> list[Tag]:
    """The tenant's tags named by a list of ids (a comma-separated string works too)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [part for part in (piece.strip() for piece in value.split(",")) if part]
    if not isinstance(value, list | tuple):
        errors.add(key, "Send a list of tag ids.")
        return []
    if len(value) > MAX_TAGS:
        errors.add(key, f"Use at most {MAX_TAGS} tags.")
        return []
    ids = []
    for item in value:
        tag_id = parse_uuid(item)
        if tag_id is None:
            errors.add(key, "Unknown tag.")
            return []
        if tag_id not in ids:
            ids.append(tag_id)
    if not ids:
        return []
    tags = list(db.session.scalars(select(Tag).where(Tag.id.in_(ids)).order_by(Tag.name)))
    if len(tags) != len(ids):
        errors.add(key, "Unknown tag.")
    return tags


class TagsCapability(Capability):
    key = "tags"
    label = "Tags"
    input_keys = ("tag_ids",)
    filter_param = "tag_id"
    filter_description = "tag id"

    def list_reads(self, record_type, actor):
        return [TAGS_READ]

    def clean(self, record_type, data, context):
        if "tag_ids" not in data:
            return {}
        return {"tag_ids": resolve_tags(data["tag_ids"], context.errors)}

    def from_form(self, record_type, form):
        # Unticked boxes send nothing: the form marks that the tag inputs were on it.
        if "tag_ids" in form or "tag_ids" in form.getlist("_keys"):
            return {"tag_ids": form.getlist("tag_ids")}
        return {}

    def apply(self, record_type, record, cleaned, context):
        if "tag_ids" in cleaned:
            record.tags = list(cleaned["tag_ids"])

    def track(self, record_type, record):
        history = inspect(record).attrs["tags"].history
        if not (history.added or history.deleted):
            return {}
        new = [tag.name for tag in record.tags]
        old = sorted({*(tag.name for tag in history.unchanged), *(tag.name for tag in history.deleted)})
        return {} if sorted(new) == old else {"tags": (old, sorted(new))}

    def dump(self, record_type, record):
        return {"tags": [{"id": tag.id, "name": tag.name, "color": tag.color} for tag in record.tags]}

    def schema_fields(self, record_type, *, for_input):
        if for_input:
            return {
                "tag_ids": fields.List(
                    fields.UUID(),
                    validate=validate.Length(max=MAX_TAGS),
                    metadata={"description": "Replaces the record's tags"},
                )
            }
        return {"tags": fields.List(fields.Nested(TagRefSchema), required=True)}

    def value_conditions(self, record_type, value, errors):
        tag_id = parse_uuid(value)
        if tag_id is None:
            errors.add("tag_id", "Not a valid id.")
            return []
        return [record_type.model.id.in_(tagged_ids(record_type.name, tag_id))]

    def counted_ids(self, record_type, filters):
        # A link names its record's type and goes with the record (a foreign key to `records`,
        # ON DELETE CASCADE), so the type's links with the tag are its records with the tag:
        # counted from the link index alone, without probing 10,000 contacts.
        tag_id = parse_uuid(filters.get("tag_id"))
        return tagged_ids(record_type.name, tag_id) if tag_id is not None else None

    def filter_inputs(self, record_type):
        return [FilterInput("tag_id", "Tag", "select", tag_choices())]

    def form_sections(self, record_type):
        return [FormSection("tags", "records/_tag_inputs.html", _tag_inputs, order=40)]

    def loader_options(self, record_type, purpose):
        return [together(record_type.model.tags)]

    def bulk_actions(self, record_type):
        return [
            BulkAction(
                "add_tag", "Add a tag", "edit", add_tag, "Tag added to {n} {label}.", "tag_id", tag_choices, _no_tags
            ),
            BulkAction(
                "remove_tag",
                "Remove a tag",
                "edit",
                remove_tag,
                "Tag removed from {n} {label}.",
                "tag_id",
                tag_choices,
                _no_tags,
            ),
        ]

    def catalogue(self, record_type):
        return [catalogue_entry("tag_ids", "Tags", "tags", filterable=True)]

    def cell_columns(self, record_type):
        """Tag names, comma-separated; an import names existing tags."""

        def write(text, data, lookups):
            data["tag_ids"] = [str(tag_id) for tag_id in tag_ids_named(text, lookups)]

        read = self.export_columns(record_type)[0][2]
        return [CellColumn("tags", "Tags", read, write, aliases=("tag_ids",))]

    def conditions(self, record_type):
        model = record_type.model

        def build(operator, value, context):
            tag_id = parse_uuid(value)
            if tag_id is None:
                return context.invalid("Choose a tag.")
            tagged = tagged_ids(record_type.name, tag_id)
            return model.id.in_(tagged) if operator == "has" else model.id.not_in(tagged)

        return [Condition("tag_ids", "Tags", "tags", build, group="Record")]

    def export_columns(self, record_type):
        return [("tags", "Tags", lambda record: ", ".join(tag.name for tag in record.tags))]


def _tag_inputs(record_type, record, form, errors) -> dict:
    if form is not None:
        selected = set(form.getlist("tag_ids"))
    else:
        selected = {str(tag.id) for tag in record.tags} if record is not None else set()
    return {"choices": tag_choices(), "selected": selected, "errors": errors.get("tag_ids", [])}


def _no_tags() -> tuple[str, str, str | None]:
    return "No tags yet", "create some", url_for("tags.index") if can(current_user, "tags.manage") else None


def _tag_param(params: dict) -> Tag:
    tag_id = parse_uuid(params.get("tag_id"))
    tag = db.session.scalar(select(Tag).where(Tag.id == tag_id)) if tag_id else None
    if tag is None:
        raise ValidationFailed("Choose a tag.", details={"tag_id": ["Choose a tag."]})
    return tag


def add_tag(record_type, records, params, actor) -> int:
    tag = _tag_param(params)
    changed = 0
    for record in records:
        if tag not in record.tags:
            update_record(record_type, record, {"tag_ids": [*(t.id for t in record.tags), tag.id]}, actor=actor)
            changed += 1
    return changed


def remove_tag(record_type, records, params, actor) -> int:
    tag = _tag_param(params)
    changed = 0
    for record in records:
        if tag in record.tags:
            update_record(record_type, record, {"tag_ids": [t.id for t in record.tags if t.id != tag.id]}, actor=actor)
            changed += 1
    return changed


TAGS = TagsCapability()


def tag_ids_named(text: str, lookups) -> list:
    """The ids of the existing tags a cell names (comma-separated); an unknown name is refused."""
    by_name = lookups.cached("tags", lambda: {tag.name.lower(): tag.id for tag in db.session.scalars(select(Tag))})
    ids, unknown = [], []
    for name in split_list(text):
        tag_id = by_name.get(name.lower())
        if tag_id is None:
            unknown.append(name)
        elif tag_id not in ids:
            ids.append(tag_id)
    if unknown:
        raise Invalid(f"Unknown tag: {', '.join(unknown)[:200]}. Add it under Settings → Tags first.")
    return ids
