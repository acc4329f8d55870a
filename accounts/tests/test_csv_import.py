"""``manage.py import_csv``: line-level errors, nothing written on a failed validation pass,
--skip-bad-lines, a summary, and clear errors for bad arguments and files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account, Contact, ContractLine, DailyEventCount, UsageEvent
from accounts.tests.factories import AccountFactory
from retention.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def _write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_csv", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- Accounts -------------------------------------------------------------------------------


def test_it_imports_accounts_and_prints_a_summary(acme, bob, tmp_path):
    path = _write(
        tmp_path,
        'external_id,name,segment,owner,start_date\nc-1,Initech,enterprise,bob@acme.test,2025-01-15\nc-2,"Globo, Inc.",smb,,\n',
    )

    out, err = _run("--org", "acme", "--kind", "accounts", path)

    assert "2 accounts lines read; 2 created, 0 updated, 0 skipped." in out
    initech = Account.objects.get(organization=acme, external_id="c-1")
    assert (initech.name, initech.segment, initech.owner, initech.start_date) == ("Initech", "enterprise", bob, dt.date(2025, 1, 15))
    assert Account.objects.get(external_id="c-2").name == "Globo, Inc."
    assert AuditLogEntry.objects.filter(organization=acme, action="account.created").count() == 2
    assert "Importing accounts" in err  # the progress bar


def test_reimporting_updates_and_empty_cells_keep_existing_values(acme, tmp_path):
    AccountFactory(organization=acme, external_id="c-1", name="Old", tier="gold")
    path = _write(tmp_path, "external_id,name,tier\nc-1,New,\n")

    out, _ = _run("--org", "acme", "--kind", "accounts", path)

    assert "0 created, 1 updated" in out
    account = Account.objects.get(external_id="c-1")
    assert (account.name, account.tier) == ("New", "gold")


def test_a_bad_line_is_reported_with_line_and_column_and_nothing_is_written(acme, tmp_path):
    path = _write(
        tmp_path,
        "external_id,name,segment,start_date\nc-1,Good,smb,2025-01-01\nc-2,Bad segment,galactic,2025-01-01\nc-3,,smb,2025-02-30\n",
    )

    with pytest.raises(CommandError, match="2 of 3 lines have errors; nothing was imported"):
        _run("--org", "acme", "--kind", "accounts", path)

    assert not Account.objects.exists()
    assert not AuditLogEntry.objects.filter(action="account.created").exists()


def test_the_errors_name_line_column_and_reason(acme, tmp_path):
    path = _write(tmp_path, "external_id,name,segment,start_date\nc-1,Good,smb,2025-01-01\nc-2,Bad,galactic,2025-01-01\nc-3,,smb,2025-02-30\n")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_csv", "--org", "acme", "--kind", "accounts", path, stdout=StringIO(), stderr=err)
    lines = err.getvalue()
    assert "line 3, column 'segment': Value 'galactic' is not a valid choice." in lines
    assert "line 4, column 'name': This column is required; the cell is empty." in lines


def test_skip_bad_lines_imports_the_good_lines_only(acme, tmp_path):
    path = _write(tmp_path, "external_id,name,segment\nc-1,Good,smb\nc-2,Bad,galactic\nc-3,Also good,enterprise\n")

    out, err = _run("--org", "acme", "--kind", "accounts", path, "--skip-bad-lines")

    assert sorted(Account.objects.values_list("external_id", flat=True)) == ["c-1", "c-3"]
    assert "3 accounts lines read; 2 created, 0 updated, 1 skipped (1 bad)." in out
    assert "line 3, column 'segment'" in err


def test_an_owner_from_another_organization_is_a_line_error(acme, charlie, tmp_path):
    path = _write(tmp_path, "external_id,name,owner\nc-1,Initech,charlie@globex.test\n")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_csv", "--org", "acme", "--kind", "accounts", path, stdout=StringIO(), stderr=err)
    assert "line 2, column 'owner'" in err.getvalue() and "not a member" in err.getvalue()


# --- Contacts and contracts -----------------------------------------------------------------


def test_contacts_reference_accounts_created_earlier_and_never_another_organizations(acme, globex, tmp_path):
    AccountFactory(organization=acme, external_id="a-1")
    AccountFactory(organization=globex, external_id="g-1")
    path = _write(tmp_path, "external_id,account,name,stakeholder_role\np-1,a-1,Pat,champion\np-2,g-1,Spy,user\n")

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_csv", "--org", "acme", "--kind", "contacts", path, stdout=StringIO(), stderr=err)
    assert "line 3, column 'account': No account with external id 'g-1' in this organization." in err.getvalue()
    assert not Contact.objects.exists()

    out, _ = _run("--org", "acme", "--kind", "contacts", path, "--skip-bad-lines")
    assert list(Contact.objects.values_list("organization__slug", "external_id", "stakeholder_role")) == [("acme", "p-1", "champion")]


def test_contracts_import_with_validation_of_money_and_dates(acme, tmp_path):
    AccountFactory(organization=acme, external_id="a-1")
    path = _write(
        tmp_path,
        "external_id,account,product,mrr,start_date,end_date,discount_percent,is_addon\n"
        "l-1,a-1,Growth,1200.50,2025-01-01,,10,no\n"
        "l-2,a-1,Growth,-5,2025-01-01,,,\n"
        "l-3,a-1,Seats,10,2025-01-01,2024-01-01,,\n"
        "l-4,a-1,Addon,10,2025-01-01,,,maybe\n",
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_csv", "--org", "acme", "--kind", "contracts", path, stdout=StringIO(), stderr=err)
    text = err.getvalue()
    assert "line 3, column 'mrr': MRR cannot be negative." in text
    assert "line 4, column 'end_date'" in text
    assert "line 5, column 'is_addon'" in text
    assert not ContractLine.objects.exists()

    _run("--org", "acme", "--kind", "contracts", path, "--skip-bad-lines")
    line = ContractLine.objects.get()
    assert (line.external_id, line.mrr, line.discount_percent, line.is_addon) == ("l-1", Decimal("1200.50"), Decimal("10.00"), False)


# --- Events ---------------------------------------------------------------------------------


def test_events_go_through_ingestion_with_rollups_and_duplicates_are_not_counted_twice(acme, tmp_path):
    AccountFactory(organization=acme, external_id="a-1")
    path = _write(
        tmp_path,
        "account,user,event,timestamp,properties,value,message_id\n"
        'a-1,u-1,report_generated,2025-03-01T10:00:00Z,"{""format"": ""pdf""}",2,m-1\n'
        "a-1,u-2,report_generated,2025-03-01T11:00:00Z,,,\n",
    )

    out, _ = _run("--org", "acme", "--kind", "events", path)
    again, _ = _run("--org", "acme", "--kind", "events", path)

    assert "2 events lines read; 2 created, 0 updated, 0 skipped." in out
    assert "0 created, 0 updated, 2 skipped (2 already stored)." in again
    assert UsageEvent.objects.filter(organization=acme).count() == 2
    assert UsageEvent.objects.get(message_id="m-1").properties == {"format": "pdf"}
    assert DailyEventCount.objects.get(organization=acme, event="report_generated").count == 2


def test_an_events_file_longer_than_one_ingestion_batch_is_stored_whole_and_counted_once(acme, tmp_path):
    # Given 2,500 lines: three ingestion batches in one transaction, with a line repeated across
    # batches (the same message id) and one line for an unknown account
    from accounts.ingest import rollup_snapshot, rollups_recount

    AccountFactory(organization=acme, external_id="a-1")
    AccountFactory(organization=acme, external_id="a-2")
    lines = ["account,user,event,timestamp,properties,value,message_id"]
    for n in range(2498):
        lines.append(f"a-{n % 2 + 1},u-{n % 7},feature_{n % 3},2025-03-{n % 28 + 1:02d}T10:00:00Z,,{n % 5},m-{n}")
    lines.append("a-1,u-1,feature_0,2025-03-01T10:00:00Z,,0,m-5")  # in the third batch, repeats line 7
    lines.append("nobody,u-1,feature_0,2025-03-01T10:00:00Z,,,m-x")
    path = _write(tmp_path, "\n".join(lines) + "\n")

    # When it is imported, skipping the bad line
    out, _ = _run("--org", "acme", "--kind", "events", path, "--skip-bad-lines")

    # Then every good line is stored once and the rollups equal a recount of the stored events
    assert "2500 events lines read; 2498 created, 0 updated, 2 skipped (1 bad, 1 already stored)." in out
    assert UsageEvent.objects.filter(organization=acme).count() == 2498
    incremental = rollup_snapshot(organization=acme)
    assert sum(count for count, _ in incremental.event_counts.values()) == 2498
    assert rollups_recount(organization=acme) == incremental


def test_bad_events_are_line_errors_and_nothing_is_stored(acme, tmp_path):
    AccountFactory(organization=acme, external_id="a-1")
    path = _write(
        tmp_path,
        "account,event,timestamp,properties,value\n"
        "a-1,login,2025-03-01T10:00:00Z,,\n"
        "nobody,login,2025-03-01T10:00:00Z,,\n"
        "a-1,login,2999-01-01T00:00:00Z,,\n"
        "a-1,login,2025-03-01T10:00:00Z,{not json,\n"
        "a-1,login,2025-03-01T10:00:00Z,,lots\n",
    )
    err = StringIO()
    with pytest.raises(CommandError, match="4 of 5 lines"):
        call_command("import_csv", "--org", "acme", "--kind", "events", path, stdout=StringIO(), stderr=err)
    text = err.getvalue()
    assert "line 3, column 'account'" in text
    assert "line 4, column 'timestamp'" in text
    assert "line 5, column 'properties'" in text
    assert "line 6, column 'value'" in text
    assert not UsageEvent.objects.exists() and not DailyEventCount.objects.exists()

    out, _ = _run("--org", "acme", "--kind", "events", path, "--skip-bad-lines")
    assert "1 created, 0 updated, 4 skipped (4 bad)." in out
    assert UsageEvent.objects.count() == 1


# --- Bad arguments and files ----------------------------------------------------------------


def test_unknown_organization(tmp_path, acme):
    with pytest.raises(CommandError, match="No organization with slug 'nope'"):
        _run("--org", "nope", "--kind", "accounts", _write(tmp_path, "external_id,name\n"))


def test_unreadable_files(tmp_path, acme):
    with pytest.raises(CommandError, match="Cannot read .*missing.csv: No such file"):
        _run("--org", "acme", "--kind", "accounts", str(tmp_path / "missing.csv"))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("external_id,name\nc-1,Société\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        _run("--org", "acme", "--kind", "accounts", str(latin1))
    with pytest.raises(CommandError, match="is empty"):
        _run("--org", "acme", "--kind", "accounts", _write(tmp_path, ""))


def test_missing_required_columns_are_named(tmp_path, acme):
    with pytest.raises(CommandError, match="Missing required column\\(s\\) for contracts: product, mrr, start_date"):
        _run("--org", "acme", "--kind", "contracts", _write(tmp_path, "external_id,account\nl-1,a-1\n"))
    assert not ContractLine.objects.exists()


def test_unknown_columns_are_ignored_with_a_warning(tmp_path, acme):
    out, err = _run("--org", "acme", "--kind", "accounts", _write(tmp_path, "external_id,name,favourite_colour\nc-1,Initech,blue\n"))
    assert "Ignoring unknown column(s): favourite_colour." in err
    assert Account.objects.filter(external_id="c-1").exists()


def test_an_unknown_kind_is_refused(tmp_path, acme):
    with pytest.raises(CommandError, match="invalid choice"):
        _run("--org", "acme", "--kind", "planets", _write(tmp_path, "external_id,name\n"))
