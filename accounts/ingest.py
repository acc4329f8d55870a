"""Usage-event ingestion: validate a batch item by item, store it idempotently, keep the rollups.

``event_batch_ingest`` is the one write path for usage events (the REST batch endpoint, the
Segment-compatible endpoints, the CSV importer and the simulator all call it). Each event is
accepted, acknowledged as a duplicate (its ``message_id`` is already stored, or repeated earlier
in the same batch) or rejected with a stable code. The daily rollups (``DailyEventCount``,
``DailyActiveUser``; days in UTC) change in the same transaction as the insert, from exactly the
rows that were inserted, so a re-sent event never counts twice and a late event lands on its own
day.

On PostgreSQL the batch is streamed with COPY into a temporary table; one more round trip runs
one statement: ``INSERT … SELECT … JOIN accounts … ON CONFLICT DO NOTHING RETURNING`` (the join is
what keeps the events' accounts valid: the table has no per-row foreign-key checks, see
``UsageEvent``) and set-based rollup upserts from the returned rows -- last, just before the
commit, because today's rollup rows are locked by every concurrent batch. On SQLite the same
results come from a slower ORM path.
"""

from __future__ import annotations

import csv
import io
import json
import math
import numbers
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

import orjson
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from retention import rls

from .models import Account, DailyActiveUser, DailyEventCount, UsageEvent, UserLastActive

MAX_TEXT_LENGTH = 100  # event name, message_id, account and user external ids (the columns' size)
MAX_PROPERTIES_BYTES = 32 * 1024
FUTURE_TOLERANCE = timedelta(hours=1)

ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"


@dataclass(frozen=True)
class ItemResult:
    index: int
    status: str  # "accepted" | "duplicate" | "rejected"
    message_id: str | None
    code: str | None = None  # stable error code of a rejected item
    detail: str | None = None  # what a person can act on


@dataclass(frozen=True)
class BatchResult:
    accepted: int
    duplicates: int
    rejected: int
    results: list[ItemResult]


class _Rejected(Exception):
    def __init__(self, code: str, detail: str):
        self.code = code
        self.detail = detail


# A validated event, ready for COPY: (index, account, user, event, timestamp as ISO-8601 UTC,
# properties as JSON text, value as text or "" for none, message_id). Plain tuples: this loop runs
# for every event, and the CSV writer takes them as they are.
_Row = tuple


# --- validation -------------------------------------------------------------------------------


def _utf8_safe(text: str) -> bool:
    # Lone surrogates (legal in JSON escapes, illegal in UTF-8) would break the whole COPY.
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(event: dict, field: str, required: bool) -> str:
    raw = event.get(field)
    if raw is None or raw == "":
        if required:
            raise _Rejected("missing_field", f"'{field}' is required.")
        return ""
    if not isinstance(raw, str):
        raise _Rejected("invalid_type", f"'{field}' must be a string.")
    if len(raw) > MAX_TEXT_LENGTH:
        raise _Rejected("invalid_value", f"'{field}' is longer than {MAX_TEXT_LENGTH} characters.")
    if "\x00" in raw or not _utf8_safe(raw):
        raise _Rejected("invalid_value", f"'{field}' contains characters that cannot be stored (NUL or an unpaired surrogate).")
    return raw


