"""A model's repr is its class name and the attributes its __repr_label__ names (the primary key
when it names none), written once on the declarative Base."""

import uuid

from app.crm.activities.models import Activity
from app.crm.deals.models import Deal, DealContact, DealReason
from app.crm.tasks.models import Task
from app.tenants.models import Tenant


def test_repr_shows_the_labelled_attribute(app):
    assert repr(Deal(name="Acme renewal")) == "<Deal Acme renewal>"
    assert repr(Tenant(slug="acme")) == "<Tenant acme>"


def test_repr_shows_several_labelled_attributes_in_order(app):
    assert repr(DealReason(kind="lost", label="Price")) == "<DealReason lost Price>"


def test_repr_quotes_an_attribute_labelled_with_r(app):
    assert repr(Task(title="Call Bob")) == "<Task 'Call Bob'>"
    assert repr(Activity(type="call", subject="Intro")) == "<Activity call 'Intro'>"


def test_repr_of_a_model_without_a_label_shows_its_primary_key(app):
    tenant_id, link_id = uuid.uuid4(), uuid.uuid4()
    assert repr(DealContact(tenant_id=tenant_id, id=link_id)) == f"<DealContact {tenant_id} {link_id}>"
