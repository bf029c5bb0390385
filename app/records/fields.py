"""Field declarations of record types, and the one validator each field type brings.

A field knows how to check a raw value (from a form, a JSON body, a CSV cell or an
automation: strings and JSON values alike), store it on a record, read it back for the API
and exports, show it, filter and sort by it, and describe itself to OpenAPI and to the
field catalogue. A record type is a list of these plus its capabilities.
"""

from abc import ABC, abstractmethod
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from marshmallow import fields as ma
from marshmallow import schema as ma_schema
from marshmallow import validate
from sqlalchemy import String, Uuid, cast, exists, inspect, select

from app.auth.permissions import can
from app.core.context import require_tenant_id
from app.core.currencies import format_amount, minor_unit
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.numbers import typed_decimal
from app.core.templating import day as day_text
from app.core.text import plural
from app.core.validation import normalize_email_address
from app.records.capabilities import catalogue_entry
from app.records.cells import CellColumn, set_part, set_value, split_list
from app.records.conditions import Condition, column_condition, text_condition
from app.records.models import RecordEntry
from app.records.normalize import (
    OUTSIDE_CALENDAR,
    Invalid,
    aware_moment,
    has_utc_time,
    normalize_domain,
    normalize_phone,
    parse_bool,
    tenant_zone,
    workspace_currency,
)
from app.records.registry import find_record_type, get_record_type


def choice_key(choices: dict, text: str) -> str:
    """The stored value a spreadsheet cell names, by value ("in_progress") or by label ("In
    progress", any case); anything else is left for the validator to refuse."""
    if text in choices:
        return text
    by_label = {label.lower(): key for key, label in choices.items()}
    return by_label.get(text.strip().lower(), text)


def require_text(value) -> str:
    """`value`, which must be text (JSON and automations may send any value)."""
    if not isinstance(value, str):
        raise Invalid("Must be text.")
    return value


class Field:
    """A plain column of the record. Subclasses change how values are checked and shown.

    Flags: `required`; `read_only` (shown, never taken from input); `search` (part of the
    record's search text); `sort` (offered as a list sort; the column must be NOT NULL);
    `filter` (a list filter); `list` (a column of the list page; `list_on_phones`: one that
    phones show too, for the one figure a row is read for); `export` (a column of exports);
    `section` groups fields on forms and the detail page.
    """

    kind = "text"
    widget = "text"
    # How segments test it: a kind of `app.records.conditions.OPERATORS`.
    condition_kind = "text"
    # A template that shows the value on the detail page, for values a line of text cannot.
    detail_template: str | None = None
    sort_labels = ("A–Z", "Z–A")
    # What a select's empty choice reads: "—" is nothing; a field that fills itself in when
    # left empty (a deal's pipeline) says what it will be.
    empty_label = "—"

    def __init__(
        self,
        name: str,
        label: str,
        *,
        required: bool = False,
        read_only: bool = False,
        search: bool = False,
        sort: bool = False,
        sort_key: str | None = None,
        filter: bool = False,
        list: bool = False,
        list_on_phones: bool = False,
        export: bool = True,
        detail: bool = True,
        hide_empty: bool = False,
        help: str = "",
        attribute: str | None = None,
        section: str = "Details",
        wide: bool = False,
        placeholder: str = "",
        description: str = "",
        prefill: bool = False,
    ):
        self.name = name
        self.label = label
        self.required = required
        self.read_only = read_only
        self.search = search
        self.sort = sort
        self.sort_key = sort_key or name
        self.filter = filter
        self.list = list or list_on_phones
        self.list_on_phones = list_on_phones
        self.export = export
        self.detail = detail
        self.hide_empty = hide_empty
        self.help = help
        self.attribute = attribute or name
        self.section = section
        self.wide = wide
        self.placeholder = placeholder
        # A new record's form may take this field's value from its address (`/meetings/new?starts_at=…`).
        self.prefill = prefill
        self.description = description or help

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    def bind(self, model) -> None:
        """Read limits the column itself sets (the record type calls this once)."""
        return

    def column(self, model):
        attribute = getattr(model, self.attribute, None)
        columns = getattr(getattr(attribute, "property", None), "columns", None)
        return columns[0] if columns else None

    # -- the one validator ------------------------------------------------------------

    def is_empty(self, value) -> bool:
        return value is None or (isinstance(value, str) and not value.strip()) or value == []

    def empty_value(self):
        """What an empty input stores: null for a field whose value may be null, else empty text."""
        return None if self.nullable_output else ""

    def erased_value(self):
        """What the field holds once a person's data is erased: empty, or "Erased" where a
        value is required."""
        return "Erased" if self.required and isinstance(self.empty_value(), str) else self.empty_value()

    # Whether the field can hold what a person wrote or is (names, addresses, notes): erasing
    # a person's data clears those. Numbers, dates, choices and links to other records (a deal's
    # pipeline, a meeting's start, a currency) describe the record, not the person, and stay.
    personal = True

    def erase(self, record) -> None:
        """Clear what this field holds about a person (see `personal`)."""
        if self.personal:
            self.apply(record, self.erased_value())

    def clean(self, value, context):
        """The value to store, or raise Invalid. Empty input is handled before this is called."""
        return require_text(value).strip()

    def check(self, value, context):
        """Run `clean` with the emptiness and `required` rules every field shares."""
        if self.is_empty(value):
            if self.required:
                raise Invalid(f"{self.label} is required.")
            return self.empty_value()
        return self.clean(value, context)

    # -- storing and reading ------------------------------------------------------------

    def apply(self, record, value) -> None:
        setattr(record, self.attribute, value)

    def value(self, record):
        return getattr(record, self.attribute)

    def dump(self, record):
        """The JSON value of the API and of JSON exports."""
        return self.value(record)

    def export_value(self, record):
        """A spreadsheet cell that imports back to the same value."""
        value = self.dump(record)
        return "" if value is None else value

    def display(self, value) -> str:
        """A stored value as people read it (timeline changes, detail pages)."""
        if value is None or value == "":
            return ""
        return str(value)

    def search_value(self, record):
        """What list search matches for this field (the text of its value)."""
        return self.value(record)

    # Fields whose value lives in child rows compare a snapshot taken before the change.
    tracks_snapshot = False

    def snapshot(self, record):
        return self.display(self.value(record))

    def track(self, record, before=None):
        """(old, new) as displayed, if this field changed since the record was loaded.

        Column fields read SQLAlchemy's attribute history; fields with `tracks_snapshot`
        compare `before` (their snapshot taken before the change) with the value now.
        """
        if self.tracks_snapshot:
            after = self.snapshot(record)
            return None if after == before else (before, after)
        history = inspect(record).attrs[self.attribute].history
        if not history.has_changes():
            return None
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        old, new = self.display(old), self.display(new)
        return None if old == new else (old, new)

    # -- forms ---------------------------------------------------------------------------

    def from_form(self, form):
        """The raw input value from a submitted HTML form (None: not on the form)."""
        return form.get(self.name)

    def form_value(self, record):
        """What the input shows when editing `record` (a string, or a list for multi-inputs)."""
        value = self.value(record) if record is not None else None
        return "" if value is None else str(value)

    # -- lists: filters and sorts -----------------------------------------------------

    def filter_params(self) -> dict[str, str]:
        """Query parameters this field offers as filters: {name: description}."""
        return {self.name: f"{self.label} equals"} if self.filter else {}

    def filter_conditions(self, model, filters: dict, errors) -> list:
        if not self.filter or self.name not in filters:
            return []
        return [getattr(model, self.attribute) == str(filters[self.name]).strip()]

    def sort_column(self, model):
        return getattr(model, self.attribute)

    # -- spreadsheets ---------------------------------------------------------------------

    def cell_columns(self) -> list[CellColumn]:
        """Its columns in exports and imports (a read-only field is exported only)."""
        write = None if self.read_only else set_value(self.name)
        return [CellColumn(self.name, self.label, self.export_value, write)]

    # -- segment conditions -------------------------------------------------------------

    def conditions(self, model) -> list:
        """The conditions segments may test this field by (none for a value with no column)."""
        column = getattr(model, self.attribute, None)
        if column is None or self.column(model) is None:
            return []
        kind = self.condition_kind
        column_type = self.column(model).type
        if kind == "text" and isinstance(column_type, Uuid):
            kind = "reference"  # an id kept in a plain field is compared as an id, not as text
        elif kind == "text" and not isinstance(column_type, String):
            column = cast(column, String)  # a time of day, say: compared as its text
        return [
            column_condition(
                self.name,
                self.label,
                kind,
                column,
                choices=getattr(self, "choices", None),
                references=getattr(self, "to", None),
                money=getattr(self, "currency", None) is not None,
            )
        ]

    # -- OpenAPI and the catalogue ----------------------------------------------------

    def schema_field(self, *, for_input: bool):
        kwargs = self._schema_kwargs(for_input)
        return ma.String(**kwargs)

    def _schema_kwargs(self, for_input: bool) -> dict:
        metadata = {"title": self.label}
        if self.description:
            metadata["description"] = self.description
        kwargs: dict = {"metadata": metadata}
        if not for_input:
            kwargs["required"] = True
            kwargs["allow_none"] = self.nullable_output
        else:
            kwargs["allow_none"] = not self.required
        return kwargs

    def _string_schema(self, for_input: bool, *, max_length: int, description: str = ""):
        """A string in the API, of at most `max_length` characters on input; `description` says
        how it is written."""
        kwargs = self._schema_kwargs(for_input)
        if description:
            kwargs["metadata"]["description"] = description
        if for_input:
            kwargs["validate"] = validate.Length(max=max_length)
        return ma.String(**kwargs)

    # Whether the value may be null (in the API's output, and stored for an empty input).
    nullable_output = False

    def catalogue_entry(self) -> dict:
        return catalogue_entry(
            self.name,
            self.label,
            self.kind,
            required=self.required,
            read_only=self.read_only,
            filterable=self.filter,
            sortable=self.sort,
            searchable=self.search,
            exported=self.export,
        )


