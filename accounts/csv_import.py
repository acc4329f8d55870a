"""CSV import of accounts, contacts, contract lines and usage events for one organization.

Columns are the API's field names (``external_id``, ``name``, ``account`` as the account's
external id, ``owner`` as a member's email …). Rows are upserted by ``external_id`` through
``accounts.services`` (events go through ``accounts.ingest.event_batch_ingest``), so an import
can be re-run safely. An empty cell means "not given": a new record gets the default, an
existing one keeps its value.

The whole file is processed in one transaction scoped to the organization; every line is
checked by the same services that write it (so references to accounts created earlier in the
same file work). If any line is bad, the transaction is rolled back and nothing is written,
unless ``skip_bad_lines`` is set, in which case each bad line is left out on its own (a savepoint
per line) and the good ones are kept.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError

from retention import rls
from retention.models import Organization

from . import services

EVENT_BATCH_SIZE = 1000  # the ingest service's batch limit, as for the API


class CsvImportError(Exception):
    """The file as a whole cannot be imported (unreadable, not CSV, missing columns)."""


@dataclass(frozen=True)
class LineError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column '{self.column}'" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    duplicates: int = 0  # events already stored (by message_id): acknowledged, not counted twice
    errors: list[LineError] = field(default_factory=list)
    committed: bool = False

    @property
    def bad_lines(self) -> int:
        return len({error.line for error in self.errors})

    @property
    def skipped(self) -> int:
        """Lines not written: bad lines left out with ``skip_bad_lines``, and duplicate events."""
        return (self.bad_lines if self.committed else 0) + self.duplicates


@dataclass(frozen=True)
class Kind:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    upsert: Callable | None = None  # services.<type>_upsert; None for events
    booleans: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


KINDS: dict[str, Kind] = {
    "accounts": Kind(
        "accounts",
        required=("external_id", "name"),
        optional=("domain", "segment", "tier", "owner", "lifecycle_stage", "touch_model", "start_date", "churned_on"),
        upsert=services.account_upsert,
    ),
    "contacts": Kind(
        "contacts",
        required=("external_id", "account", "name"),
        optional=("email", "title", "department", "stakeholder_role", "last_engaged_at", "left_on"),
        upsert=services.contact_upsert,
    ),
    "contracts": Kind(
        "contracts",
        required=("external_id", "account", "product", "mrr", "start_date"),
        optional=("is_addon", "seats_licensed", "end_date", "renewal_date", "billing_period", "discount_percent"),
        upsert=services.contract_line_upsert,
        booleans=("is_addon",),
    ),
    "events": Kind(
        "events",
        required=("account", "event", "timestamp"),
        optional=("user", "properties", "value", "message_id"),
    ),
}

_TRUE, _FALSE = {"true", "t", "yes", "y", "1"}, {"false", "f", "no", "n", "0"}


@dataclass(frozen=True)
class CsvFile:
    """A readable CSV file with its header checked against a kind."""

    path: Path
    kind: Kind
    header: tuple[str, ...]
    row_count: int

    @property
    def ignored_columns(self) -> list[str]:
        return [c for c in self.header if c not in self.kind.columns]

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line number where the record starts, {column: stripped cell}) for every data row."""
        with self.path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            next(reader)
            start = reader.line_num + 1
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield start, {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(self.header)}
                start = reader.line_num + 1


def open_csv(*, path: str | Path, kind: str) -> CsvFile:
    """Check that the file can be read as UTF-8 CSV and has the kind's required columns."""
    if kind not in KINDS:
        raise CsvImportError(f"Unknown kind '{kind}'; choose one of {', '.join(KINDS)}.")
    spec, path = KINDS[kind], Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = tuple(cell.strip().lower() for cell in next(reader, []))
            row_count = sum(1 for cells in reader if any(cell.strip() for cell in cells))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        reason = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
        raise CsvImportError(f"Cannot read {path}: {reason}.")
    if not header:
        raise CsvImportError(f"{path} is empty; the first line must name the columns.")
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise CsvImportError(f"Columns appear more than once: {', '.join(duplicated)}.")
    missing = [c for c in spec.required if c not in header]
    if missing:
        raise CsvImportError(f"Missing required column(s) for {kind}: {', '.join(missing)}. The file has: {', '.join(header)}.")
    return CsvFile(path=path, kind=spec, header=header, row_count=row_count)


# --- Records (accounts, contacts, contracts) ------------------------------------------------


def _record_data(kind: Kind, cells: dict[str, str], line: int) -> tuple[dict, list[LineError]]:
    data, errors = {}, []
    for column in kind.columns:
        value = cells.get(column, "")
        if value == "":
            continue  # not given
        if column in kind.booleans:
            if value.lower() not in _TRUE | _FALSE:
                errors.append(LineError(line, column, f"'{value}' is not true or false."))
                continue
            value = value.lower() in _TRUE
        data[column] = value
    for column in kind.required:
        if column not in data:
            errors.append(LineError(line, column, "This column is required; the cell is empty."))
    return data, errors


