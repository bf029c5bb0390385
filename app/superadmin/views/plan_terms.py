"""What the console's plan and agency pages need to list a plan's limits and features: their
keys in catalogue order and the labels they show under."""

from app.plans.catalogue import RESOURCE_LABELS
from app.plans.models import FEATURE_KEYS, FEATURE_LABELS, LIMIT_KEYS

# Passed to render_template as keyword arguments: `**PLAN_TERMS`.
PLAN_TERMS = {
    "limit_keys": LIMIT_KEYS,
    "feature_keys": FEATURE_KEYS,
    "resource_labels": RESOURCE_LABELS,
    "feature_labels": FEATURE_LABELS,
}