class Text(Field):
    def __init__(self, name, label, *, max_length: int = 255, min_length: int = 0, nullable: bool = False, **kwargs):
        super().__init__(name, label, **kwargs)
        self.max_length = max_length
        self.min_length = min_length
        # Empty is NULL (a unique key that ignores blanks, a number given later), not "".
        self.nullable = nullable

    @property
    def nullable_output(self) -> bool:
        return self.nullable

    def bind(self, model) -> None:
        length = getattr(getattr(self.column(model), "type", None), "length", None)
        if length is not None:
            self.max_length = min(self.max_length, length)

    def clean(self, value, context):
        text = super().clean(value, context)
        if len(text) > self.max_length:
            raise Invalid(f"Use at most {self.max_length:,} characters.")
        if len(text) < self.min_length:
            raise Invalid(f"Use at least {self.min_length} characters.")
        return text

    def schema_field(self, *, for_input):
        return self._string_schema(for_input, max_length=self.max_length)


class LongText(Text):
    kind = "long_text"
    widget = "textarea"

    def __init__(self, name, label, *, max_length: int = 20_000, **kwargs):
        kwargs.setdefault("wide", True)
        super().__init__(name, label, max_length=max_length, **kwargs)

    def clean(self, value, context):
        # A browser posts a textarea's lines with CRLF: stored as typed, an untouched text would
        # differ from itself on every save (a logged change, a new quote version) and count its
        # line breaks twice against the length limit.
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return super().clean(value, context)


class Email(Field):
    """One address, normalized and lower-cased; empty is None."""

    kind = "email"
    widget = "email"
    nullable_output = True

    def clean(self, value, context):
        address = require_text(value)
        try:
            return normalize_email_address(address).lower()
        except ValueError as exc:
            raise Invalid(f"“{address.strip()[:80]}” is not a valid email address.") from exc

    def schema_field(self, *, for_input):
        return self._string_schema(for_input, max_length=254)


class Phone(Field):
    """A phone number stored in E.164; national numbers are read in the tenant's region."""

    kind = "phone"
    widget = "tel"

    def clean(self, value, context):
        return normalize_phone(require_text(value))

    def schema_field(self, *, for_input):
        return self._string_schema(for_input, max_length=40, description="Stored as E.164 (+14155550123)")


class Url(Text):
    kind = "url"
    widget = "url"

    def __init__(self, name, label, *, max_length: int = 2000, **kwargs):
        super().__init__(name, label, max_length=max_length, **kwargs)

    def clean(self, value, context):
        text = super().clean(value, context)
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise Invalid("Enter a full web address starting with https://.")
        return text


class Domain(Field):
    """A bare lower-case host name from "Example.com" or "https://www.example.com/about"; empty is None."""

    kind = "domain"
    nullable_output = True

    def clean(self, value, context):
        return normalize_domain(require_text(value))


