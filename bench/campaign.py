"""Campaign benchmark: one email campaign to N of bigco's contacts (default 100,000), through
the real SendGrid client to a local server that answers like SendGrid.

Prints: time to queue (the recipients' rows: consent, suppression, addresses), time to hand
every message to the provider, messages/s, the process's peak memory, and a small tenant's
contacts-list p50 / p95 from another process, idle and while the campaign sends.

    export BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/atrium_bench
    .venv/bin/python -m bench.generate --contacts 100000
    .venv/bin/python -m bench.campaign --recipients 100000
"""

import argparse
import http.server
import multiprocessing
import resource
import statistics
import time
import uuid

from sqlalchemy import select, text

from bench.common import BENCH_DOMAIN, BIG_SLUG, SMALL_SLUGS, make_app, role_urls
from bench.run import percentile


class FakeSendGrid(http.server.BaseHTTPRequestHandler):
    """Answers POST /v3/mail/send with 202 and an X-Message-Id, like SendGrid."""

    protocol_version = "HTTP/1.1"
    received = None  # a multiprocessing.Value shared with the bench process

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.received.get_lock():
            self.received.value += 1
        self.send_response(202)
        self.send_header("X-Message-Id", uuid.uuid4().hex)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        return None


def serve_provider(received, port) -> None:
    FakeSendGrid.received = received
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeSendGrid)
    port.value = server.server_address[1]
    server.serve_forever()


def start_provider():
    """The provider in its own process, as SendGrid is: its work does not share the sender's
    interpreter. Returns (process, base URL, counter of messages received)."""
    context = multiprocessing.get_context("spawn")
    received, port = context.Value("l", 0), context.Value("i", 0)
    process = context.Process(target=serve_provider, args=(received, port), daemon=True)
    process.start()
    while not port.value:
        time.sleep(0.05)
    return process, f"http://127.0.0.1:{port.value}", received


def prepare(app, recipients: int) -> dict:
    """Consent for N contacts, a tag on them, and a template and draft campaign (as the owner)."""
    from app.auth.models import Role, User
    from app.core.context import platform_scope, tenant_context
    from app.core.extensions import db
    from app.crm.messaging.campaigns.services import create_campaign
    from app.crm.messaging.message_templates import create_template
    from app.crm.tags.services import create_tag
    from app.tenants.models import Tenant

    with app.app_context():
        with platform_scope():
            big = db.session.scalar(select(Tenant).where(Tenant.slug == BIG_SLUG))
            big.limit_overrides = {**(big.limit_overrides or {}), "emails_per_month": None}
            small_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == SMALL_SLUGS[0]))
            big_id = big.id
            db.session.commit()
        with tenant_context(big_id):
            owner = db.session.scalar(select(User).where(User.role == Role.OWNER))
            tag = create_tag({"name": f"Bench {uuid.uuid4().hex[:6]}"}, actor=owner)
            db.session.flush()
            # Bulk setup in SQL with the tenant named explicitly (bench data, not a feature path).
            db.session.execute(
                text(
                    "WITH chosen AS (SELECT c.id FROM contacts c JOIN contact_emails e"
                    " ON e.tenant_id = c.tenant_id AND e.contact_id = c.id"
                    " WHERE c.tenant_id = :t ORDER BY c.id LIMIT :n),"
                    " granted AS (UPDATE contacts SET email_consent = 'granted', email_consent_source = 'import'"
                    " WHERE tenant_id = :t AND id IN (SELECT id FROM chosen))"
                    " INSERT INTO record_tags (tenant_id, record_id, tag_id) SELECT :t, id, :tag FROM chosen"
                ),
                {"t": big_id, "n": recipients, "tag": tag.id},
            )
            template = create_template(
                {
                    "name": f"Bench {tag.id}",
                    "channel": "email",
                    "subject": "News for {{ contact.first_name|default('you') }}",
                    "text_body": "Hello {{ contact.first_name|default('there') }}",
                    "html_body": '<p>Hi</p><a href="https://example.com/">Read</a>',
                },
                actor=owner,
            )
            campaign = create_campaign(
                {
                    "name": "Bench",
                    "template_id": str(template.id),
                    "audience": f"tag:{tag.id}",
                    "throttle_per_minute": 100_000,
                },
                actor=owner,
            )
            db.session.commit()
            return {"big": big_id, "small": small_id, "campaign": campaign.id, "owner": owner.id}


