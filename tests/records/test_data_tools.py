"""The data tools work for a type they have never heard of: the test-only gadget gets
segment conditions, spreadsheet columns, imports, exports, search and merging from its
declaration alone."""

import csv
import io

from sqlalchemy import func, select

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.factories import make_record
from tests.crm.imports.helpers import owner_of, queue, run_job, upload


def test_every_condition_of_every_type_compiles(app, tenant_a):
    from app.records.conditions import DAY_VALUE, LIST_VALUE, NO_VALUE, compile_definition, conditions_of
    from app.records.registry import record_types

    samples = {"text": "x", "number": "5", "date": "2026-01-31", "recency": "30", "user": "me", "boolean": None}
    with in_tenant(app, tenant_a.id):
        owner = owner_of(tenant_a)
        for record_type in record_types():
            for condition in conditions_of(record_type).values():
                for operator in condition.operators:
                    if operator in NO_VALUE:
                        value = None
                    elif operator in DAY_VALUE:
                        value = "30"
                    elif condition.choices:
                        first = next(iter(condition.choices))
                        value = [first] if operator in LIST_VALUE else first
                    elif condition.kind in ("reference", "tags"):
                        value = "01234567-89ab-cdef-0123-456789abcdef"
                    else:
                        value = samples.get(condition.kind, "x")
                    definition = {"match": "all", "rules": [{"field": condition.key, "op": operator, "value": value}]}
                    where = compile_definition(record_type, definition, actor=owner)
                    db.session.execute(select(func.count(record_type.model.id)).where(where)).scalar()


def test_a_declared_type_segments_imports_exports_and_searches(app, tenant_a, client_for):
    from app.crm.segments.services import count_segment, create_segment

    make_record(app, tenant_a, "gadget", name="Flux capacitor", color="blue", price="88.00")
    make_record(app, tenant_a, "gadget", name="Hoverboard", color="red", price="12.50")
    with in_tenant(app, tenant_a.id):
        segment = create_segment(
            {
                "name": "Blue and dear",
                "record_type": "gadget",
                "definition": {
                    "match": "all",
                    "rules": [
                        {"field": "color", "op": "is", "value": "blue"},
                        {"field": "price", "op": "gt", "value": "50"},
                    ],
                },
            },
            actor=owner_of(tenant_a),
        )
        assert count_segment(segment) == (1, False)
    client = client_for(tenant_a)
    exported = client.get("/export/gadget?format=csv").get_data()
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows[0][:5] == ["ID", "Name", "Colour", "Price", "Launched"]
    import_id = upload(
        app, tenant_a, exported.replace(b"Flux capacitor", b"Flux capacitor II"), name="gadgets.csv", type_name="gadget"
    )
    queue(app, tenant_a, import_id)
    assert run_job(app, tenant_a, import_id)["created"] == 2  # gadgets have no field to match on
    body = client.get("/search?q=hoverboard", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Gadgets" in body
    assert body.count('data-testid="search-hit"') == 2