class Number(Field):
    """An integer (`places=0`) or a decimal with `places` digits after the point; an amount of
    money when `currency` names the record's attribute that holds its ISO code ("$4,500")."""

    personal = False

    kind = "number"
    widget = "number"
    condition_kind = "number"
    sort_labels = ("lowest first", "highest first")
    nullable_output = True

    def __init__(
        self, name, label, *, minimum=None, maximum=None, places: int = 0, currency: str | None = None, **kwargs
    ):
        super().__init__(name, label, **kwargs)
        self.minimum = minimum
        self.maximum = maximum
        self.places = places
        self.currency = currency

    def empty_value(self):
        return self.stored_when_empty

    # A NOT NULL column with a default (a tax rate of 0) stores that default for an empty input.
    stored_when_empty = None

    def bind(self, model) -> None:
        """Without a declared maximum, the column's own range is the limit (no overflow 500s)."""
        column = self.column(model)
        default = getattr(getattr(column, "default", None), "arg", None)
        if column is not None and not column.nullable and default is not None and not callable(default):
            self.stored_when_empty = default
        column_type = getattr(column, "type", None)
        precision = getattr(column_type, "precision", None)
        scale = getattr(column_type, "scale", None) or 0
        if self.maximum is None and precision:
            self.maximum = Decimal(10) ** (precision - scale) - Decimal(1).scaleb(-scale)
        elif self.maximum is None and column_type is not None and self.places == 0:
            self.maximum = 2**31 - 1
        if self.minimum is None and self.maximum is not None:
            self.minimum = -self.maximum

    def clean(self, value, context):
        if isinstance(value, bool):
            raise Invalid("Enter a number.")
        try:
            number = typed_decimal(value)
        except InvalidOperation as exc:
            raise Invalid(
                "Enter a number such as 1500 or 1500.50." if self.places else "Enter a whole number."
            ) from exc
        if not number.is_finite():
            raise Invalid("Enter a number.")
        if self.places == 0 and number != number.to_integral_value():
            raise Invalid("Enter a whole number.")
        if self.minimum is not None and number < self.minimum:
            raise Invalid(self._range_message())
        if self.maximum is not None and number > self.maximum:
            raise Invalid(self._range_message())
        if self.places == 0:
            return int(number)
        stored = number.quantize(Decimal(1).scaleb(-self.places))
        if stored != number:  # refused rather than rounded: 1.005 stored as 1.01 is not what was typed
            raise Invalid(f"Enter at most {plural(self.places, 'decimal place')}.")
        return stored

    def _range_message(self) -> str:
        low = "" if self.minimum is None else f"{self.minimum:,}"
        high = "" if self.maximum is None else f"{self.maximum:,}"
        if low and high:
            return f"Enter a number from {low} to {high}."
        return f"Enter a number of at least {low}." if low else f"Enter a number of at most {high}."

    def export_value(self, record):
        value = self.value(record)
        return "" if value is None else str(value)

    def display(self, value) -> str:
        if value is None:
            return ""
        return f"{value:,}" if self.places == 0 else f"{Decimal(value):,.{self.places}f}"

    def display_of(self, record) -> str:
        """The record's value as a list or detail page shows it: in its currency, when it has one."""
        value = self.value(record)
        if self.currency is None or value is None:
            return self.display(value)
        # A type whose model keeps no currency of its own (an expense) counts in the workspace's.
        currency = getattr(record, self.currency, "") or workspace_currency()
        return format_amount(value, currency)

    def form_value(self, record):
        value = self.value(record) if record is not None else None
        return "" if value is None else str(value)

    def filter_params(self):
        if not self.filter:
            return {}
        return {f"min_{self.name}": f"{self.label} at least", f"max_{self.name}": f"{self.label} at most"}

    def filter_conditions(self, model, filters, errors):
        conditions = []
        column = getattr(model, self.attribute)
        for prefix, compare in (("min_", column.__ge__), ("max_", column.__le__)):
            key = prefix + self.name
            if key not in filters:
                continue
            try:
                conditions.append(compare(self.clean(filters[key], None)))
            except Invalid as exc:
                errors.add(key, exc.message)
        return conditions

    def schema_field(self, *, for_input):
        kwargs = self._schema_kwargs(for_input)
        if self.places == 0:
            if for_input and (self.minimum is not None or self.maximum is not None):
                kwargs["validate"] = validate.Range(min=self.minimum, max=self.maximum)
            return ma.Integer(**kwargs)
        if for_input:
            kwargs["allow_nan"] = False
            return ma.Decimal(**kwargs)
        kwargs["metadata"].update({"type": "string", "format": "decimal"})
        return ma.Decimal(as_string=True, **kwargs)


class Money(Number):
    """An amount of money: two decimals, never below zero, shown in the record's currency (the
    attribute `currency` names), or the workspace's when the record has none."""

    def __init__(self, name, label, *, currency: str = "currency", minimum=Decimal(0), exact=False, **kwargs):
        super().__init__(name, label, places=2, currency=currency, minimum=minimum, **kwargs)
        # Billed amounts (a price, an invoice's total) read to the cent: "$1,200.00"; an estimate
        # (a deal's value) reads whole when it is: "$48,000".
        self.exact = exact

    def display_of(self, record) -> str:
        value = self.value(record)
        if value is None:
            return ""
        return format_amount(value, getattr(record, self.currency, "") or workspace_currency(), exact=self.exact)

    def clean(self, value, context):
        number = super().clean(value, context)
        currency = self._submitted_currency(context)
        if number is not None and currency and number != number.quantize(minor_unit(currency)):
            raise Invalid(f"Amounts in {currency} have no decimals.")
        return number

    def _submitted_currency(self, context) -> str:
        """The currency the amount is in: the one submitted with it, else the record's, else
        the workspace's (a list filter, with no submission, is not checked)."""
        if context is None:
            return ""
        chosen = context.data.get(self.currency) if isinstance(context.data, dict) else None
        if chosen:
            return str(chosen)
        return getattr(context.record, self.currency, "") or workspace_currency()


class Quantity(Number):
    """How many of something, to `places` decimals at most (2.5 hours): it reads as typed, "1"
    and "2.5", not padded to its places ("1.000") as an amount is."""

    def display(self, value) -> str:
        return "" if value is None else f"{Decimal(value).normalize():,f}"

    def form_value(self, record):
        value = self.value(record) if record is not None else None
        return "" if value is None else f"{Decimal(value).normalize():f}"