def _service_errors(exc: ValidationError, line: int) -> list[LineError]:
    if not hasattr(exc, "error_dict"):
        return [LineError(line, "", message) for message in exc.messages]
    return [LineError(line, "" if name == "__all__" else name, message) for name, messages in exc.message_dict.items() for message in messages]


def _import_records(*, organization: Organization, csv_file: CsvFile, result: ImportResult, progress: Callable[[int], None]) -> None:
    kind = csv_file.kind
    for line, cells in csv_file.rows():
        result.rows += 1
        progress(1)
        data, errors = _record_data(kind, cells, line)
        if errors:
            result.errors += errors
            continue
        external_id = data.pop("external_id")
        try:
            # The service validates before writing and writes in its own savepoint, so a bad line
            # leaves nothing behind and the import's transaction stays usable for the next one.
            _record, created = kind.upsert(organization=organization, external_id=external_id, actor=None, data=data)
        except ValidationError as exc:
            result.errors += _service_errors(exc, line)
            continue
        if created:
            result.created += 1
        else:
            result.updated += 1


# --- Events ---------------------------------------------------------------------------------

_FIELD_IN_DETAIL = re.compile(r"'(\w+)'")
_COLUMN_FOR_CODE = {"unknown_account": "account", "timestamp_in_future": "timestamp"}


def _event(cells: dict[str, str], line: int) -> tuple[dict | None, list[LineError]]:
    errors: list[LineError] = []
    event = {name: cells.get(name, "") for name in ("account", "user", "event", "timestamp", "message_id")}
    for column in ("account", "event", "timestamp"):
        if not event[column]:
            errors.append(LineError(line, column, "This column is required; the cell is empty."))
    properties_text = cells.get("properties", "")
    event["properties"] = {}
    if properties_text:
        try:
            event["properties"] = json.loads(properties_text)
        except ValueError:
            errors.append(LineError(line, "properties", 'Not valid JSON; give a JSON object such as {"plan": "pro"}.'))
        else:
            if not isinstance(event["properties"], dict):
                errors.append(LineError(line, "properties", 'Give a JSON object such as {"plan": "pro"}.'))
    value_text = cells.get("value", "")
    event["value"] = None
    if value_text:
        try:
            event["value"] = float(value_text)
        except ValueError:
            errors.append(LineError(line, "value", f"'{value_text}' is not a number."))
        else:
            if not math.isfinite(event["value"]):
                errors.append(LineError(line, "value", "Give a finite number."))
    if not event["message_id"]:
        # Derived from the row's content, so importing the same file twice stores each event once.
        digest = hashlib.sha256(json.dumps([cells.get(c, "") for c in KINDS["events"].columns]).encode()).hexdigest()[:32]
        event["message_id"] = f"csv-{digest}"
    return (None if errors else event), errors


def _import_events(*, organization: Organization, csv_file: CsvFile, result: ImportResult, progress: Callable[[int], None]) -> None:
    from .ingest import event_batch_ingest  # the ingestion module is loaded only for event imports

    batch: list[tuple[int, dict]] = []

    def flush() -> None:
        outcome = event_batch_ingest(organization=organization, events=[event for _line, event in batch])
        for (line, _event_dict), item in zip(batch, outcome.results, strict=True):
            if item.status == "accepted":
                result.created += 1
            elif item.status == "duplicate":
                result.duplicates += 1
            else:
                column = _COLUMN_FOR_CODE.get(item.code or "") or next(iter(_FIELD_IN_DETAIL.findall(item.detail or "")), "")
                result.errors.append(LineError(line, column, item.detail or item.code or "Rejected."))
        progress(len(batch))
        batch.clear()

    for line, cells in csv_file.rows():
        result.rows += 1
        event, errors = _event(cells, line)
        if errors:
            result.errors += errors
            progress(1)
            continue
        batch.append((line, event))
        if len(batch) >= EVENT_BATCH_SIZE:
            flush()
    if batch:
        flush()


# --- Entry point ----------------------------------------------------------------------------


class _RollBack(Exception):
    """Leaves the import's transaction without committing (a failed validation pass)."""


def import_csv(*, organization: Organization, csv_file: CsvFile, skip_bad_lines: bool = False, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import ``csv_file`` into ``organization``. Writes nothing if any line is bad, unless
    ``skip_bad_lines``; ``result.errors`` lists every bad line either way."""
    result = ImportResult(kind=csv_file.kind.name)
    progress = progress or (lambda n: None)
    try:
        with rls.tenant_context(organization.id):
            if csv_file.kind.name == "events":
                _import_events(organization=organization, csv_file=csv_file, result=result, progress=progress)
            else:
                _import_records(organization=organization, csv_file=csv_file, result=result, progress=progress)
            if result.errors and not skip_bad_lines:
                raise _RollBack
    except _RollBack:
        result.created = result.updated = result.duplicates = 0
        return result
    result.committed = True
    return result