def _timestamp(raw, latest: datetime) -> str:
    if raw is None or raw == "":
        raise _Rejected("missing_field", "'timestamp' is required.")
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise _Rejected("invalid_value", "'timestamp' must be an ISO-8601 date-time, e.g. 2026-05-01T12:30:00Z.")
    elif isinstance(raw, datetime):
        moment = raw
    else:
        raise _Rejected("invalid_type", "'timestamp' must be an ISO-8601 string.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # documented: a timestamp without offset is UTC
    elif moment.utcoffset():
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:
            raise _Rejected("invalid_value", "'timestamp' is out of range.")
    if moment > latest:
        raise _Rejected("timestamp_in_future", "'timestamp' is more than 1 hour in the future.")
    # Re-rendered rather than passed through: Python accepts ISO forms (week dates …) PostgreSQL does not.
    return moment.isoformat()


_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _properties(raw) -> str:
    if raw is None:
        return "{}"
    if not isinstance(raw, dict):
        raise _Rejected("invalid_type", "'properties' must be a JSON object.")
    if not raw:
        return "{}"
    try:
        encoded = orjson.dumps(raw)
    except TypeError as exc:  # not JSON-serializable, an unpaired surrogate, an integer beyond 64 bits
        raise _Rejected("invalid_value", f"'properties' cannot be stored as JSON: {exc}.")
    if b"null" in encoded:
        # orjson writes NaN and infinities as null; only a Python caller can send them, and
        # silently changing data is worse than refusing it.
        try:
            json.dumps(raw, allow_nan=False)
        except ValueError:
            raise _Rejected("invalid_value", "'properties' contains a number that is not finite (NaN or infinity).")
    if len(encoded) > MAX_PROPERTIES_BYTES:
        raise _Rejected("invalid_value", f"'properties' is larger than {MAX_PROPERTIES_BYTES // 1024} KiB.")
    if b"\\u0000" in encoded and _NUL_ESCAPE.search(encoded):
        raise _Rejected("invalid_value", "'properties' contains a NUL character, which cannot be stored.")
    return encoded.decode()


def _value(raw) -> str:
    if raw is None:
        return ""
    # Real numbers of any kind (int, float, Decimal, numpy scalars from a bulk loader), never booleans.
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real | Decimal):
        raise _Rejected("invalid_type", "'value' must be a number.")
    try:
        number = float(raw)
    except (OverflowError, ValueError):
        raise _Rejected("invalid_value", "'value' is out of range.")
    if not math.isfinite(number):
        raise _Rejected("invalid_value", "'value' must be a finite number.")
    return repr(number)


# The shape nearly every client sends: ASCII ids, a UTC timestamp in ISO-8601 extended form
# (which PostgreSQL reads exactly as Python does, so it is staged as sent), a small properties
# object, a plain number. ``_common_row`` accepts such an event in one pass; anything else, and
# every event that will be rejected, goes field by field below, where the errors are written.
_UTC_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]00:00)", re.ASCII)
_instant = datetime.fromisoformat
_json = orjson.dumps


def _common_row(index: int, event, latest: datetime) -> _Row | None:
    """The row ``_validate`` would build (the same values stored), or None to go field by field."""
    if type(event) is not dict:
        return None
    get = event.get
    account, name, message_id, user = get("account"), get("event"), get("message_id"), get("user") or ""
    if not (
        type(account) is str and type(name) is str and type(message_id) is str and type(user) is str
        and 0 < len(account) <= MAX_TEXT_LENGTH and 0 < len(name) <= MAX_TEXT_LENGTH
        and 0 < len(message_id) <= MAX_TEXT_LENGTH and len(user) <= MAX_TEXT_LENGTH
    ):  # fmt: skip
        return None
    ids = account + name + message_id + user
    if not ids.isascii() or "\x00" in ids:
        return None
    stamp = get("timestamp")
    if type(stamp) is not str or not _UTC_INSTANT.fullmatch(stamp):
        return None
    try:
        if _instant(stamp) > latest:
            return None
    except ValueError:  # a day or hour out of range
        return None
    properties = get("properties")
    if properties is None or (type(properties) is dict and not properties):
        properties_json = "{}"
    elif type(properties) is dict:
        try:
            encoded = _json(properties)
        except TypeError:
            return None
        if len(encoded) > MAX_PROPERTIES_BYTES or b"null" in encoded or b"\\u0000" in encoded:
            return None
        properties_json = encoded.decode()
    else:
        return None
    value = get("value")
    if value is None:
        value_text = ""
    elif (type(value) is float and math.isfinite(value)) or (type(value) is int and -1e300 < value < 1e300):
        value_text = repr(float(value))
    else:
        return None
    return (index, account, user, name, stamp, properties_json, value_text, message_id)


def _validate(index: int, event, latest: datetime) -> _Row:
    row = _common_row(index, event, latest)
    if row is not None:
        return row
    if not isinstance(event, dict):
        raise _Rejected("invalid_type", "Each event must be a JSON object.")
    get = event.get
    return (
        index,
        _text(event, "account", True),
        _text(event, "user", False),
        _text(event, "event", True),
        _timestamp(get("timestamp"), latest),
        _properties(get("properties")),
        _value(get("value")),
        _text(event, "message_id", True),
    )