class Boolean(Field):
    personal = False

    kind = "boolean"
    condition_kind = "boolean"
    widget = "checkbox"
    sort_labels = ("no first", "yes first")

    def __init__(self, name, label, *, default: bool = False, **kwargs):
        super().__init__(name, label, **kwargs)
        # What a new record's form shows ticked; the column's own default covers the API.
        self.default = default

    def is_empty(self, value) -> bool:
        return value is None

    def empty_value(self):
        return False

    def form_value(self, record):
        return str(self.default if record is None else bool(self.value(record)))

    def clean(self, value, context):
        parsed = parse_bool(value)
        if parsed is None:
            raise Invalid("Must be true or false.")
        return parsed

    def display(self, value) -> str:
        return "Yes" if value else "No"

    def from_form(self, form):
        # An unticked checkbox sends nothing; the form always carries the field.
        return form.get(self.name) in ("y", "on", "true", "1")

    def filter_conditions(self, model, filters, errors):
        if not self.filter or self.name not in filters:
            return []
        parsed = parse_bool(filters[self.name])
        if parsed is None:
            errors.add(self.name, "Use true or false.")
            return []
        return [getattr(model, self.attribute).is_(parsed)]

    def schema_field(self, *, for_input):
        return ma.Boolean(**self._schema_kwargs(for_input))


class Dated(Field):
    """What dates and moments share: empty is None, ISO in exports, a from/until filter."""

    personal = False

    sort_labels = ("earliest first", "latest first")
    nullable_output = True
    filter_hint = "YYYY-MM-DD"
    condition_kind = "date"

    def export_value(self, record):
        value = self.value(record)
        return value.isoformat() if value else ""

    def filter_params(self):
        if not self.filter:
            return {}
        return {
            f"{self.name}_after": f"{self.label} on or after this day ({self.filter_hint})",
            f"{self.name}_before": f"{self.label} on or before this day ({self.filter_hint})",
        }

    def filter_conditions(self, model, filters, errors):
        return day_range_conditions(
            getattr(model, self.attribute), self.name, filters, errors, days=self.kind == "date"
        )


class DateField(Dated):
    kind = "date"
    widget = "date"

    def clean(self, value, context):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip()[:10])
        except ValueError as exc:
            raise Invalid("Use a date like 2026-01-31.") from exc

    def display(self, value) -> str:
        return value.isoformat() if value else ""

    def form_value(self, record):
        value = self.value(record) if record is not None else None
        return value.isoformat() if value else ""

    def schema_field(self, *, for_input):
        return ma.Date(**self._schema_kwargs(for_input))


class DateTimeField(Dated):
    """An aware moment; shown and filtered by day in the tenant's time zone."""

    kind = "datetime"
    widget = "datetime-local"
    filter_hint = "YYYY-MM-DD, workspace time zone"

    def clean(self, value, context):
        try:
            moment = aware_moment(value)
        except ValueError as exc:
            raise Invalid("Use a date and time like 2026-01-31T14:30.") from exc
        if not has_utc_time(moment):
            raise Invalid(OUTSIDE_CALENDAR)
        return moment

    def display(self, value) -> str:
        return value.astimezone(tenant_zone()).strftime("%Y-%m-%d %H:%M") if value else ""

    def form_value(self, record):
        value = self.value(record) if record is not None else None
        return value.astimezone(tenant_zone()).strftime("%Y-%m-%dT%H:%M") if value else ""

    def schema_field(self, *, for_input):
        kwargs = self._schema_kwargs(for_input)
        return ma.AwareDateTime(**kwargs) if for_input else ma.DateTime(**kwargs)


class TimeField(Field):
    """A wall-clock time of day (hours and minutes), read in the tenant's time zone by the
    type that pairs it with a date; empty is None."""

    personal = False

    kind = "time"
    widget = "time"
    nullable_output = True

    def clean(self, value, context):
        if isinstance(value, time):
            return value.replace(second=0, microsecond=0, tzinfo=None)
        try:
            parsed = time.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise Invalid("Use a time like 14:30.") from exc
        return parsed.replace(second=0, microsecond=0, tzinfo=None)

    def dump(self, record):
        value = self.value(record)
        return value.strftime("%H:%M") if value is not None else None

    def display(self, value) -> str:
        return value.strftime("%H:%M") if value else ""

    def form_value(self, record):
        value = self.value(record) if record is not None else None
        return value.strftime("%H:%M") if value else ""

    def schema_field(self, *, for_input):
        description = "HH:MM, wall-clock time in the workspace's time zone"
        return self._string_schema(for_input, max_length=8, description=description)


class Choice(Field):
    """One value of a fixed list: `choices` maps stored values to labels."""

    personal = False

    kind = "choice"
    widget = "select"
    condition_kind = "choice"

    def __init__(
        self,
        name,
        label,
        *,
        choices: dict,
        default: str | None = None,
        blank: bool = False,
        form_choices: tuple | None = None,
        badges: dict | None = None,
        **kwargs,
    ):
        super().__init__(name, label, **kwargs)
        self.choices = dict(choices)
        # A value's Bootstrap colour on lists and detail pages ("paid": "success"); grey if none.
        self.badges = dict(badges or {})
        self.default = default
        self.blank = blank
        # What the form offers (a lead's "converted" is reached by converting, not chosen).
        self.form_choices = tuple(form_choices) if form_choices else tuple(self.choices)

    def cell_columns(self) -> list[CellColumn]:
        """Exported as the label people see ("In progress"); an import takes the label or the
        stored value ("in_progress"), so an export imports back to the same data."""

        def read(record):
            return self.display(self.value(record))

        def write(text, data, lookups):
            data[self.name] = choice_key(self.choices, text)

        return [CellColumn(self.name, self.label, read, None if self.read_only else write)]

    def options_for(self, current) -> list[tuple[str, str]]:
        keys = [key for key in self.choices if key in self.form_choices or key == current]
        return [(key, self.choices[key]) for key in keys]

    def is_empty(self, value) -> bool:
        return value is None or value == ""

    def empty_value(self):
        return self.default if not self.blank else ""

    def check(self, value, context):
        if self.is_empty(value) and not self.blank and not self.required and self.default is None:
            raise Invalid(f"Choose a {self.label.lower()}.")
        return super().check(value, context)

    def clean(self, value, context):
        if not isinstance(value, str) or value not in self.choices:
            raise Invalid(f"Choose a valid {self.label.lower()}.")
        return value

    def display(self, value) -> str:
        return self.choices.get(value, value or "")

    def filter_params(self):
        return {self.name: "one of " + ", ".join(self.choices)} if self.filter else {}

    def filter_conditions(self, model, filters, errors):
        if not self.filter or self.name not in filters:
            return []
        value = filters[self.name]
        if value not in self.choices:
            errors.add(self.name, f"Choose one of: {', '.join(self.choices)}.")
            return []
        return [getattr(model, self.attribute) == value]

    def schema_field(self, *, for_input):
        kwargs = self._schema_kwargs(for_input)
        values = [*self.choices] + ([""] if self.blank else [])
        kwargs["validate"] = validate.OneOf(values)
        return ma.String(**kwargs)

    def catalogue_entry(self) -> dict:
        return {**super().catalogue_entry(), "choices": dict(self.choices)}


