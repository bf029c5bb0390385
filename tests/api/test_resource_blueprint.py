"""`resource_blueprint` names a resource's blueprint after its path."""

from app.api.blueprint import API_PREFIX, resource_blueprint


def test_name_url_and_tag_follow_the_path():
    blp = resource_blueprint("deal-reasons", __name__, scope_object="pipelines", description="Reasons.")
    assert blp.name == "api_deal_reasons"
    assert blp.url_prefix == f"{API_PREFIX}/deal-reasons"
    assert blp.scope_object == "pipelines"
    assert blp.tag == "deal_reasons"
    assert blp.description == "Reasons."


def test_an_explicit_tag_wins():
    blp = resource_blueprint("booking-types", __name__, scope_object=None, description="", tag="booking-types")
    assert blp.tag == "booking-types"