def _message_id_of(event) -> str | None:
    if isinstance(event, dict):
        message_id = event.get("message_id")
        if isinstance(message_id, str):
            return message_id[:MAX_TEXT_LENGTH]
    return None


# --- the service ------------------------------------------------------------------------------

_I, _ACCOUNT, _USER, _EVENT, _TIMESTAMP, _PROPERTIES, _VALUE, _MESSAGE_ID = range(8)


def event_batch_ingest(*, organization, events: list[dict], now: datetime | None = None) -> BatchResult:
    """Store a batch of usage events for one organization; every event gets its own result.

    Runs in one transaction (a savepoint inside a request's) scoped to the organization by
    row-level security: events and rollups are written together or not at all. Any batch size
    works; the API caps requests at 1,000 events, bulk loaders may send tens of thousands.
    """
    now = now or timezone.now()
    latest = now + FUTURE_TOLERANCE
    results: list[ItemResult | None] = [None] * len(events)
    candidates: list[_Row] = []
    seen_message_ids: set[str] = set()
    for index, event in enumerate(events):
        try:
            row = _validate(index, event, latest)
        except _Rejected as rejection:
            results[index] = ItemResult(index, REJECTED, _message_id_of(event), rejection.code, rejection.detail)
            continue
        message_id = row[_MESSAGE_ID]
        if message_id in seen_message_ids:
            results[index] = ItemResult(index, DUPLICATE, message_id, None, "Repeats a message_id sent earlier in this batch.")
            continue
        seen_message_ids.add(message_id)
        candidates.append(row)

    if candidates:
        if connection.vendor == "postgresql":
            # The caller's transaction, if any: several batches may share its staging table.
            store = partial(_store_postgres, in_transaction=connection.in_atomic_block)
        else:
            store = _store_portable
        with rls.tenant_context(organization.id):
            inserted, unknown_accounts = store(organization_id=organization.id, rows=candidates, now=now)
        for row in candidates:
            index, message_id = row[_I], row[_MESSAGE_ID]
            if message_id in inserted:
                results[index] = ItemResult(index, ACCEPTED, message_id)
            elif message_id in unknown_accounts:
                results[index] = ItemResult(index, REJECTED, message_id, "unknown_account", f"No account with external id '{row[_ACCOUNT]}'.")
            else:
                results[index] = ItemResult(index, DUPLICATE, message_id, None, "An event with this message_id is already stored.")

    final: list[ItemResult] = results  # type: ignore[assignment]  (every slot is filled above)
    tally = Counter(result.status for result in final)
    return BatchResult(accepted=tally[ACCEPTED], duplicates=tally[DUPLICATE], rejected=tally[REJECTED], results=final)


# --- PostgreSQL: COPY, INSERT … ON CONFLICT … RETURNING, rollups from the returned rows -------------

