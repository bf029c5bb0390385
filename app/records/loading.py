"""Reads that a page needs together, in one statement instead of one each.

A list shows each row's tags, a contact's e-mails and phones…; `selectinload` reads each of
those collections with a statement of its own, and the filter bar reads the tenant's tags,
custom fields and saved views one statement each. Here every such read is a branch of ONE
`UNION ALL`: each branch has its own columns (so every value keeps its type, the others are
typed NULLs), its number, and its rows' position in its own ORDER BY. The rows become the
session's persistent objects, as the ORM's own loading would make them: nothing is dirty and
an object the session already holds is reused.

- `together(Model.collection)` in a record type's loads: `load_together` fills that collection
  of every record of a page. Only plain collections qualify: one-to-many on the parent's key,
  or many-to-many through a link table, joined on key equalities (`together` refuses others).
- `Read(model, where, order_by)`: `read_together` returns each read's objects in order.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import and_, any_, bindparam, cast, func, literal, null, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import scoped_session, selectinload
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BooleanClauseList

from app.core.context import require_tenant_id
from app.core.models import is_tenant_scoped


@dataclass(frozen=True)
class Together:
    """A collection relationship a list page reads together with the page's other ones."""

    attribute: object

    @property
    def relationship(self):
        return self.attribute.property

    def as_option(self):
        """The same load where a page cannot batch it (a detail page, an export)."""
        return selectinload(self.attribute)


def together(attribute) -> Together:
    relationship = attribute.property
    _check_plain(relationship.primaryjoin)
    if relationship.secondary is not None:
        _check_plain(relationship.secondaryjoin)
    return Together(attribute)


def split_loads(options: list) -> tuple[list, list[Together]]:
    """(SQLAlchemy options, collections to read together) of a type's loads."""
    return [item for item in options if not isinstance(item, Together)], [
        item for item in options if isinstance(item, Together)
    ]


@dataclass(frozen=True)
class Read:
    """The rows of `model` matching `where`, in `order_by`'s order (the tenant's tags, say)."""

    model: type
    where: tuple = field(default=())
    order_by: tuple = field(default=())

    def statement(self):
        """The read on its own, where no page reads it with others."""
        return select(self.model).where(*self.where).order_by(*self.order_by)


def read_together(session, reads: list[Read]) -> list[list]:
    """Each read's objects, in its order, from one statement."""
    if not reads:
        return []
    parts, branches = _reads_layout(tuple((read.model, read.order_by) for read in reads))
    statement = _union(
        [branch.where(*read.where, *_in_tenant(read.model)) for branch, read in zip(branches, reads, strict=True)]
    )
    found: list[list] = [[] for _ in parts]
    session = _plain(session)
    for row in session.execute(statement).all():
        part = parts[row[0]]
        found[part.number].append(_persistent(session, part, row[part.start : part.start + len(part.columns)]))
    return found


def _in_tenant(model) -> tuple:
    """The current tenant's rows only. The branches select from tables, which the ORM's
    tenant criteria never reach (they scope ORM entities): a tenant table's branch names the
    tenant itself, or a list page would offer every workspace's users, tags and fields."""
    if not is_tenant_scoped(model):
        return ()
    return (model.__table__.c.tenant_id == require_tenant_id(),)


def load_together(session, records: list, collections: list[Together]) -> None:
    """Fill `collections` of every record (all of one model, one tenant) from one statement."""
    if not records or not collections:
        return
    plan = _collections_plan(tuple(collections), session.get_bind().dialect.name)
    keys = [tuple(getattr(record, name) for name in plan.parent_key_names) for record in records]
    shared = keys[0][:-1]
    if any(key[:-1] != shared for key in keys):
        raise ValueError("load_together reads the records of one tenant at a time")
    params = {f"shared_{index}": value for index, value in enumerate(shared)}
    params["ids"] = [key[-1] for key in keys]
    found: list[dict[tuple, list]] = [{} for _ in plan.parts]
    session = _plain(session)
    for row in session.execute(plan.statement, params).all():
        part = plan.parts[row[0]]
        values = row[part.start : part.start + len(part.columns)]
        parent = tuple(values[index] for index in part.link_positions)
        found[part.number].setdefault(parent, []).append(_persistent(session, part, values))
    for part in plan.parts:
        for record, key in zip(records, keys, strict=True):
            set_committed_value(record, part.key, found[part.number].get(key, []))


@lru_cache(maxsize=256)
def _reads_layout(shapes: tuple[tuple[type, tuple], ...]) -> tuple[list, list]:
    """(parts, each read's branch without its conditions) for reads of these models in these
    orders, built once: the branches' typed and labelled columns (a list page's four reads
    make some 160) cost more Python to build than the statement costs to run."""
    parts = [_Part(number, model.__mapper__) for number, (model, _) in enumerate(shapes)]
    branches = [part.select(labelled, (), order_by) for part, (_, order_by), labelled in _slotted(parts, shapes)]
    return parts, branches


@dataclass(frozen=True)
class _Plan:
    statement: object
    parts: list
    parent_key_names: list


@lru_cache(maxsize=256)
def _collections_plan(collections: tuple[Together, ...], dialect: str) -> _Plan:
    """The UNION for these collections, built once: a page's keys are its parameters."""
    parts = [_Part.of_collection(number, item.relationship) for number, item in enumerate(collections)]
    names = parts[0].parent_key_names
    if any(part.parent_key_names != names for part in parts):
        raise ValueError("load_together reads collections hanging on the same key")
    selects = [
        part.select(labelled, part.parent_conditions(dialect), part.order_by)
        for part, _, labelled in _slotted(parts, parts)
    ]
    return _Plan(_union(selects), parts, names)