class MultiChoice(Field):
    """Any number of values of a fixed list, stored as a JSON list in the declared order."""

    personal = False

    kind = "multi_choice"
    widget = "records/_multi_choice_input.html"

    def __init__(self, name, label, *, choices: dict, **kwargs):
        super().__init__(name, label, **kwargs)
        self.choices = dict(choices)

    def is_empty(self, value) -> bool:
        return value is None or value == [] or value == ""

    def empty_value(self):
        return []

    def clean(self, value, context):
        values = value if isinstance(value, list | tuple) else [value]
        keys = [str(item) for item in values if item not in (None, "")]
        unknown = [key for key in keys if key not in self.choices]
        if unknown:
            raise Invalid(f"Choose among: {', '.join(self.choices)}.")
        return [key for key in self.choices if key in keys]

    def value(self, record):
        return list(getattr(record, self.attribute) or [])

    def display(self, value) -> str:
        return ", ".join(self.choices.get(key, key) for key in value or [])

    def cell_columns(self) -> list[CellColumn]:
        """Labels, comma-separated ("15 minutes before, 1 day before"); an import takes labels
        or stored values."""

        def read(record):
            return self.display(self.value(record))

        def write(text, data, lookups):
            data[self.name] = [choice_key(self.choices, item) for item in split_list(text)]

        return [CellColumn(self.name, self.label, read, None if self.read_only else write)]

    def export_value(self, record):
        return ", ".join(self.value(record))

    def from_form(self, form):
        # The input renders a hidden empty value, so an untouched group still reads as "none".
        if self.name not in form:
            return None
        return [item for item in form.getlist(self.name) if item]

    def form_value(self, record):
        return self.value(record) if record is not None else []

    def schema_field(self, *, for_input):
        kwargs = self._schema_kwargs(for_input)
        return ma.List(ma.String(validate=validate.OneOf(list(self.choices))), **kwargs)

    def catalogue_entry(self) -> dict:
        return {**super().catalogue_entry(), "choices": dict(self.choices)}


class LinkById(Field, ABC):
    """What every link to another row shares: stored as that row's id in `name`'s column,
    reached through the `relation` attribute, compared and filtered by id ("none" for no link),
    tracked and shown by the linked row's title. Subclasses say how an id is checked (`clean`)
    and titled (`title_of`, `search_value`)."""

    personal = False
    nullable_output = True
    # How the API describes the filter parameter (the label goes in the braces).
    id_filter_description = "{} id, or 'none'"

    def __init__(self, name, label, *, relation: str, **kwargs):
        super().__init__(name, label, **kwargs)
        self.relation = relation

    @abstractmethod
    def title_of(self, row_id) -> str | None:
        """The linked row's title for an id (None for no link), as the change history shows it."""

    @abstractmethod
    def clean(self, value, context):
        """The linked row for a submitted id, or Invalid when it is not one this field accepts."""

    def apply(self, record, value) -> None:
        setattr(record, self.attribute, value.id if value is not None else None)
        setattr(record, self.relation, value)

    def dump(self, record):
        return getattr(record, self.attribute)

    def export_value(self, record):
        value = getattr(record, self.attribute)
        return "" if value is None else str(value)

    def track(self, record, before=None):
        history = inspect(record).attrs[self.attribute].history
        if not history.has_changes():
            return None
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            return None
        return self.title_of(old), self.title_of(new)

    def form_value(self, record):
        value = getattr(record, self.attribute) if record is not None else None
        return "" if value is None else str(value)

    def filter_params(self):
        return {self.name: self.id_filter_description.format(self.label)} if self.filter else {}

    def filter_conditions(self, model, filters, errors):
        if not self.filter or self.name not in filters:
            return []
        column = getattr(model, self.attribute)
        value = filters[self.name]
        if value == "none":
            return [column.is_(None)]
        record_id = parse_uuid(value)
        if record_id is None:
            errors.add(self.name, "Not a valid id.")
            return []
        return [column == record_id]

    def schema_field(self, *, for_input):
        return ma.UUID(**self._schema_kwargs(for_input))


class Reference(LinkById):
    """A link to another record of this tenant: `name` is the id column (`company_id`),
    `relation` the relationship attribute (`company`), `to` the record type's name."""

    kind = "reference"
    widget = "reference"
    condition_kind = "reference"

    def __init__(self, name, label, *, to: str, relation: str, **kwargs):
        super().__init__(name, label, relation=relation, **kwargs)
        self.to = to

    def target_model(self):
        return get_record_type(self.to).model

    def clean(self, value, context):
        record_id = parse_uuid(value)
        model = self.target_model()
        target = db.session.get(model, (require_tenant_id(), record_id)) if record_id else None
        if target is None:
            raise Invalid(f"Choose an existing {self.label.lower()}.")
        return target

    def cell_columns(self) -> list[CellColumn]:
        """The referenced record's title in the cell; an import takes a title or an id."""

        def read(record):
            target = getattr(record, self.relation)
            return get_record_type(self.to).title_of(target) if target is not None else ""

        def write(text, data, lookups):
            data[self.name] = str(lookups.record_id(self.to, self.label, text)) if text.strip() else None

        return [CellColumn(self.name, self.label, read, None if self.read_only else write)]

    def search_value(self, record):
        target = getattr(record, self.relation)
        return get_record_type(self.to).title_of(target) if target is not None else ""

    def title_of(self, record_id) -> str | None:
        if record_id is None:
            return None
        rtype = get_record_type(self.to)
        target = db.session.get(rtype.model, (require_tenant_id(), record_id))
        return rtype.title_of(target) if target is not None else str(record_id)

    def catalogue_entry(self) -> dict:
        return {**super().catalogue_entry(), "references": self.to}


