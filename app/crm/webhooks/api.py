"""REST v1 webhooks: subscriptions, their secret's rotation, their delivery log and replay
(scope `webhooks:read|write`)."""

from app.api.blueprint import resource_blueprint
from app.api.crud import Schemas, Summaries, Verbs, add_crud_routes
from app.api.gate import api_actor
from app.crm.webhooks import services
from app.crm.webhooks.schemas import (
    DeliveryListArguments,
    DeliveryPage,
    DeliverySchema,
    WebhookCreate,
    WebhookInput,
    WebhookPage,
    WebhookSubscriptionSchema,
)
from app.crm.webhooks.signing import SIGNATURE_HEADER, VERIFICATION_SNIPPET

DESCRIPTION = f"""Signed HTTP POSTs to your URL when events happen (`contact.created`,
`lead.updated`, `form.submitted`, …). Each request carries `{SIGNATURE_HEADER}: t=<unix time>,v1=<hex>`:
an HMAC-SHA256, keyed with the subscription's `secret`, of the timestamp, a `.` and the raw
body. Check it before trusting the body, and refuse timestamps older than five minutes:

```python
{VERIFICATION_SNIPPET}```

A delivery that does not get a 2xx answer is retried with exponential backoff and jitter for
up to 72 hours; then the subscription is disabled and the workspace's admins are emailed.
Redirects are not followed. URLs that point to private, loopback, link-local, multicast or
metadata addresses are refused when saved and again, after DNS resolution, at every send."""

blp = resource_blueprint("webhooks", __name__, scope_object="webhooks", description=DESCRIPTION)


add_crud_routes(
    blp,
    endpoints=("Subscriptions", "Subscription"),
    id_argument="webhook_id",
    schemas=Schemas(WebhookSubscriptionSchema, WebhookPage, create=WebhookCreate, update=WebhookInput),
    verbs=Verbs(
        services.list_subscriptions,
        services.get_subscription,
        services.create_subscription,
        services.update_subscription,
        services.delete_subscription,
    ),
    summaries=Summaries(
        list="List webhook subscriptions",
        create="Subscribe a URL to events",
        get="Get a webhook subscription",
        update="Change a webhook subscription (enable it again with `is_active: true`)",
        delete="Delete a webhook subscription and its delivery log",
    ),
    view_permission="webhooks.view",
)


@blp.route("/<uuid:webhook_id>/rotate-secret", methods=["POST"])
@blp.response(200, WebhookSubscriptionSchema)
def rotate_secret(webhook_id):
    """Sign with a new secret from now on (the old one stops working at once)"""
    return services.rotate_secret(services.get_subscription(webhook_id), actor=api_actor())


@blp.route("/<uuid:webhook_id>/deliveries")
@blp.paged(DeliveryListArguments, DeliveryPage)
def list_deliveries(args, webhook_id):
    """The delivery log of a subscription, newest first"""
    subscription = services.get_subscription(webhook_id, actor=api_actor())
    return services.list_deliveries(
        subscription, cursor=args.get("cursor"), limit=args.get("limit"), sort=args.get("sort")
    )


@blp.route("/<uuid:webhook_id>/deliveries/<uuid:delivery_id>/replay", methods=["POST"])
@blp.response(202, DeliverySchema)
def replay(webhook_id, delivery_id):
    """Send a logged delivery again (as a new delivery)"""
    subscription = services.get_subscription(webhook_id)
    return services.replay_delivery(services.get_delivery(subscription, delivery_id), actor=api_actor())