_STAGE_TABLE = "ingest_event_stage"
# Created once per connection; ON COMMIT DELETE ROWS empties it with each transaction (and a
# rollback takes its rows with it), so a batch that starts a transaction finds it empty. A batch
# inside a longer transaction (a bulk loader's) truncates it first: a DELETE would leave the
# earlier batches' rows behind as dead rows that every later batch scans again.
_CREATE_STAGE = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE_TABLE} (
    account text NOT NULL,
    user_external_id text,
    event text NOT NULL,
    "timestamp" timestamptz NOT NULL,
    properties jsonb NOT NULL,
    value double precision,
    message_id text NOT NULL
) ON COMMIT DELETE ROWS;
"""
_EMPTY_STAGE = f"TRUNCATE {_STAGE_TABLE}"
_COPY_STAGE = f'COPY {_STAGE_TABLE} (account, user_external_id, event, "timestamp", properties, value, message_id) FROM STDIN WITH (FORMAT csv)'

# One statement. ``inserted``: accounts are resolved by external id within the organization (and
# under its row-level security); ON CONFLICT makes a stored message_id a no-op; only the rows
# actually inserted are returned, and only they feed the rollups. The rollups follow from those
# rows in the same statement, so they commit or roll back with the events.
#
# Locks are taken in one order by every batch, so that concurrent batches wait for each other
# instead of deadlocking: events by message_id, rollup rows by their key (byte order, COLLATE
# "C": any fixed order serves, and this one compares without the locale). The rollup upserts
# run after every event is inserted (their GROUP BY reads all of ``inserted`` first) and just
# before the commit: today's rollup rows are hot, and their row locks are held until the commit
# (the event table has no foreign keys whose deferred checks would run at commit).
_INGEST_SQL = f"""
WITH inserted AS (
    INSERT INTO accounts_usageevent
        (organization_id, account_id, user_external_id, event, "timestamp", properties, value, message_id, received_at)
    SELECT $1, a.id, coalesce(s.user_external_id, ''), s.event, s."timestamp", s.properties, s.value, s.message_id, $2
    FROM {_STAGE_TABLE} s
    JOIN accounts_account a ON a.organization_id = $1 AND a.external_id = s.account
    ORDER BY s.message_id COLLATE "C"
    ON CONFLICT (organization_id, message_id) DO NOTHING
    RETURNING account_id, user_external_id, event, ("timestamp" AT TIME ZONE 'UTC')::date AS day, value, message_id
), event_counts AS (
    INSERT INTO accounts_dailyeventcount AS rollup (organization_id, account_id, day, event, count, value_sum)
    SELECT $1, account_id, day, event, count(*), coalesce(sum(value), 0)
    FROM inserted
    GROUP BY account_id, day, event
    ORDER BY account_id, day, event COLLATE "C"
    ON CONFLICT (organization_id, account_id, day, event)
    DO UPDATE SET count = rollup.count + EXCLUDED.count, value_sum = rollup.value_sum + EXCLUDED.value_sum
), active_users AS (
    INSERT INTO accounts_dailyactiveuser (organization_id, account_id, day, user_external_id)
    SELECT DISTINCT $1, account_id, day, user_external_id COLLATE "C"
    FROM inserted
    WHERE user_external_id <> ''
    ORDER BY 2, 3, 4
    ON CONFLICT (organization_id, account_id, day, user_external_id) DO NOTHING
    RETURNING account_id, user_external_id, day
), last_active AS (
    -- Only a day new to the daily rollup (returned above) can be among a user's latest two.
    INSERT INTO accounts_userlastactive AS seen (organization_id, account_id, user_external_id, last_day, previous_day)
    SELECT $1, account_id, user_external_id, days[1], days[2]
    FROM (
        SELECT account_id, user_external_id, array_agg(day ORDER BY day DESC) AS days
        FROM active_users GROUP BY account_id, user_external_id
    ) new_days
    ORDER BY account_id, user_external_id COLLATE "C"
    ON CONFLICT (organization_id, account_id, user_external_id) DO UPDATE SET
        last_day = greatest(seen.last_day, EXCLUDED.last_day),
        previous_day = CASE WHEN EXCLUDED.last_day > seen.last_day THEN greatest(seen.last_day, EXCLUDED.previous_day)
                            ELSE greatest(seen.previous_day, EXCLUDED.last_day) END
)
SELECT message_id FROM inserted
"""
# Prepared once per database connection (the statement's parse and plan cost about 1 ms, a
# microsecond per event of a full batch); $1 is the organization, $2 the time of receipt.
_INGEST_NAME = "retention_ingest_events_v1"
_PREPARE_INGEST = f"PREPARE {_INGEST_NAME} (bigint, timestamptz) AS {_INGEST_SQL}"
_EXECUTE_INGEST = f"EXECUTE {_INGEST_NAME} (%(org)s, %(now)s)"


# Asked only when some staged event was not inserted: a duplicate, or an unknown account?
_UNKNOWN_ACCOUNTS = f"""
SELECT s.message_id FROM {_STAGE_TABLE} s
WHERE NOT EXISTS (SELECT 1 FROM accounts_account a WHERE a.organization_id = %(org)s AND a.external_id = s.account)
"""


def _stage_csv(rows: list[_Row]) -> io.StringIO:
    """The rows as COPY's CSV. An unquoted empty field is NULL there: a missing user or value."""
    lines = []
    unusual = []
    for row in rows:
        ids = row[_ACCOUNT] + row[_USER] + row[_EVENT] + row[_MESSAGE_ID]
        if '"' in ids or "," in ids or "\n" in ids or "\r" in ids:
            unusual.append(row)
            continue
        # Only the properties need quoting (timestamps and numbers are as rendered above).
        properties = row[_PROPERTIES].replace('"', '""')
        lines.append(f'{row[_ACCOUNT]},{row[_USER]},{row[_EVENT]},{row[_TIMESTAMP]},"{properties}",{row[_VALUE]},{row[_MESSAGE_ID]}\r\n')
    if unusual:  # ids that need quoting: the csv module's rules (and its line ends, as above)
        buffer = io.StringIO()
        csv.writer(buffer).writerows(row[1:] for row in unusual)
        lines.append(buffer.getvalue())
    return io.StringIO("".join(lines))