def _slotted(parts, items):
    """(part, item, its select list): every part's columns in a slot of their own, typed
    NULLs in the others' slots. Row layout: branch number, position, then the slots."""
    slots = [column for part in parts for column in part.columns]
    start = 2
    for part, item in zip(parts, items, strict=True):
        part.start = start
        end = start + len(part.columns)
        values = [
            column if start <= index + 2 < end else cast(null(), column.type) for index, column in enumerate(slots)
        ]
        yield part, item, [value.label(f"c{index}") for index, value in enumerate(values)]
        start = end


def _union(selects):
    if len(selects) == 1:
        return selects[0].order_by("position")
    return union_all(*selects).order_by("branch", "position")


class _Part:
    """One branch of the UNION: a model's mapped columns (and, for a collection, the columns
    holding the parent's key), where they come from, and their order."""

    def __init__(self, number: int, mapper):
        self.number = number
        self.mapper = mapper
        self.table = mapper.local_table
        self.own, self.attribute_names, self.primary_positions = _mapped_columns(mapper)
        self.columns = list(self.own)
        self.source = self.table
        self.start = 0
        self.order_by = ()

    @classmethod
    def of_collection(cls, number: int, relationship) -> "_Part":
        part = cls(number, relationship.mapper)
        part.key = relationship.key
        # (parent column, column holding the parent's key): in the target's table, or the link table's.
        pairs = _pairs(relationship.primaryjoin, relationship.parent.local_table)
        part.parent_key_names = [relationship.parent.get_property_by_column(parent).key for parent, _ in pairs]
        part.link_columns = [link for _, link in pairs]
        if relationship.secondary is not None:
            on = and_(*(target == link for target, link in _pairs(relationship.secondaryjoin, part.table)))
            part.source = relationship.secondary.join(part.table, on)
        part.columns += [column for column in part.link_columns if column.table is not part.table]
        # Where, in a row of this part, each piece of the parent's key is.
        part.link_positions = [
            next(index for index, column in enumerate(part.columns) if column.compare(link))
            for link in part.link_columns
        ]
        part.order_by = tuple(relationship.order_by or ())
        return part

    def parent_conditions(self, dialect: str) -> list:
        """Every piece of the parent's key but the last (the tenant) is the same for a whole
        page; the last (the id) is one array parameter on PostgreSQL, so the plan does not
        grow with the page (an IN list of 50 pairs took 6 ms to plan, more than to run)."""
        *shared, varying = self.link_columns
        conditions = [column == bindparam(f"shared_{index}") for index, column in enumerate(shared)]
        if dialect == "postgresql":
            conditions.append(varying == any_(bindparam("ids", type_=ARRAY(varying.type))))
        else:
            conditions.append(varying.in_(bindparam("ids", expanding=True)))
        return conditions

    def select(self, labelled, where, order_by):
        # The branch's own order, as a number, so the UNION can keep it (a branch of a UNION
        # cannot have an ORDER BY of its own).
        position = func.row_number().over(order_by=list(order_by)) if order_by else literal(0)
        stmt = select(literal(self.number).label("branch"), position.label("position"), *labelled)
        return stmt.select_from(self.source).where(*where)


@lru_cache(maxsize=512)
def _mapped_columns(mapper) -> tuple[list, list, list]:
    """(the table's mapped columns, their attribute names, where the primary key is in them)."""
    own = [column for column in mapper.local_table.columns if mapper.get_property_by_column(column) is not None]
    names = [mapper.get_property_by_column(column).key for column in own]
    primary = [next(index for index, column in enumerate(own) if column.compare(key)) for key in mapper.primary_key]
    return own, names, primary


def _check_plain(join) -> None:
    for clause in _clauses(join):
        if not (isinstance(clause, BinaryExpression) and clause.operator is operators.eq):
            raise ValueError(f"together() takes collections joined on key equalities only, not {clause}")


def _clauses(join) -> list:
    return list(join.clauses) if isinstance(join, BooleanClauseList) and join.operator is operators.and_ else [join]


def _pairs(join, table) -> list[tuple]:
    """(column of `table`, the column it equals) of each equality in a relationship's join."""
    pairs = []
    for clause in _clauses(join):
        left, right = clause.left, clause.right
        pairs.append((left, right) if left.table is table else (right, left))
    return pairs


def _plain(session):
    """The Session itself, not its scoped registry: `_persistent` needs its `hash_key`."""
    return session() if isinstance(session, scoped_session) else session


def _persistent(session, part: _Part, values):
    """The session's object for this row: the one it holds, else a new persistent one.

    A new one is registered as the ORM's own loading registers a row it has not seen
    (`sqlalchemy.orm.loading`): its identity key, its session, the identity map. Its values are
    written to its state, so they are loaded, not changed: no history, nothing to flush.
    `make_transient_to_detached()` and `Session.add()` did the same for ~50 rows a page while
    deriving the key again and walking every relationship's cascade: 9 % of an API list call's
    CPU (bench/README.md, 2026-12-06)."""
    mapper = part.mapper
    identity = mapper.identity_key_from_primary_key([values[index] for index in part.primary_positions])
    held = session.identity_map.get(identity)
    if held is not None:
        return held
    instance = mapper.class_manager.new_instance()
    state = instance_state(instance)
    state.dict.update(zip(part.attribute_names, values, strict=False))
    state.key = identity
    state.session_id = session.hash_key
    session.identity_map.add(state)
    return instance
