"""Forecasts: the weighted pipeline and the best / likely / worst commit categories by month
and quarter of expected close, won so far, per owner and per pipeline; win rate, average
deal size and sales cycle; quotas and attainment; monthly snapshots for forecast accuracy.

Amounts are in the workspace's currency: deals in other currencies are counted apart (there
are no exchange rates to convert them). Months are the workspace's: a deal won at 23:30 on
31 March in New York is a March win even though it is April in UTC.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import Date, case, cast, func, select

from app.auth.models import User
from app.auth.permissions import check_permission
from app.core.audit import record_audit
from app.core.context import require_tenant_id
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.numbers import typed_decimal
from app.core.types import utcnow
from app.crm.deals.fields import workspace_currency
from app.crm.deals.models import Deal, DealStatus, ForecastSettings, ForecastSnapshot, Quota
from app.crm.deals.services.pipelines import list_pipelines
from app.plans.services import check_writable
from app.records.normalize import tenant_zone, workspace_today

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONTHS_AHEAD = 12
MONTHS_BEHIND = 6


# ---------------------------------------------------------------------------- calendar


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def quarter_of(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def local_month_bounds(first: date, months: int = 1) -> tuple[datetime, datetime]:
    """The instants where the workspace's months begin and end (as aware datetimes)."""
    zone = tenant_zone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(add_months(first, months), time.min, tzinfo=zone)
    return start, end


def local_month_of(moment: datetime) -> date:
    return month_start(moment.astimezone(tenant_zone()).date())


# ---------------------------------------------------------------------------- bands


@dataclass(frozen=True)
class Bands:
    best_min: int = 10
    likely_min: int = 50
    worst_min: int = 80


def forecast_bands() -> Bands:
    row = db.session.scalar(select(ForecastSettings).limit(1))
    return Bands(row.best_min, row.likely_min, row.worst_min) if row is not None else Bands()


def set_forecast_bands(data: dict, *, actor) -> Bands:
    check_permission(actor, "quotas.edit")
    check_writable()
    values, problems = {}, {}
    for key in ("best_min", "likely_min", "worst_min"):
        raw = data.get(key)
        try:
            number = int(str(raw).strip())
        except (TypeError, ValueError):
            number = None
        if number is None or not 0 <= number <= 100:
            problems[key] = ["Enter a whole number from 0 to 100."]
        values[key] = number
    if not problems and not values["best_min"] <= values["likely_min"] <= values["worst_min"]:
        problems["likely_min"] = ["Best ≤ likely ≤ worst: each band starts at or above the one before."]
    if problems:
        raise ValidationFailed("Check the bands.", details=problems)
    row = db.session.scalar(select(ForecastSettings).limit(1))
    if row is None:
        row = ForecastSettings()
        db.session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    db.session.flush()
    record_audit("forecast.bands_updated", actor=actor, target_label="Forecast bands", details=values)
    return Bands(**values)


# ---------------------------------------------------------------------------- the forecast


@dataclass
class Bucket:
    label: str
    start: date | None = None
    deals: int = 0
    open_value: Decimal = ZERO
    weighted: Decimal = ZERO
    best: Decimal = ZERO
    likely: Decimal = ZERO
    worst: Decimal = ZERO
    won: Decimal = ZERO
    won_count: int = 0

    def add_open(self, count, value, weighted, best, likely, worst) -> None:
        self.deals += count
        self.open_value += value
        self.weighted += weighted
        self.best += best
        self.likely += likely
        self.worst += worst

    def add_won(self, value, count=1) -> None:
        self.won += value
        self.won_count += count

    # The categories include what is already won.
    @property
    def best_total(self) -> Decimal:
        return self.won + self.best

    @property
    def likely_total(self) -> Decimal:
        return self.won + self.likely

    @property
    def worst_total(self) -> Decimal:
        return self.won + self.worst


@dataclass
class Forecast:
    currency: str
    bands: Bands
    months: list[Bucket]
    quarters: list[Bucket]
    by_owner: list[dict]
    by_pipeline: list[dict]
    no_close_date: Bucket
    overdue: Bucket
    other_currencies: list[dict] = field(default_factory=list)
    today: date | None = None