def _store_postgres(*, organization_id: int, rows: list[_Row], now: datetime, in_transaction: bool) -> tuple[set[str], set[str]]:
    """Returns the message ids inserted and those whose account is unknown. Three round trips
    (four when some event was not inserted)."""
    buffer = _stage_csv(rows)
    with connection.cursor() as cursor:
        cursor.execute(_CREATE_STAGE + _EMPTY_STAGE if in_transaction else _CREATE_STAGE)
        cursor.copy_expert(_COPY_STAGE, buffer, size=1 << 20)
        if getattr(connection, "_ingest_prepared_on", None) is not connection.connection:
            # PREPARE outlives a rolled-back transaction, and a reconnect starts without it
            # (hence the check against this very database connection).
            cursor.execute(_PREPARE_INGEST)
            connection._ingest_prepared_on = connection.connection
        cursor.execute(_EXECUTE_INGEST, {"org": organization_id, "now": now})
        inserted = {message_id for (message_id,) in cursor.fetchall()}
        unknown: set[str] = set()
        if len(inserted) < len(rows):
            cursor.execute(_UNKNOWN_ACCOUNTS, {"org": organization_id})
            unknown = {message_id for (message_id,) in cursor.fetchall()}
    return inserted, unknown


# --- SQLite (and any other database): the same results through the ORM -------------------------


def _account_ids(*, organization_id: int, external_ids: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(external_ids)
    for start in range(0, len(ordered), 500):  # SQLite caps the number of query parameters
        chunk = ordered[start : start + 500]
        found.update(Account.objects.filter(organization_id=organization_id, external_id__in=chunk).values_list("external_id", "id"))
    return found


def _store_portable(*, organization_id: int, rows: list[_Row], now: datetime) -> tuple[set[str], set[str]]:
    account_ids = _account_ids(organization_id=organization_id, external_ids={row[_ACCOUNT] for row in rows})
    unknown = {row[_MESSAGE_ID] for row in rows if row[_ACCOUNT] not in account_ids}
    rows = [row for row in rows if row[_ACCOUNT] in account_ids]
    message_ids = [row[_MESSAGE_ID] for row in rows]
    existing: set[str] = set()
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start : start + 500]
        existing.update(UsageEvent.objects.filter(organization_id=organization_id, message_id__in=chunk).values_list("message_id", flat=True))
    fresh = [row for row in rows if row[_MESSAGE_ID] not in existing]
    counts: dict[tuple[int, date, str], list] = defaultdict(lambda: [0, 0.0])
    active: set[tuple[int, date, str]] = set()
    new_events = []
    for row in fresh:
        account_id = account_ids[row[_ACCOUNT]]
        moment = datetime.fromisoformat(row[_TIMESTAMP])  # already UTC
        value = float(row[_VALUE]) if row[_VALUE] else None
        new_events.append(
            UsageEvent(
                organization_id=organization_id,
                account_id=account_id,
                user_external_id=row[_USER],
                event=row[_EVENT],
                timestamp=moment,
                properties=json.loads(row[_PROPERTIES]),
                value=value,
                message_id=row[_MESSAGE_ID],
                received_at=now,
            )
        )
        tally = counts[(account_id, moment.date(), row[_EVENT])]
        tally[0] += 1
        tally[1] += value or 0.0
        if row[_USER]:
            active.add((account_id, moment.date(), row[_USER]))
    UsageEvent.objects.bulk_create(new_events, batch_size=500)
    _add_event_counts(organization_id=organization_id, counts=counts)
    DailyActiveUser.objects.bulk_create(
        [DailyActiveUser(organization_id=organization_id, account_id=a, day=d, user_external_id=u) for a, d, u in sorted(active)],
        ignore_conflicts=True,
        batch_size=500,
    )
    _move_last_active(organization_id=organization_id, active=active)
    return {row[_MESSAGE_ID] for row in fresh}, unknown


