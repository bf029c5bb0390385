"""Demo segments: what an agency keeps an eye on (registered with seed-demo by the wiring)."""

from sqlalchemy import select

from app.auth.demo_team import get_demo_owner
from app.core.extensions import db
from app.crm.segments.models import Segment, Visibility
from app.crm.segments.services import create_segment
from app.crm.tags.models import Tag


def seed_segments_demo(tenant) -> None:
    owner = get_demo_owner(unless_seeded=Segment)
    if owner is None:
        return
    tags = {tag.name: str(tag.id) for tag in db.session.scalars(select(Tag))}
    segments = [
        {
            "name": "Customers gone quiet",
            "description": "Customers nobody has called, emailed or met in 30 days.",
            "definition": {
                "match": "all",
                "rules": [
                    {"field": "lifecycle_stage", "op": "is", "value": "customer"},
                    {"field": "last_activity", "op": "not_within_days", "value": 30},
                ],
            },
        },
        {
            "name": "Newsletter audience",
            "description": "Everyone who agreed to email, for the monthly newsletter.",
            "definition": {"match": "all", "rules": [{"field": "email_consent", "op": "is", "value": "granted"}]},
        },
        {
            "name": "My warm contacts",
            "visibility": Visibility.PRIVATE,
            "definition": {
                "match": "all",
                "rules": [
                    {"field": "owner_id", "op": "is", "value": "me"},
                    {"match": "any", "rules": [{"field": "lifecycle_stage", "op": "in", "value": ["mql", "sql"]}]},
                ],
            },
        },
        {
            "name": "Our best clients",
            "description": "People behind $25k or more of won work: invite them to the client dinner.",
            "definition": {"match": "all", "rules": [{"field": "deals.won_value", "op": "gte", "value": "25000"}]},
        },
        {
            "name": "Qualified leads with a budget",
            "record_type": "lead",
            "definition": {
                "match": "all",
                "rules": [
                    {"field": "status", "op": "is", "value": "qualified"},
                    {"field": "estimated_value", "op": "gte", "value": "10000"},
                ],
            },
        },
    ]
    if "VIP" in tags and "Hot" in tags:
        segments.append(
            {
                "name": "VIP or hot",
                "definition": {
                    "match": "any",
                    "rules": [
                        {"field": "tag_ids", "op": "has", "value": tags["VIP"]},
                        {"field": "tag_ids", "op": "has", "value": tags["Hot"]},
                    ],
                },
            }
        )
    for data in segments:
        create_segment(data, actor=owner)
