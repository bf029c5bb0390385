"""The kit's Lookup field: a row of a tenant table that is not a record type (a deal's
pipeline or stage), checked against the current tenant, shown by its label, filterable."""

import pytest

from app.crm.tags.models import Tag
from app.records.capabilities import Context
from app.records.fields import Lookup
from app.records.normalize import Invalid
from tests.conftest import in_tenant
from tests.crm.factories import make_tag


def _field():
    return Lookup("tag_id", "Tag", model=Tag, relation="tag", option_label=lambda tag: f"#{tag.name}")


def test_lookup_takes_only_rows_of_the_current_tenant(app, tenant_a, tenant_b):
    own = make_tag(app, tenant_a, name="Mine")
    foreign = make_tag(app, tenant_b, name="Theirs")
    field = _field()
    with in_tenant(app, tenant_a.id):
        context = Context(None, None, {}, None)
        assert field.check(str(own), context).id == own
        for value in (str(foreign), "not-an-id"):
            with pytest.raises(Invalid, match="Choose an existing tag"):
                field.check(value, context)
        assert field.check("", context) is None
        assert field.display(own) == "#Mine"
        assert field.options_for(None) == [(str(own), "#Mine")]


def test_lookup_filters_by_id_or_none(app, tenant_a):
    from app.core.validation import Errors

    field = Lookup("tag_id", "Tag", model=Tag, relation="tag", filter=True)
    errors = Errors()

    class Row:
        tag_id = Tag.id  # any column stands in for the record's id column here

    assert field.filter_params() == {"tag_id": "Tag id, or 'none'"}
    assert len(field.filter_conditions(Row, {"tag_id": "none"}, errors)) == 1
    assert field.filter_conditions(Row, {"tag_id": "junk"}, errors) == []
    assert errors.details == {"tag_id": ["Not a valid id."]}


def test_a_link_kind_that_cannot_title_its_rows_fails_when_declared():
    from app.records.fields import LinkById

    class Untitled(LinkById):
        def clean(self, value, context):
            return value

    with pytest.raises(TypeError, match="title_of"):
        Untitled("tag_id", "Tag", relation="tag")