def _move_last_active(*, organization_id: int, active: set[tuple[int, date, str]]) -> None:
    """``UserLastActive`` from the (account, day, user) rows just added to the daily rollup (the
    ORM path: a read, a merge in Python, a write; SQLite runs one writer at a time)."""
    new_days = _latest_two((account_id, user, day) for account_id, day, user in active)
    if not new_days:
        return
    account_ids = sorted({account_id for account_id, _ in new_days})
    rows = {}
    for start in range(0, len(account_ids), 500):  # SQLite caps the number of query parameters
        for row in UserLastActive.objects.filter(organization_id=organization_id, account_id__in=account_ids[start : start + 500]):
            rows[(row.account_id, row.user_external_id)] = row
    created, changed = [], []
    for (account_id, user), days in sorted(new_days.items()):
        row = rows.get((account_id, user))
        known = [(account_id, user, d) for d in (row.last_day, row.previous_day) if d is not None] if row else []
        latest = _latest_two([(account_id, user, d) for d in days] + known)[(account_id, user)]
        if row is None:
            created.append(
                UserLastActive(organization_id=organization_id, account_id=account_id, user_external_id=user, last_day=latest[0], previous_day=_second(latest))
            )
        else:
            row.last_day, row.previous_day = latest[0], _second(latest)
            changed.append(row)
    UserLastActive.objects.bulk_create(created, batch_size=500)
    UserLastActive.objects.bulk_update(changed, ["last_day", "previous_day"], batch_size=500)


def _latest_two(days: Iterable[tuple[int, str, date]]) -> dict[tuple[int, str], list[date]]:
    """Each (account, user) pair's two latest distinct days, newest first."""
    latest: dict[tuple[int, str], list[date]] = {}
    for account_id, user, day in days:
        kept = latest.setdefault((account_id, user), [])
        if day not in kept:
            kept.append(day)
            kept.sort(reverse=True)
            del kept[2:]
    return latest


def _second(days: list[date]) -> date | None:
    return days[1] if len(days) > 1 else None


def _add_event_counts(*, organization_id: int, counts: dict[tuple[int, date, str], list]) -> None:
    """Add to the daily counts in one upsert (SQLite ≥ 3.24 and PostgreSQL share the syntax)."""
    if not counts:
        return
    params = [(organization_id, a, d.isoformat(), e, c, v) for (a, d, e), (c, v) in sorted(counts.items())]
    with connection.cursor() as cursor:
        cursor.executemany(
            """INSERT INTO accounts_dailyeventcount (organization_id, account_id, day, event, count, value_sum)
               VALUES (%s, %s, %s, %s, %s, %s)
               ON CONFLICT (organization_id, account_id, day, event)
               DO UPDATE SET count = accounts_dailyeventcount.count + excluded.count,
                             value_sum = accounts_dailyeventcount.value_sum + excluded.value_sum""",
            params,
        )


# --- rollups from scratch ---------------------------------------------------------------------


@dataclass(frozen=True)
class RollupSnapshot:
    """The rollups of one organization as plain data, for comparisons."""

    event_counts: dict[tuple[int, date, str], tuple[int, float]]
    active_users: set[tuple[int, date, str]]
    last_active: dict[tuple[int, str], date]


