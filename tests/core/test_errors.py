"""Refusals: the code each one answers with, and one read as one line (what a flash or a JSON
error's message shows)."""

import pytest

from app.core.errors import (
    AppError,
    Conflict,
    FeatureNotAvailable,
    PermissionDenied,
    PlanLimitExceeded,
    PlanRefusal,
    TenantReadOnly,
    ValidationFailed,
)


@pytest.mark.parametrize(
    ("error_class", "status_code", "code"),
    [
        (AppError, 400, "bad_request"),
        (ValidationFailed, 422, "validation_error"),
        (PermissionDenied, 403, "forbidden"),
        (Conflict, 409, "conflict"),
        (PlanLimitExceeded, 402, "plan_limit"),
        (FeatureNotAvailable, 402, "plan_feature"),
        (TenantReadOnly, 403, "read_only"),
    ],
)
def test_each_error_answers_with_its_status_and_code(error_class, status_code, code):
    error = error_class("Refused.")
    assert (error.status_code, error.code) == (status_code, code)
    assert (error_class.status_code, error_class.code) == (status_code, code)


@pytest.mark.parametrize("refusal_class", [PlanLimitExceeded, FeatureNotAvailable])
def test_plan_refusals_are_402_on_the_plan_page(refusal_class):
    assert issubclass(refusal_class, PlanRefusal)
    assert (refusal_class.status_code, refusal_class.template) == (402, "errors/plan.html")


def test_read_only_has_its_own_page_and_other_errors_the_page_of_their_status():
    assert TenantReadOnly.template == "errors/read_only.html"
    assert Conflict.template is None


def test_an_error_with_a_new_status_takes_that_status_code():
    class Gone(AppError):
        status_code = 404

    assert Gone.code == "not_found"


def test_an_error_that_keeps_its_parent_status_keeps_its_parent_code():
    class OverTheLimit(PlanLimitExceeded):
        pass

    assert OverTheLimit.code == "plan_limit"


def test_one_line_joins_the_field_messages_in_order():
    refusal = ValidationFailed("Check the form.", details={"name": ["Give a name."], "email": ["Not an email."]})
    assert refusal.one_line() == "Give a name. Not an email."


def test_one_line_is_the_message_without_field_messages():
    assert Conflict("The stage still has deals.").one_line() == "The stage still has deals."
    assert ValidationFailed("Check the form.", details={"name": []}).one_line() == "Check the form."


def test_one_line_leaves_out_facts_that_are_not_messages():
    refusal = PlanLimitExceeded("Your plan allows 10 contacts.", details={"resource": "contacts", "limit": 10})
    assert refusal.one_line() == "Your plan allows 10 contacts."