class Lookup(LinkById):
    """A row of another tenant table that is not a record type (a deal's pipeline or stage):
    `model` the row's class, `relation` the relationship attribute, `option_label` reads a
    row's label, `options()` returns the rows a form offers. Stored by id; shown by label."""

    kind = "lookup"
    widget = "select"
    default = None

    def __init__(
        self,
        name,
        label,
        *,
        model,
        relation: str,
        option_label=None,
        options=None,
        blank=True,
        shared_rows=False,
        empty_label: str = "—",
        detail_label=None,
        **kwargs,
    ):
        super().__init__(name, label, relation=relation, **kwargs)
        self.empty_label = empty_label
        self.model = model
        self.option_label = option_label or (lambda row: getattr(row, "name", str(row.id)))
        # How the detail page names the row, beside the record's other fields: a deal's stage
        # is "Proposal" under its Pipeline row, where a list or a menu says "Sales · Proposal".
        self.detail_label = detail_label or self.option_label
        self._options = options
        self.blank = blank
        # `options()` reads every row once per request (the filter bar and the form need them
        # anyway): a page's records find theirs in the session instead of an eager load.
        self.shared_rows = shared_rows and options is not None

    def rows(self) -> list:
        if self._options is not None:
            return list(self._options())
        return list(db.session.scalars(select(self.model).order_by(self.model.id)))

    def options_for(self, current) -> list[tuple[str, str]]:
        return [(str(row.id), self.option_label(row)) for row in self.rows()]

    def clean(self, value, context):
        row_id = parse_uuid(value)
        row = db.session.get(self.model, (require_tenant_id(), row_id)) if row_id else None
        if row is None:
            raise Invalid(f"Choose an existing {self.label.lower()}.")
        return row

    def export_value(self, record):
        row = getattr(record, self.relation)
        return self.option_label(row) if row is not None else ""

    def cell_columns(self) -> list[CellColumn]:
        """The row's label in the cell ("Sales · Proposal"); an import takes that label, the
        row's shorter detail label ("Proposal") when only one row has it, or an id."""

        def write(text, data, lookups):
            data[self.name] = self.row_id_of_cell(text, lookups) if text.strip() else None

        return [CellColumn(self.name, self.label, self.export_value, None if self.read_only else write)]

    def row_id_of_cell(self, text: str, lookups) -> str:
        if parse_uuid(text) is not None:
            return text.strip()

        def load():
            by_label: dict[str, list[tuple[str, str]]] = {}
            for row in self.rows():
                label = self.option_label(row)
                for name in {label.strip().lower(), self.detail_label(row).strip().lower()}:
                    by_label.setdefault(name, []).append((str(row.id), label))
            return by_label

        found = lookups.cached(f"lookup:{self.name}", load).get(text.strip().lower(), [])
        if not found:
            raise Invalid(f"No {self.label.lower()} named {text.strip()[:80]}.")
        if len(found) > 1:
            choices = ", ".join(sorted(label for _row_id, label in found))
            raise Invalid(f"More than one {self.label.lower()} is named {text.strip()[:80]}: write one of {choices}.")
        return found[0][0]

    def title_of(self, row_id) -> str | None:
        if row_id is None:
            return None
        row = db.session.get(self.model, (require_tenant_id(), row_id))
        return self.option_label(row) if row is not None else str(row_id)

    def display(self, value) -> str:
        if value is None or value == "":
            return ""
        return self.option_label(value) if isinstance(value, self.model) else (self.title_of(value) or "")

    def detail_display(self, record) -> str:
        row = getattr(record, self.relation)
        return self.detail_label(row) if row is not None else ""

    def search_value(self, record):
        row = getattr(record, self.relation)
        return self.option_label(row) if row is not None else ""

    def catalogue_entry(self) -> dict:
        return {**super().catalogue_entry(), "choices": None}


class AnyReference(LinkById):
    """A link to a record of any type (or of those in `types`): the id of its row in the
    shared `records` index, like a timeline entry's. `relation` is the relationship to that
    `RecordEntry`; the kit clears the link when the record it points at is deleted."""

    kind = "any_reference"
    widget = "records/_any_reference_input.html"
    detail_template = "records/_any_reference_value.html"
    id_filter_description = "{}: a record id, or 'none'"

    def __init__(self, name, label, *, relation: str, types: tuple[str, ...] | None = None, **kwargs):
        super().__init__(name, label, relation=relation, **kwargs)
        self.types = tuple(types) if types else None

    def accepts(self, type_name: str) -> bool:
        return find_record_type(type_name) is not None and (self.types is None or type_name in self.types)

    def clean(self, value, context):
        record_id = parse_uuid(value)
        entry = db.session.get(RecordEntry, (require_tenant_id(), record_id)) if record_id else None
        if entry is None or not self.accepts(entry.type):
            raise Invalid(f"Choose an existing record for “{self.label.lower()}”.")
        if context.actor is not None and not can(context.actor, get_record_type(entry.type).permission("view")):
            raise Invalid(f"You may not link {get_record_type(entry.type).label_plural.lower()}.")
        return entry

    def entry(self, record):
        return getattr(record, self.relation)

    def title_of(self, record_id) -> str | None:
        if record_id is None:
            return None
        entry = db.session.get(RecordEntry, (require_tenant_id(), record_id))
        return entry.title if entry is not None else str(record_id)

    def search_value(self, record):
        entry = getattr(record, self.relation)
        return entry.title if entry is not None else ""

    def schema_field(self, *, for_input):
        kwargs = self._schema_kwargs(for_input)
        kwargs["metadata"]["description"] = "The id of a record of any type (a contact, company, lead, …)"
        return ma.UUID(**kwargs)

    def catalogue_entry(self) -> dict:
        return {**super().catalogue_entry(), "references": "*" if self.types is None else ",".join(self.types)}


ADDRESS_PARTS = {"line1": 200, "line2": 200, "city": 100, "region": 100, "postal_code": 20, "country": 2}
ADDRESS_LABELS = {
    "line1": "Street address",
    "line2": "Address line 2",
    "city": "City",
    "region": "State / region",
    "postal_code": "Postal code",
    "country": "Country",
}
ADDRESS_COLUMNS = {
    "line1": "address_line1",
    "line2": "address_line2",
    "city": "city",
    "region": "region",
    "postal_code": "postal_code",
    "country": "country",
}


class CompoundField(Field):
    """A value made of parts (an address, consent per channel, a list of child rows): shown
    wide, and empty only when absent, since an object or list of empty parts is a value its
    `clean` checks part by part."""

    def __init__(self, name, label, **kwargs):
        kwargs.setdefault("wide", True)
        super().__init__(name, label, **kwargs)

    def is_empty(self, value) -> bool:
        return value is None