def _close_month():
    """The first day of the expected close's month, in SQL (a date has no time zone to mind)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("month", Deal.expected_close_date), Date)
    return func.date(Deal.expected_close_date, "start of month")


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _open_rows(pipeline_id, owner_id, bands: Bands, currency: str):
    """Open deals of the workspace's currency, summed by month of expected close, owner and
    pipeline: a few hundred groups however many deals."""
    weighted = func.sum(Deal.value * Deal.probability) / 100
    month = _close_month().label("month")

    def band(minimum):
        return func.sum(case((Deal.probability >= minimum, Deal.value), else_=0))

    stmt = (
        select(
            month,
            Deal.owner_id,
            Deal.pipeline_id,
            func.count(),
            func.coalesce(func.sum(Deal.value), 0),
            func.coalesce(weighted, 0),
            func.coalesce(band(bands.best_min), 0),
            func.coalesce(band(bands.likely_min), 0),
            func.coalesce(band(bands.worst_min), 0),
        )
        .where(Deal.status == DealStatus.OPEN, Deal.currency == currency)
        .group_by(month, Deal.owner_id, Deal.pipeline_id)
    )
    if pipeline_id is not None:
        stmt = stmt.where(Deal.pipeline_id == pipeline_id)
    if owner_id is not None:
        stmt = stmt.where(Deal.owner_id == owner_id)
    return db.session.execute(stmt).all()


def _won_rows(pipeline_id, owner_id, start: datetime, end: datetime, currency: str):
    stmt = select(Deal.closed_at, Deal.owner_id, Deal.pipeline_id, Deal.value).where(
        Deal.status == DealStatus.WON, Deal.currency == currency, Deal.closed_at >= start, Deal.closed_at < end
    )
    if pipeline_id is not None:
        stmt = stmt.where(Deal.pipeline_id == pipeline_id)
    if owner_id is not None:
        stmt = stmt.where(Deal.owner_id == owner_id)
    return db.session.execute(stmt).all()


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def build_forecast(*, actor, pipeline_id=None, owner_id=None, months: int = MONTHS_AHEAD, now=None) -> Forecast:
    """The forecast from this month (the workspace's) for `months` months, in a few queries."""
    check_permission(actor, "deals.view")
    return compute_forecast(pipeline_id=pipeline_id, owner_id=owner_id, months=months, now=now)


def compute_forecast(*, pipeline_id=None, owner_id=None, months: int = MONTHS_AHEAD, now=None) -> Forecast:
    currency = workspace_currency()
    bands = forecast_bands()
    today = workspace_today(now)
    first = month_start(today)
    month_buckets = {
        add_months(first, i): Bucket(add_months(first, i).strftime("%b %Y"), add_months(first, i))
        for i in range(months)
    }
    quarter_buckets: dict[str, Bucket] = {}
    for start in month_buckets:
        quarter_buckets.setdefault(quarter_of(start), Bucket(quarter_of(start), quarter_start(start)))
    no_date, overdue = Bucket("No expected close date"), Bucket("Overdue (expected before this month)")
    owners: dict = {}
    pipelines: dict = {}

    def owner_entry(user_id):
        return owners.setdefault(user_id, Bucket(""))

    def pipeline_entry(item_id):
        return pipelines.setdefault(item_id, Bucket(""))

    horizon = add_months(first, months)
    for close_month, user_id, item_id, count, value, weighted, best, likely, worst in _open_rows(
        pipeline_id, owner_id, bands, currency
    ):
        amounts = (count, _money(value), _money(weighted), _money(best), _money(likely), _money(worst))
        bucket_start = _as_date(close_month)
        if bucket_start is None:
            no_date.add_open(*amounts)
            continue
        if bucket_start < first:
            overdue.add_open(*amounts)
            continue
        if bucket_start >= horizon:
            continue
        month_buckets[bucket_start].add_open(*amounts)
        quarter_buckets[quarter_of(bucket_start)].add_open(*amounts)
        owner_entry(user_id).add_open(*amounts)
        pipeline_entry(item_id).add_open(*amounts)
    start, end = local_month_bounds(first, months)
    for closed_at, user_id, item_id, value in _won_rows(pipeline_id, owner_id, start, end, currency):
        bucket_start = local_month_of(closed_at)
        amount = _money(value)
        month_buckets[bucket_start].add_won(amount)
        quarter_buckets[quarter_of(bucket_start)].add_won(amount)
        owner_entry(user_id).add_won(amount)
        pipeline_entry(item_id).add_won(amount)
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_([k for k in owners if k])))}
    names = {item.id: item.name for item in list_pipelines()}
    by_owner = sorted(
        ({"owner": users.get(key), "owner_id": key, "bucket": bucket} for key, bucket in owners.items()),
        key=lambda row: (-row["bucket"].weighted, row["owner"].display_name if row["owner"] else "~"),
    )
    by_pipeline = sorted(
        (
            {"name": names.get(key, "Deleted pipeline"), "pipeline_id": key, "bucket": bucket}
            for key, bucket in pipelines.items()
        ),
        key=lambda row: -row["bucket"].weighted,
    )
    others = db.session.execute(
        select(Deal.currency, func.count(), func.coalesce(func.sum(Deal.value), 0))
        .where(Deal.status == DealStatus.OPEN, Deal.currency != currency)
        .group_by(Deal.currency)
        .order_by(Deal.currency)
    ).all()
    return Forecast(
        currency=currency,
        bands=bands,
        months=list(month_buckets.values()),
        quarters=list(quarter_buckets.values()),
        by_owner=by_owner,
        by_pipeline=by_pipeline,
        no_close_date=no_date,
        overdue=overdue,
        other_currencies=[{"currency": c, "count": n, "value": _money(v)} for c, n, v in others],
        today=today,
    )


