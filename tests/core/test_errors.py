"""A refusal read as one line: what a flash or a JSON error's message shows."""

from app.core.errors import Conflict, PlanLimitExceeded, ValidationFailed


def test_one_line_joins_the_field_messages_in_order():
    refusal = ValidationFailed("Check the form.", details={"name": ["Give a name."], "email": ["Not an email."]})
    assert refusal.one_line() == "Give a name. Not an email."


def test_one_line_is_the_message_without_field_messages():
    assert Conflict("The stage still has deals.").one_line() == "The stage still has deals."
    assert ValidationFailed("Check the form.", details={"name": []}).one_line() == "Check the form."


def test_one_line_leaves_out_facts_that_are_not_messages():
    refusal = PlanLimitExceeded("Your plan allows 10 contacts.", details={"resource": "contacts", "limit": 10})
    assert refusal.one_line() == "Your plan allows 10 contacts."