class Address(CompoundField):
    """A postal address over six columns; input and output are {line1, …, country}."""

    kind = "address"
    widget = "address"

    def __init__(self, name="address", label="Address", **kwargs):
        kwargs.setdefault("section", "Address")
        super().__init__(name, label, **kwargs)

    def empty_value(self):
        return dict.fromkeys(ADDRESS_PARTS, "")

    def clean(self, value, context):
        if not isinstance(value, dict):
            raise Invalid("Send the address as an object.")
        unknown = set(value) - set(ADDRESS_PARTS)
        if unknown:
            raise Invalid(f"Unknown address fields: {', '.join(sorted(map(str, unknown)))}.")
        cleaned = {}
        problems = []
        for part, limit in ADDRESS_PARTS.items():
            if part not in value:
                continue
            text = value[part] if value[part] is not None else ""
            if not isinstance(text, str):
                problems.append((part, "Must be text."))
                continue
            text = text.strip()
            if part == "country":
                text = text.upper()
                if text and not (len(text) == 2 and text.isalpha()):
                    problems.append((part, "Use a two-letter country code such as US or DE."))
                    continue
            if len(text) > limit:
                problems.append((part, f"Use at most {limit} characters."))
                continue
            cleaned[part] = text
        if problems:
            context.add_nested(self.name, problems)
        return cleaned

    def apply(self, record, value) -> None:
        for part, text in (value or {}).items():
            setattr(record, ADDRESS_COLUMNS[part], text)

    def value(self, record):
        return {part: getattr(record, column) for part, column in ADDRESS_COLUMNS.items()}

    def display_lines(self, record) -> list[str]:
        value = self.value(record)
        locality = " ".join(part for part in (value["postal_code"], value["city"]) if part)
        lines = [value["line1"], value["line2"], locality, value["region"], value["country"]]
        return [line for line in lines if line]

    def export_value(self, record):
        return ", ".join(self.display_lines(record))

    def track(self, record, before=None):
        state = inspect(record)
        changed = False
        old, new = {}, {}
        for part, column in ADDRESS_COLUMNS.items():
            history = state.attrs[column].history
            current = getattr(record, column)
            if history.has_changes():
                changed = True
                old[part] = history.deleted[0] if history.deleted else ""
            else:
                old[part] = current
            new[part] = current
        if not changed:
            return None
        before, after = _address_text(old), _address_text(new)
        return None if before == after else (before, after)

    def display(self, value) -> str:
        """An address as it is written: "1 Main St, 75001 Paris, France"."""
        if not isinstance(value, dict):
            return super().display(value)
        return _address_text({part: value.get(part) or "" for part in ADDRESS_PARTS})

    def cell_columns(self) -> list[CellColumn]:
        """One column per part, so an export imports back part by part."""
        return [
            CellColumn(
                f"{self.name}.{part}",
                ADDRESS_LABELS[part],
                lambda record, column=column: getattr(record, column),
                None if self.read_only else set_part(self.name, part),
            )
            for part, column in ADDRESS_COLUMNS.items()
        ]

    def conditions(self, model) -> list:
        return [
            column_condition(f"{self.name}.{part}", f"{ADDRESS_LABELS[part]}", "text", getattr(model, column))
            for part, column in ADDRESS_COLUMNS.items()
            if part != "line2"
        ]

    def from_form(self, form):
        if not any(f"{self.name}.{part}" in form for part in ADDRESS_PARTS):
            return None
        return {part: form.get(f"{self.name}.{part}", "") for part in ADDRESS_PARTS}

    def form_value(self, record):
        return self.value(record) if record is not None else self.empty_value()

    def schema_field(self, *, for_input):
        kwargs = self._schema_kwargs(for_input)
        kwargs.pop("allow_none", None)
        return ma.Nested(AddressSchema, **kwargs)


class AddressSchema(ma_schema.Schema):
    line1 = ma.String(validate=validate.Length(max=ADDRESS_PARTS["line1"]))
    line2 = ma.String(validate=validate.Length(max=ADDRESS_PARTS["line2"]))
    city = ma.String(validate=validate.Length(max=ADDRESS_PARTS["city"]))
    region = ma.String(validate=validate.Length(max=ADDRESS_PARTS["region"]))
    postal_code = ma.String(validate=validate.Length(max=ADDRESS_PARTS["postal_code"]))
    country = ma.String(
        validate=validate.Length(max=ADDRESS_PARTS["country"]), metadata={"description": "ISO 3166 two-letter code"}
    )


def _address_text(parts: dict) -> str:
    locality = " ".join(part for part in (parts["postal_code"], parts["city"]) if part)
    lines = [parts["line1"], parts["line2"], locality, parts["region"], parts["country"]]
    return ", ".join(line for line in lines if line)


class ChildRows(CompoundField):
    """A list of the record's child rows (a quote's lines, a contact's emails): stored in
    another table, so an empty value is an empty list, never null, and a change is found by
    comparing snapshots. `plain` names the items in messages ("Send a list of line items.");
    the API takes at most `max_items` of `item_schema` and gives back `output_item_schema` (the
    same unless the output adds computed keys)."""

    tracks_snapshot = True
    max_items = 10
    plain = "items"
    item_schema: type[ma_schema.Schema] | None = None
    output_item_schema: type[ma_schema.Schema] | None = None
    input_description = ""

    def empty_value(self):
        return []

    def check_list_size(self, value) -> None:
        """Raise unless `value` is a list of at most `max_items`."""
        if not isinstance(value, list):
            raise Invalid(f"Send a list of {self.plain}.")
        if len(value) > self.max_items:
            raise Invalid(f"Add at most {self.max_items} {self.plain}.")

    def form_value(self, record):
        return self.value(record) if record is not None else []

    def schema_field(self, *, for_input):
        if for_input:
            metadata = {"description": self.input_description} if self.input_description else {}
            return ma.List(ma.Nested(self.item_schema), validate=validate.Length(max=self.max_items), metadata=metadata)
        return ma.List(ma.Nested(self.output_item_schema or self.item_schema), required=True)