def rollup_snapshot(*, organization) -> RollupSnapshot:
    """Read the stored rollups (value sums rounded to 6 places: addition order differs)."""
    with rls.tenant_context(organization.id):
        event_counts = {
            (a, d, e): (c, round(v, 6))
            for a, d, e, c, v in DailyEventCount.objects.filter(organization=organization).values_list("account_id", "day", "event", "count", "value_sum")
        }
        active_users = set(DailyActiveUser.objects.filter(organization=organization).values_list("account_id", "day", "user_external_id"))
        last_active = {
            (a, u): d for a, u, d in UserLastActive.objects.filter(organization=organization).values_list("account_id", "user_external_id", "last_day")
        }
    return RollupSnapshot(event_counts=event_counts, active_users=active_users, last_active=last_active)


_RECOUNT_SQL = [
    "DELETE FROM accounts_dailyeventcount WHERE organization_id = %(org)s",
    "DELETE FROM accounts_dailyactiveuser WHERE organization_id = %(org)s",
    """INSERT INTO accounts_dailyeventcount (organization_id, account_id, day, event, count, value_sum)
       SELECT organization_id, account_id, ("timestamp" AT TIME ZONE 'UTC')::date, event, count(*), coalesce(sum(value), 0)
       FROM accounts_usageevent WHERE organization_id = %(org)s GROUP BY 1, 2, 3, 4""",
    """INSERT INTO accounts_dailyactiveuser (organization_id, account_id, day, user_external_id)
       SELECT DISTINCT organization_id, account_id, ("timestamp" AT TIME ZONE 'UTC')::date, user_external_id
       FROM accounts_usageevent WHERE organization_id = %(org)s AND user_external_id <> ''""",
]
_LAST_ACTIVE_SQL = [
    "DELETE FROM accounts_userlastactive WHERE organization_id = %(org)s",
    """INSERT INTO accounts_userlastactive (organization_id, account_id, user_external_id, last_day, previous_day)
       SELECT organization_id, account_id, user_external_id, days[1], days[2]
       FROM (SELECT organization_id, account_id, user_external_id, array_agg(day ORDER BY day DESC) AS days
             FROM accounts_dailyactiveuser WHERE organization_id = %(org)s GROUP BY 1, 2, 3) pairs""",
]


def rollups_recount(*, organization) -> RollupSnapshot:
    """Rebuild an organization's rollups from its raw events and return them.

    A repair tool, and the reference the tests hold the incremental rollups to.
    """
    with rls.tenant_context(organization.id):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for statement in _RECOUNT_SQL:
                    cursor.execute(statement, {"org": organization.id})
        else:
            _recount_portable(organization=organization)
        last_active_rebuild(organization=organization)
    return rollup_snapshot(organization=organization)


def last_active_rebuild(*, organization) -> None:
    """Rebuild ``UserLastActive`` of an organization from its ``DailyActiveUser`` rows."""
    with rls.tenant_context(organization.id):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for statement in _LAST_ACTIVE_SQL:
                    cursor.execute(statement, {"org": organization.id})
            return
        UserLastActive.objects.filter(organization=organization).delete()
        latest = _latest_two(DailyActiveUser.objects.filter(organization=organization).values_list("account_id", "user_external_id", "day"))
        UserLastActive.objects.bulk_create(
            [
                UserLastActive(organization=organization, account_id=a, user_external_id=u, last_day=days[0], previous_day=_second(days))
                for (a, u), days in latest.items()
            ],
            batch_size=500,
        )


def _recount_portable(*, organization) -> None:
    DailyEventCount.objects.filter(organization=organization).delete()
    DailyActiveUser.objects.filter(organization=organization).delete()
    events = UsageEvent.objects.filter(organization=organization).annotate(day=TruncDate("timestamp", tzinfo=UTC))
    DailyEventCount.objects.bulk_create(
        [
            DailyEventCount(organization=organization, account_id=g["account_id"], day=g["day"], event=g["event"], count=g["n"], value_sum=g["total"] or 0.0)
            for g in events.values("account_id", "day", "event").annotate(n=Count("id"), total=Sum("value"))
        ],
        batch_size=500,
    )
    DailyActiveUser.objects.bulk_create(
        [
            DailyActiveUser(organization=organization, account_id=a, day=d, user_external_id=u)
            for a, d, u in events.exclude(user_external_id="").values_list("account_id", "day", "user_external_id").distinct()
        ],
        batch_size=500,
    )
