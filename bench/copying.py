"""Loading generated rows through PostgreSQL's COPY: the Loader and Spool that bench/generate.py
(the tenants and contacts) and bench/deals.py (the deals) both use."""

import json
import tempfile
from datetime import datetime

from psycopg.types.json import Jsonb

REQUIRED = object()


def copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Loader:
    """Writes rows of one table through COPY, filling unnamed columns with the model defaults.

    Rows come from a generator (never a list of a million dicts) or from a spool file of COPY
    text written while another table streamed: peak memory stays flat however many rows."""

    def __init__(self, cur, table):
        self.cur, self.table = cur, table
        self.columns = [column.name for column in table.columns]
        self.defaults = {column.name: self._default(column) for column in table.columns}

    @staticmethod
    def _default(column):
        default = column.default
        if default is not None and default.is_scalar:
            return default.arg
        # A column the database fills (a trigger-kept counter starting at "0") still has to be
        # named in COPY's column list, so it takes the text of its server default.
        server_default = column.server_default
        if server_default is not None and isinstance(getattr(server_default, "arg", None), str):
            return server_default.arg
        if column.nullable:
            return None
        if column.name in ("custom_fields", "details", "options", "scopes"):
            return {}
        return REQUIRED

    def values(self, row) -> list:
        values = []
        for name in self.columns:
            value = row.get(name, self.defaults[name])
            if value is REQUIRED:
                raise ValueError(f"{self.table.name}.{name} needs a value")
            values.append(value)
        return values

    def _copy(self):
        names = ", ".join(f'"{name}"' for name in self.columns)
        return self.cur.copy(f'COPY "{self.table.name}" ({names}) FROM STDIN')

    def load(self, rows) -> int:
        count = 0
        with self._copy() as copy:
            for row in rows:
                copy.write_row([Jsonb(v) if isinstance(v, dict | list) else v for v in self.values(row)])
                count += 1
        return count

    def load_spool(self, spool) -> int:
        spool.file.seek(0)
        with self._copy() as copy:
            while chunk := spool.file.read(1 << 20):
                copy.write(chunk)
        spool.file.close()
        return spool.count


class Spool:
    """Rows of a table written as COPY text to a temporary file, loaded once their parents are in."""

    def __init__(self, loader: Loader):
        self.loader = loader
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - load_spool closes it
        self.count = 0

    def add(self, row) -> None:
        self.file.write("\t".join(copy_text(value) for value in self.loader.values(row)) + "\n")
        self.count += 1