def forecast_csv(forecast: Forecast) -> str:
    """The forecast's tables as CSV: one row per month, then quarter, then owner and pipeline."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Group",
            "Period or name",
            "Open deals",
            "Open value",
            "Weighted",
            "Worst",
            "Likely",
            "Best",
            "Won",
            "Currency",
        ]
    )

    def row(group, name, bucket):
        writer.writerow(
            [
                group,
                name,
                bucket.deals,
                bucket.open_value,
                bucket.weighted.quantize(CENT),
                bucket.worst_total,
                bucket.likely_total,
                bucket.best_total,
                bucket.won,
                forecast.currency,
            ]
        )

    for bucket in forecast.months:
        row("Month", bucket.start.strftime("%Y-%m"), bucket)
    for bucket in forecast.quarters:
        row("Quarter", bucket.label, bucket)
    for entry in forecast.by_owner:
        row("Owner", entry["owner"].display_name if entry["owner"] else "Unassigned", entry["bucket"])
    for entry in forecast.by_pipeline:
        row("Pipeline", entry["name"], entry["bucket"])
    row("Other", forecast.no_close_date.label, forecast.no_close_date)
    row("Other", forecast.overdue.label, forecast.overdue)
    return out.getvalue()


# ---------------------------------------------------------------------------- quotas


def quota_month(value) -> date:
    if isinstance(value, date):
        return month_start(value)
    try:
        return month_start(date.fromisoformat(f"{str(value).strip()[:7]}-01"))
    except ValueError as exc:
        raise ValidationFailed("Bad month.", details={"month": ["Use a month like 2026-01."]}) from exc


def set_quota(user_id, month, amount, *, actor) -> Quota | None:
    """A user's quota for a month (empty amount removes it)."""
    check_permission(actor, "quotas.edit")
    check_writable()
    first = quota_month(month)
    parsed = parse_uuid(user_id)
    user = db.session.get(User, (require_tenant_id(), parsed)) if parsed else None
    if user is None or not user.is_active_user:
        raise ValidationFailed("Unknown user.", details={"user_id": ["Choose an active user."]})
    quota = db.session.scalar(select(Quota).where(Quota.user_id == user.id, Quota.month == first))
    if amount in (None, ""):
        if quota is not None:
            db.session.delete(quota)
            db.session.flush()
            record_audit("quota.removed", actor=actor, target=user, target_label=f"{user.display_name} {first:%Y-%m}")
        return None
    try:
        value = typed_decimal(amount)
        if value != value.quantize(CENT):
            raise InvalidOperation(f"{amount!r}: more than cents")
    except ArithmeticError as exc:
        raise ValidationFailed(
            "Bad amount.", details={"amount": ["Enter an amount such as 25000 or 25,000.50."]}
        ) from exc
    value = value.quantize(CENT)
    if not value.is_finite() or value < 0 or value > Decimal("999999999999.99"):
        raise ValidationFailed("Bad amount.", details={"amount": ["Enter an amount from 0 to 999,999,999,999."]})
    if quota is None:
        quota = Quota(user_id=user.id, month=first, amount=value)
        db.session.add(quota)
    else:
        quota.amount = value
    db.session.flush()
    record_audit(
        "quota.set",
        actor=actor,
        target=user,
        target_label=f"{user.display_name} {first:%Y-%m}",
        details={"amount": str(value)},
    )
    return quota


