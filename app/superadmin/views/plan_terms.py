"""What the console's plan and agency pages need to list a plan's limits and features: their
keys in catalogue order and the labels they show under."""

from app.plans.catalogue import RESOURCE_LABELS
from app.plans.models import FEATURE_LABELS, LIMIT_KEYS
from app.plans.services import offered_features


def plan_terms() -> dict:
    """Keyword arguments for render_template. Features are those whose capability exists: a
    flag such as "helpdesk" stays in the catalogue for when it lands, but the console does
    not offer what no code delivers."""
    return {
        "limit_keys": LIMIT_KEYS,
        "feature_keys": offered_features(),
        "resource_labels": RESOURCE_LABELS,
        "feature_labels": FEATURE_LABELS,
    }