class ChildList(ChildRows, ABC):
    """A list of small child rows (emails, phones): each item a dict keyed by `item_keys` or a
    plain string for the first key; duplicates dropped; kept rows reused on save. Each list kind
    implements the two abstract hooks (a kind that forgets one cannot be declared)."""

    item_keys: tuple[str, ...] = ()
    child_model = None
    collection = ""
    # The child row's column holding the first key's value (a contact's email → `email`).
    row_attribute = ""

    def __init__(self, name, label, **kwargs):
        kwargs.setdefault("search", True)
        super().__init__(name, label, **kwargs)

    def valid_values(self, raw) -> list:
        """The first key's cleaned value of each item of a raw list that is valid (an import's
        match values, a batch's addresses); invalid items are the validator's to report."""
        values = []
        for item in raw if isinstance(raw, list) else []:
            item = {self.item_keys[0]: item} if isinstance(item, str) else item
            try:
                values.append(self.clean_item(item)[self.item_keys[0]])
            except (Invalid, KeyError, TypeError, AttributeError):
                continue
        return values

    def united(self, current: list, added: list) -> list:
        """`current`'s items, then those of `added` it lacks (compared cleaned: "ADA@x.test" is
        "ada@x.test"), none of them made primary: a list that grows instead of being replaced.
        Items that are not valid are kept, for the validator to refuse."""
        key = self.item_keys[0]
        have = set(self.valid_values(current))
        united = list(current)
        for item in added:
            item = {key: item} if isinstance(item, str) else item
            value = next(iter(self.valid_values([item])), None)
            if value is not None and value in have:
                continue
            have.add(value)
            demoted = {"primary": False} if isinstance(item, dict) and "primary" in item and united else {}
            united.append({**item, **demoted} if isinstance(item, dict) else item)
        return united

    def clean(self, value, context):
        self.check_list_size(value)
        key = self.item_keys[0]
        cleaned, problems = [], []
        for item in value:
            item = {key: item} if isinstance(item, str) else item
            if not isinstance(item, dict) or set(item) - set(self.item_keys) or not isinstance(item.get(key, ""), str):
                raise Invalid(f"Each of the {self.plain} is {{{', '.join(self.item_keys)}}}.")
            if not (item.get(key) or "").strip():
                continue
            try:
                parsed = self.clean_item(item)
            except Invalid as exc:
                problems.extend(exc.messages)
                continue
            if any(existing[key] == parsed[key] for existing in cleaned):
                problems.extend(self.duplicate(parsed))
                continue
            cleaned.append(parsed)
        problems.extend(self.check_list(cleaned, context))
        if problems:
            raise Invalid(problems)
        return cleaned

    @abstractmethod
    def clean_item(self, item: dict) -> dict:
        """One submitted item, normalized (an email lower-cased, a phone in E.164); each list
        kind (emails, phones, a deal's contacts) says how."""

    def duplicate(self, item: dict) -> list[str]:
        return []

    def check_list(self, items: list[dict], context) -> list[str]:
        return []

    @abstractmethod
    def row_values(self, item: dict) -> dict:
        """The child row's column values for one cleaned item; each list kind names its columns."""

    def apply(self, record, value) -> None:
        key = self.item_keys[0]
        attribute = self.row_attribute
        existing = {getattr(row, attribute): row for row in getattr(record, self.collection)}
        rows = []
        for position, item in enumerate(value):
            row = existing.get(item[key]) or self.child_model()
            for name, column_value in {**self.row_values(item), "position": position}.items():
                setattr(row, name, column_value)
            rows.append(row)
        # Rows of values that stay are reused: a delete plus an insert of the same address would
        # meet the (tenant_id, email) unique key in the wrong order.
        setattr(record, self.collection, rows)

    def search_value(self, record):
        return " ".join(getattr(row, self.row_attribute) for row in getattr(record, self.collection))

    def conditions(self, model) -> list:
        """ "Emails contain @acme.com": some child row matches; "is empty": none exists."""
        child = self.child_model
        value_column = getattr(child, self.row_attribute)
        # The child table's column naming its record (a contact's email → contact_id).
        relation = getattr(model, self.collection).property
        owner = next(remote for _local, remote in relation.local_remote_pairs if remote.name != "tenant_id")

        # A list of links (a deal's contacts) is tested by id: "is" one of them.
        by_id = isinstance(value_column.type, Uuid)

        def build(operator, value, context):
            owned = (child.tenant_id == require_tenant_id()) & (owner == model.id)
            if operator in ("is_empty", "is_not_empty"):
                found = exists().where(owned)
                return ~found if operator == "is_empty" else found
            if by_id:
                wanted = parse_uuid(value)
                if wanted is None:
                    return context.invalid("Choose a record.")
                found = exists().where(owned, value_column == wanted)
                return found if operator == "is" else ~found
            if operator in ("not_contains", "not_equals"):
                positive = {"not_contains": "contains", "not_equals": "equals"}[operator]
                return ~exists().where(owned, text_condition(value_column, positive, value, context))
            return exists().where(owned, text_condition(value_column, operator, value, context))

        return [Condition(self.name, self.label, "reference" if by_id else "text", build)]

    def export_value(self, record):
        return ", ".join(getattr(row, self.row_attribute) for row in getattr(record, self.collection))

    def display(self, value) -> str:
        return ", ".join(item[self.item_keys[0]] for item in value or [])


class PrimaryChildList(ChildList, ABC):
    """A child list with one primary item (a contact's emails, a deal's contacts): items are
    `{<first key>, primary}`, rows keep the mark in `is_primary`; the first is made primary when
    none is marked; the form has an input per item and a radio for the primary."""

    input_description = "Replaces them all; one primary"
    # "address": "Mark only one address as primary."
    item_noun = "item"
    # The form's input repeated per item, and the radio holding the primary item's index.
    form_input = ""
    primary_input = ""

    def check_primary(self, items: list[dict]) -> list[str]:
        """The problem with the items' primary marks, if any; marks the first primary when none is."""
        primaries = sum(item["primary"] for item in items)
        if primaries > 1:
            return [f"Mark only one {self.item_noun} as primary."]
        if items and primaries == 0:
            items[0]["primary"] = True
        return []

    def row_values(self, item):
        return {self.row_attribute: item[self.item_keys[0]], "is_primary": item["primary"]}

    def value(self, record):
        return [
            {self.item_keys[0]: getattr(row, self.row_attribute), "primary": row.is_primary}
            for row in getattr(record, self.collection)
        ]

    def from_form(self, form):
        if self.form_input not in form and self.name not in form.getlist("_keys"):
            return None
        primary = form.get(self.primary_input, "0")
        return [
            {self.item_keys[0]: value, "primary": str(index) == primary}
            for index, value in enumerate(form.getlist(self.form_input))
            if value.strip()
        ]


def day_range_conditions(column, name: str, filters: dict, errors, *, days: bool = False) -> list:
    """`<name>_after` / `<name>_before` as inclusive days: of a date column, or of a timestamp
    column in the tenant's time zone."""
    conditions = []
    first = None
    for suffix in ("_after", "_before"):
        key = name + suffix
        if key not in filters:
            continue
        raw = filters[key]
        try:
            day = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
        except ValueError:
            errors.add(key, "Use a date like 2026-01-31.")
            continue
        if suffix == "_after":
            first = day
        elif first is not None and day < first:
            # A range that ends before it starts matches nothing: say so, not an empty page.
            errors.add(key, f"Use a day on or after {day_text(first)}: the range ends before it starts.")
            continue
        if suffix == "_before":
            day += timedelta(days=1)
        bound = day if days else datetime.combine(day, time.min, tzinfo=tenant_zone())
        conditions.append(column >= bound if suffix == "_after" else column < bound)
    return conditions