def leaderboard(first: date, *, actor, months: int = 1) -> list[dict]:
    """Every active seller's won value in the period, their quota and attainment, best first."""
    check_permission(actor, "deals.view")
    currency = workspace_currency()
    start, end = local_month_bounds(first, months)
    won = dict(
        db.session.execute(
            select(Deal.owner_id, func.coalesce(func.sum(Deal.value), 0))
            .where(
                Deal.status == DealStatus.WON, Deal.currency == currency, Deal.closed_at >= start, Deal.closed_at < end
            )
            .group_by(Deal.owner_id)
        ).all()
    )
    quotas = dict(
        db.session.execute(
            select(Quota.user_id, func.sum(Quota.amount))
            .where(Quota.month >= first, Quota.month < add_months(first, months))
            .group_by(Quota.user_id)
        ).all()
    )
    users = list(db.session.scalars(select(User).where(User.is_active_user.is_(True)).order_by(User.name)))
    rows = []
    for user in users:
        amount = _money(won.get(user.id))
        quota = _money(quotas[user.id]) if user.id in quotas else None
        if not amount and quota is None:
            continue
        attainment = (amount / quota * 100).quantize(Decimal("0.1")) if quota else None
        rows.append({"user": user, "won": amount, "quota": quota, "attainment": attainment})
    return sorted(rows, key=lambda row: (-row["won"], row["user"].display_name))


def quotas_for(first: date) -> dict:
    return {quota.user_id: quota for quota in db.session.scalars(select(Quota).where(Quota.month == first))}


# ---------------------------------------------------------------------------- performance


@dataclass
class Performance:
    label: str
    won: int = 0
    lost: int = 0
    won_value: Decimal = ZERO
    cycle_days: float = 0.0

    @property
    def win_rate(self) -> Decimal | None:
        closed = self.won + self.lost
        return (Decimal(self.won) / closed * 100).quantize(Decimal("0.1")) if closed else None

    @property
    def average_size(self) -> Decimal | None:
        """In whole units, half-up: a summary beside whole-dollar figures, not a billed amount
        ("$10,001", not "$10,000.50")."""
        return (self.won_value / self.won).quantize(Decimal(1), rounding=ROUND_HALF_UP) if self.won else None

    @property
    def average_cycle(self) -> Decimal | None:
        return Decimal(self.cycle_days / self.won).quantize(Decimal("0.1")) if self.won else None


