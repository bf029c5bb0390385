"""Personalization: templates are sandboxed Jinja over the contact, company, owner, the record
a message is sent from (a lead, a deal) and custom fields; a missing value renders empty, and
`default("…")` gives it a fallback (also for empty values)."""

import math
import re
from functools import lru_cache

import nh3
from jinja2 import ChainableUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment

from app.core.errors import ValidationFailed
from app.records.schemas import serialize

# The GSM 03.38 alphabet: an SMS of these alone fits 160 per segment (153 when split);
# anything else makes it UCS-2 (70, or 67 when split). Extension characters count twice.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")
HREF = re.compile(r'href="(https?://[^"]+)"', re.IGNORECASE)
EMAIL_TAGS = nh3.ALLOWED_TAGS | {
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "center",
    "font",
    "img",
    "hr",
    "div",
    "span",
}
EMAIL_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "img": {"src", "alt", "width", "height"},
    "td": {"align", "colspan", "rowspan", "width"},
    "table": {"width", "align", "cellpadding", "cellspacing", "border"},
    "a": {"href", "title"},
}


class _Missing(ChainableUndefined):
    """`{{ contact.nickname }}` renders "" instead of failing a whole campaign."""

    def __str__(self) -> str:
        return ""


def _default(value, fallback="", boolean=True):
    """Jinja's `default`, but an empty value falls back too (a contact with no first name)."""
    if isinstance(value, _Missing) or (boolean and not value):
        return fallback
    return value


def _environment(autoescape: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=_Missing, autoescape=autoescape)
    env.filters["default"] = env.filters["d"] = _default
    return env


_TEXT_ENV = _environment(False)
_HTML_ENV = _environment(True)


def check_syntax(source: str, field: str, *, html: bool = False) -> None:
    """Refuse a template that does not parse, or HTML that turns escaping off: merge values
    (a contact's name from a web form, say) are always escaped, so what a template renders is
    its own cleaned HTML plus text — no need to sanitize every recipient's copy again."""
    try:
        tree = _TEXT_ENV.parse(source or "")
    except TemplateError as exc:
        raise ValidationFailed(
            "The template has an error.", details={field: [f"Template error: {exc.message or exc}"]}
        ) from exc
    if html:
        for node in tree.find_all((nodes.Filter, nodes.EvalContextModifier)):
            if isinstance(node, nodes.EvalContextModifier) or node.name == "safe":
                raise ValidationFailed(
                    "Escaping cannot be turned off.", details={field: ["Remove |safe and autoescape blocks."]}
                )


@lru_cache(maxsize=256)
def _compiled(source: str, html: bool):
    """A campaign renders one template for every recipient: compile it once."""
    return (_HTML_ENV if html else _TEXT_ENV).from_string(source)


def render(source: str, context: dict, *, html: bool = False, field: str = "body") -> str:
    try:
        return _compiled(source or "", html).render(**context)
    except TemplateError as exc:
        raise ValidationFailed(
            "The template could not be rendered.", details={field: [f"Template error: {exc.message or exc}"]}
        ) from exc


def clean_email_html(html: str) -> str:
    """What an email's HTML may hold (no scripts, no handlers): kept when saved and when shown."""
    return nh3.clean(html or "", tags=EMAIL_TAGS, attributes=EMAIL_ATTRIBUTES, link_rel=None)


def sms_segments(text: str) -> dict:
    """How many SMS segments a text takes, and in which encoding (what the carrier bills)."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in text):
        units = sum(2 if char in GSM_EXTENDED else 1 for char in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else math.ceil(units / multi)
    return {
        "segments": segments,
        "characters": units,
        "encoding": encoding,
        "per_segment": single if segments == 1 else multi,
    }


def rewrite_links(html: str, tracked_url) -> str:
    """Every absolute link goes through `tracked_url(original)` (the signed click redirect)."""
    return HREF.sub(lambda match: f'href="{tracked_url(_unescape(match.group(1)))}"', html)


def _unescape(url: str) -> str:
    return url.replace("&amp;", "&")


def _value(value):
    return None if value in (None, "") else value


CONTACT_COLUMNS = (
    "first_name",
    "last_name",
    "title",
    "company_role",
    "lifecycle_stage",
    "city",
    "region",
    "country",
    "postal_code",
)


def merge_context(contact, *, record=None, record_type=None) -> dict:
    """The values a template may use; empty ones are left out so that `default()` applies.

    Read from the contact's own columns and its eager-loaded emails, phones, company and owner:
    a campaign batch renders hundreds without a query per recipient."""

    context: dict = {}
    if contact is not None:
        context["contact"] = {
            **{key: _value(getattr(contact, key, None)) for key in CONTACT_COLUMNS},
            "name": _value(contact.full_name),
            "email": contact.primary_email,
            "phone": contact.primary_phone,
            "custom": {key: _value(value) for key, value in (contact.custom_fields or {}).items()},
        }
        if contact.company is not None:
            context["company"] = {
                "name": contact.company.name,
                "domain": _value(getattr(contact.company, "domain", "")),
            }
        if contact.owner is not None:
            context["owner"] = {"name": contact.owner.display_name, "email": contact.owner.email}
    if record is not None and record_type is not None and record_type.name != "contact":
        data = serialize(record_type, record)
        context[record_type.name] = {key: _value(value) for key, value in data.items() if not isinstance(value, list)}
    return context


MERGE_FIELDS = (
    ("contact.first_name", "First name"),
    ("contact.last_name", "Last name"),
    ("contact.name", "Full name"),
    ("contact.email", "Email"),
    ("contact.title", "Job title"),
    ("contact.custom.KEY", "A custom field"),
    ("company.name", "Company"),
    ("owner.name", "Owner's name"),
    ("deal.name", "Deal (sent from a deal)"),
    ("lead.name", "Lead (sent from a lead)"),
)
