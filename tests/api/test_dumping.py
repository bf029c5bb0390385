"""The API's compiled response dumps give exactly what marshmallow's `Schema.dump` gives."""

import datetime as dt
import uuid
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields, post_dump
from sqlalchemy import select

from app.api.dumping import compile_dump
from app.api.listing import page_body
from app.auth.models import Role, User
from app.core.context import platform_scope, tenant_context
from app.core.extensions import db
from app.records import schemas
from app.records.listing import list_records
from app.records.registry import record_types


class Line(Schema):
    sku = fields.String(required=True)
    quantity = fields.Integer()
    price = fields.Decimal(as_string=True)
    placed_at = fields.DateTime()


class Shouting(Schema):
    word = fields.String()

    @post_dump
    def shout(self, data, **kwargs):
        return {key: value.upper() if isinstance(value, str) else value for key, value in data.items()}


class Everything(Schema):
    """A field of every kind the compiler converts itself, and of kinds it hands to marshmallow."""

    id = fields.UUID()
    name = fields.String()
    count = fields.Integer()
    count_text = fields.Integer(as_string=True)
    ratio = fields.Float()
    amount = fields.Decimal(as_string=True, places=2)
    flag = fields.Boolean()
    when = fields.DateTime()
    when_rfc = fields.DateTime(format="rfc")
    day = fields.Date()
    email = fields.Email()
    renamed = fields.String(data_key="renamedKey")
    sourced = fields.String(attribute="source")
    defaulted = fields.String(dump_default="none given")
    one = fields.Nested(Line, allow_none=True)
    lines = fields.List(fields.Nested(Line))
    many_lines = fields.Nested(Line, many=True)
    words = fields.List(fields.String())
    loud = fields.Nested(Shouting)
    plain_map = fields.Dict()
    typed_map = fields.Dict(keys=fields.String(), values=fields.Integer())
    lines_by_name = fields.Dict(values=fields.Nested(Line))
    odd_map = fields.Dict(keys=fields.Email())
    computed = fields.Method("compute")
    secret = fields.String(load_only=True)

    def compute(self, obj):
        return "computed"


texts = st.text(max_size=12)
maybe = st.none() | st.just("absent")
datetimes = st.datetimes(timezones=st.none() | st.just(dt.UTC))
lines = st.fixed_dictionaries(
    {"sku": texts},
    optional={
        "quantity": st.none() | st.integers(),
        "price": st.none() | st.decimals(min_value=-(10**12), max_value=10**12, places=3),
        "placed_at": st.none() | datetimes,
    },
)
values = {
    "id": st.none() | st.uuids(),
    "name": st.none() | texts | st.integers() | st.binary(max_size=4).map(lambda raw: raw.hex().encode()),
    "count": st.none() | st.integers() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False, width=16),
    "count_text": st.none() | st.integers(),
    "ratio": st.none() | st.floats(allow_nan=False),
    "amount": st.none() | st.decimals(min_value=-(10**12), max_value=10**12, places=4),
    "flag": st.none() | st.booleans() | st.sampled_from([0, 1, "true", "off", "maybe", 7]),
    "when": st.none() | datetimes,
    "when_rfc": st.none() | datetimes.map(lambda moment: moment.replace(tzinfo=dt.UTC)),
    "day": st.none() | st.dates() | datetimes,
    "email": st.none() | st.emails(),
    "renamed": st.none() | texts,
    "source": st.none() | texts,
    "defaulted": st.none() | texts,
    "one": st.none() | lines,
    "lines": st.none() | st.lists(lines, max_size=3),
    "many_lines": st.none() | st.lists(lines, max_size=3),
    "words": st.none() | st.lists(texts, max_size=3),
    "loud": st.none() | st.fixed_dictionaries({"word": texts}),
    "plain_map": st.none() | st.dictionaries(texts, st.integers(), max_size=3),
    "typed_map": st.none() | st.dictionaries(texts, st.integers() | st.booleans(), max_size=3),
    "lines_by_name": st.none() | st.dictionaries(texts, lines, max_size=3),
    "odd_map": st.none() | st.dictionaries(st.emails(), st.integers(), max_size=2),
    "secret": texts,
}
# Any subset of the keys: an absent one is left out (or takes its dump default) either way.
objects = st.fixed_dictionaries({}, optional=values)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(objects, st.booleans())
def test_a_compiled_dump_matches_marshmallow_for_dicts_and_objects(obj, as_attributes):
    schema = Everything()
    if as_attributes:
        obj = SimpleNamespace(**obj)
    assert compile_dump(schema)(obj) == schema.dump(obj)


@given(st.lists(objects, max_size=4))
def test_a_compiled_dump_of_many_matches_marshmallow(objs):
    schema = Everything(many=True)
    assert compile_dump(schema)(objs) == schema.dump(objs)
    assert compile_dump(Everything(), many=True)(objs) == Everything().dump(objs, many=True)


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow_itself():
    assert compile_dump(Shouting())({"word": "quiet"}) == {"word": "QUIET"}


def test_every_record_types_api_page_of_the_demo_dumps_as_marshmallow_does(app, monkeypatch):
    """Every field and capability of every kit type, on the demo's records, through the
    page schema the API answers with."""
    from app.agency.cli import seed_demo_data
    from app.core import ssrf
    from app.tenants.models import Tenant

    monkeypatch.setattr(ssrf, "resolve_host", lambda host, port: ["93.184.215.14"])  # the demo's webhook host

    with app.app_context():
        seed_demo_data()
        with platform_scope():
            acme = db.session.execute(select(Tenant.id).where(Tenant.slug == "acme")).scalar_one()
    with app.app_context(), tenant_context(acme):
        owner = db.session.scalar(select(User).where(User.role == Role.OWNER))
        compared = 0
        for record_type in record_types():
            page = list_records(record_type, actor=owner, purpose="api", limit=100)
            page.items = [schemas.serialize(record_type, record) for record in page.items]
            body = page_body(page)
            schema = schemas.page(record_type)()
            assert compile_dump(schema)(body) == schema.dump(body), record_type.name
            compared += len(page.items)
        db.session.rollback()
    assert compared > 100  # the demo has records of every type to compare


def test_the_api_answers_with_the_compiled_dump(app, tenant_a, api_client_for, monkeypatch):
    from tests.api.records import create

    contact_id = create(app, tenant_a, "contact")
    client = api_client_for(tenant_a)

    def refuse(self, obj, *, many=None):
        raise AssertionError(f"{type(self).__name__}.dump ran for a response")

    monkeypatch.setattr(Schema, "dump", refuse)
    listed = client.get("/api/v1/contacts")
    one = client.get(f"/api/v1/contacts/{contact_id}")
    assert listed.status_code == 200
    assert one.status_code == 200
    assert listed.json["items"] == [one.json]
    assert one.json["id"] == str(contact_id)
    assert uuid.UUID(one.json["tenant_id"]) == tenant_a.id
    assert dt.datetime.fromisoformat(one.json["created_at"])
    assert one.json["emails"][0]["email"] == "ada@example.com"