def performance(*, actor, months: int = 6, now=None, pipeline_id=None) -> dict:
    """Win rate, average deal size and average sales cycle (days from created to won) of
    deals closed in each of the last `months` months, and per owner over them."""
    check_permission(actor, "deals.view")
    currency = workspace_currency()
    first = add_months(month_start(workspace_today(now)), -(months - 1))
    start, end = local_month_bounds(first, months)
    stmt = select(Deal.status, Deal.closed_at, Deal.created_at, Deal.value, Deal.currency, Deal.owner_id).where(
        Deal.status.in_((DealStatus.WON, DealStatus.LOST)), Deal.closed_at >= start, Deal.closed_at < end
    )
    if pipeline_id is not None:
        stmt = stmt.where(Deal.pipeline_id == pipeline_id)
    periods = {add_months(first, i): Performance(add_months(first, i).strftime("%b %Y")) for i in range(months)}
    owners: dict = {}
    total = Performance("All")
    for status, closed_at, created_at, value, deal_currency, owner_id in db.session.execute(stmt):
        for entry in (periods[local_month_of(closed_at)], owners.setdefault(owner_id, Performance("")), total):
            if status == DealStatus.LOST:
                entry.lost += 1
                continue
            entry.won += 1
            entry.cycle_days += max((closed_at - created_at).total_seconds(), 0) / 86400
            if deal_currency == currency:
                entry.won_value += _money(value)
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_([k for k in owners if k])))}
    for owner_id, entry in owners.items():
        entry.label = users[owner_id].display_name if owner_id in users else "Unassigned"
    return {
        "periods": list(periods.values()),
        "owners": sorted(owners.values(), key=lambda entry: (-entry.won_value, entry.label)),
        "total": total,
        "currency": currency,
    }


# ---------------------------------------------------------------------------- snapshots


def take_snapshot(now=None) -> ForecastSnapshot | None:
    """This month's forecast as it stands, once per month (the job runs it hourly; the
    first run of the workspace's month takes it)."""
    today = workspace_today(now)
    first = month_start(today)
    if db.session.scalar(select(ForecastSnapshot.id).where(ForecastSnapshot.month == first)) is not None:
        return None
    forecast = compute_forecast(months=1, now=now)
    bucket = forecast.months[0]
    snapshot = ForecastSnapshot(
        month=first,
        currency=forecast.currency,
        weighted=bucket.weighted.quantize(CENT),
        best=bucket.best_total,
        likely=bucket.likely_total,
        worst=bucket.worst_total,
        open_value=bucket.open_value,
        details={
            "owners": {str(row["owner_id"]): str(row["bucket"].weighted.quantize(CENT)) for row in forecast.by_owner},
            "pipelines": {
                str(row["pipeline_id"]): str(row["bucket"].weighted.quantize(CENT)) for row in forecast.by_pipeline
            },
            "bands": [forecast.bands.best_min, forecast.bands.likely_min, forecast.bands.worst_min],
        },
        taken_at=now or utcnow(),
    )
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


def forecast_accuracy(*, actor, months: int = MONTHS_BEHIND, now=None) -> list[dict]:
    """Past months that have a snapshot: what was forecast on their first day against what was won."""
    check_permission(actor, "deals.view")
    first = month_start(workspace_today(now))
    since = add_months(first, -months)
    snapshots = list(
        db.session.scalars(
            select(ForecastSnapshot)
            .where(ForecastSnapshot.month >= since, ForecastSnapshot.month < first)
            .order_by(ForecastSnapshot.month)
        )
    )
    if not snapshots:
        return []
    start, end = local_month_bounds(since, months)
    won: dict = {}
    for closed_at, value, currency in db.session.execute(
        select(Deal.closed_at, Deal.value, Deal.currency).where(
            Deal.status == DealStatus.WON, Deal.closed_at >= start, Deal.closed_at < end
        )
    ):
        key = (local_month_of(closed_at), currency)
        won[key] = won.get(key, ZERO) + _money(value)
    rows = []
    for snapshot in snapshots:
        actual = won.get((snapshot.month, snapshot.currency), ZERO)
        forecast = snapshot.weighted
        rows.append(
            {
                "snapshot": snapshot,
                "actual": actual,
                "difference": actual - forecast,
                "accuracy": (actual / forecast * 100).quantize(Decimal("0.1")) if forecast else None,
            }
        )
    return rows