def small_list_timings(small_id, stop, queue) -> None:
    """In its own process, like a web worker beside the scheduler: GET a small tenant's contact
    list every 200 ms until told to stop; sends back the timings (ms)."""
    from app.auth.models import Role, User
    from app.core.context import tenant_context
    from app.core.extensions import db

    app = make_app()
    with app.app_context(), tenant_context(small_id):
        owner = db.session.scalar(select(User).where(User.role == Role.OWNER))
        session_user = f"{owner.id}:{owner.session_token}"
        db.session.rollback()
    client = app.test_client()
    base = f"http://{SMALL_SLUGS[0]}.{BENCH_DOMAIN}"
    with client.session_transaction(base_url=base) as session:
        session.update({"_user_id": session_user, "_fresh": True, "tenant_id": str(small_id)})
    timings = []
    while not stop.is_set():
        started = time.perf_counter()
        response = client.get("/contacts", base_url=base)
        assert response.status_code == 200, response.status_code
        timings.append((time.perf_counter() - started) * 1000)
        time.sleep(0.2)
    queue.put(timings)


def watch_small_list(small_id):
    context = multiprocessing.get_context("spawn")
    stop, queue = context.Event(), context.Queue()
    process = context.Process(target=small_list_timings, args=(small_id, stop, queue), daemon=True)
    process.start()

    def finish() -> list[float]:
        stop.set()
        timings = queue.get(timeout=120)
        process.join(timeout=30)
        return timings

    return finish


def describe(timings: list[float]) -> str:
    if not timings:
        return "no requests"
    return f"{statistics.median(timings):.1f} / {percentile(timings, 0.95):.1f} ms ({len(timings)} requests)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000, help="messages handed over per batch")
    args = parser.parse_args()
    role_urls()
    provider, base_url, received = start_provider()
    # As in the scheduler process: what a batch queued is handed to SendGrid right after its commit.
    app = make_app(
        SENDGRID_API_KEY="SG.bench",
        SENDGRID_API_BASE=base_url,
        MESSAGING_BATCH_SIZE=args.batch,
        OUTBOX_DELIVER_AFTER_COMMIT=True,
    )
    facts = prepare(app, args.recipients)

    from app.core.context import tenant_context
    from app.core.extensions import db
    from app.core.transactions import commit_and_deliver
    from app.crm.messaging.campaigns.jobs import materialize_recipients, send_campaign_minute
    from app.crm.messaging.campaigns.services import launch_campaign
    from app.crm.messaging.models import Campaign

    idle = watch_small_list(facts["small"])
    time.sleep(15)
    idle_timings = idle()
    during = watch_small_list(facts["small"])
    with app.app_context(), tenant_context(facts["big"]):
        from app.auth.models import User

        owner = db.session.get(User, (facts["big"], facts["owner"]))
        campaign = db.session.get(Campaign, (facts["big"], facts["campaign"]))
        started = time.perf_counter()
        launch_campaign(campaign, actor=owner)
        queued = materialize_recipients(campaign)
        db.session.commit()
        queue_seconds = time.perf_counter() - started
        # The scheduler's job, one "minute" after another without waiting for the clock: the
        # figure is what one scheduler process can hand over, not the campaign's throttle.
        handed = minutes = 0
        while True:
            result = send_campaign_minute(facts["campaign"])
            commit_and_deliver()
            handed += result.get("handed", 0)
            minutes += 1
            if not result.get("handed"):
                break
        send_seconds = time.perf_counter() - started
    timings = during()
    provider.terminate()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"recipients           {queued:>10,}")
    print(f"queued in            {queue_seconds:>10.1f} s")
    print(f"handed to provider   {received.value:>10,} (of {handed:,} handed) in {send_seconds:.1f} s")
    print(f"job runs             {minutes:>10,} (batches of {args.batch:,}, up to 45 s a run)")
    print(f"messages/s           {received.value / send_seconds:>10.1f}")
    print(f"peak memory          {peak_mb:>10.0f} MB")
    print(f"small list p50 / p95 idle:    {describe(idle_timings)}")
    print(f"small list p50 / p95 sending: {describe(timings)}")


if __name__ == "__main__":
    main()
