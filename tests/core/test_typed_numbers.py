"""Every parser of a typed number reads it the same way (app.core.numbers.typed_decimal):
"1,234.50" is 1234.50, while "1.234,50" (a decimal comma) and "1,5" are refused with a message,
never read as 1.23450 or 15."""

from datetime import date
from decimal import Decimal

import pytest

from app.core.validation import Errors
from app.crm.deals.services import forecast
from app.crm.fields.models import FieldDefinition
from app.crm.fields.services import _clean_value
from app.records.conditions import ConditionContext, parse_number
from app.records.templating import workspace_amount

READ = ("1,234.50", Decimal("1234.50"))
REFUSED = ("1.234,50", "1,5", "12,34.5", "abc", "1e3", "2E-2")  # an exponent is a slip, not 1,000


def test_segment_rules_read_thousands_and_refuse_a_decimal_comma():
    context = ConditionContext(actor=None, errors=Errors(), key="value")
    assert parse_number(READ[0], context) == READ[1]
    for typed in REFUSED:
        context = ConditionContext(actor=None, errors=Errors(), key="value")
        assert parse_number(typed, context) is None, typed
        assert context.errors.details == {"value": ["Enter a number such as 1500 or 1,500.50."]}


def test_a_typed_amount_is_shown_as_money_only_when_it_is_one(app):
    with app.test_request_context():
        assert workspace_amount("1,234.50") == "$1,234.50"
        assert workspace_amount("1.234,50") == "1.234,50"  # not "$1.23"


def test_custom_number_fields_read_thousands_and_refuse_a_decimal_comma():
    definition = FieldDefinition(key="budget", field_type="number", label="Budget", object_type="contact")
    errors = Errors()
    assert _clean_value(definition, READ[0], errors) == 1234.5
    for typed in REFUSED:
        errors = Errors()
        assert _clean_value(definition, typed, errors) is None, typed
        assert errors.details == {"custom_fields.budget": ["Must be a number, such as 1500 or 1,500.50."]}


@pytest.mark.parametrize("typed", REFUSED)
def test_a_quota_typed_with_a_decimal_comma_is_refused(app, tenant_a, as_user, typed):
    from app.core.errors import ValidationFailed

    with as_user(tenant_a) as owner:
        with pytest.raises(ValidationFailed) as refused:
            forecast.set_quota(owner.id, date.today().isoformat()[:7], typed, actor=owner)
        assert refused.value.details == {"amount": ["Enter an amount such as 25000 or 25,000.50."]}
        assert forecast.set_quota(owner.id, date.today().isoformat()[:7], READ[0], actor=owner).amount == READ[1]


def test_a_payment_of_1e3_is_refused_not_read_as_a_thousand(app, tenant_a, api_client_for):
    from tests.crm.quotes.factories import issue_invoice_now, make_invoice

    api = api_client_for(tenant_a)
    invoice = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, invoice)
    refused = api.post(
        f"/api/v1/invoices/{invoice}/payments", json={"amount": "1e3", "paid_on": date.today().isoformat()}
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["amount"] == ["Enter an amount such as 1500.00."]
