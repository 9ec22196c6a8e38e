"""An unexpected exception leaves the server as a generic message with an error id: no detail, no
stack trace; the log (logger `salesflow.errors`) has the same id and the whole trace.
"""

from __future__ import annotations

import logging
import re

import pytest

import salesflow.schema.core.fields as fields
import salesflow.schema.leads.mutations as lead_mutations

SECRET = "secret detail: password=hunter2 at db-7.internal"


def _explode(*args, **kwargs):
    raise RuntimeError(SECRET)


def _logged(caplog, error_id: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "salesflow.errors" and error_id in r.getMessage()]


def _assert_masked(body: dict, path: list, caplog, no_leak) -> str:
    assert SECRET not in str(body) and "hunter2" not in str(body) and "RuntimeError" not in str(body), body
    no_leak(body)
    [error] = body["errors"]
    assert error["path"] == path
    error_id = error["extensions"]["errorId"]
    assert re.fullmatch(r"[0-9a-f]{8,}", error_id), error_id
    assert error_id in error["message"], "the message names the error id to quote to an operator"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert set(error) <= {"message", "locations", "path", "extensions"}
    records = _logged(caplog, error_id)
    assert len(records) == 1, f"the log has no single record for error {error_id}: {caplog.records}"
    record = records[0]
    assert record.levelno >= logging.ERROR
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    trace = caplog.text
    assert SECRET in trace and "Traceback" in trace and "_explode" in trace, "the log keeps the stack trace"
    return error_id


def test_a_crash_in_a_mutation_is_masked_and_logged_with_an_id(admin, gq, monkeypatch, caplog, no_leak, store_snapshot):
    monkeypatch.setattr(lead_mutations.ops, "create_lead", _explode)
    caplog.set_level(logging.ERROR, logger="salesflow.errors")
    before = store_snapshot()
    body = admin.post(gq.CREATE_LEAD, {"i": {"title": "ACME renewal"}})
    assert body.get("data") is None, body
    _assert_masked(body, ["createLead"], caplog, no_leak)
    assert store_snapshot() == before


def test_every_crash_gets_its_own_error_id(admin, gq, monkeypatch, caplog, no_leak):
    monkeypatch.setattr(lead_mutations.ops, "create_lead", _explode)
    caplog.set_level(logging.ERROR, logger="salesflow.errors")
    first = _assert_masked(admin.post(gq.CREATE_LEAD, {"i": {"title": "a"}}), ["createLead"], caplog, no_leak)
    caplog.clear()
    second = _assert_masked(admin.post(gq.CREATE_LEAD, {"i": {"title": "b"}}), ["createLead"], caplog, no_leak)
    assert first != second


def test_a_crash_in_a_field_masks_only_that_field(admin, sales, monkeypatch, caplog, no_leak):
    """A resolver that blows up mid-list: the rest of the answer still comes back."""
    sales.opportunity("Desks")
    monkeypatch.setattr(fields, "ref", _explode)  # what Opportunity.account resolves with
    caplog.set_level(logging.ERROR, logger="salesflow.errors")
    # history is read by the resolvers: they answer this page, account included
    query = (
        "{ viewer { role } opportunities { edges { node { title history(first: 1) { trigger } account { name } } } } }"
    )
    body = admin.post(query)
    assert body["data"]["viewer"] == {"role": "admin"}
    assert [e["node"]["account"] for e in body["data"]["opportunities"]["edges"]] == [None]
    _assert_masked(body, ["opportunities", "edges", 0, "node", "account"], caplog, no_leak)


def test_a_business_error_is_not_masked(admin, gq, caplog):
    """Coded failures are answers, not crashes: they keep their message and log nothing."""
    caplog.set_level(logging.ERROR, logger="salesflow.errors")
    body = admin.post(gq.CREATE_LEAD, {"i": {"title": " "}})
    assert body["data"]["createLead"]["errors"][0]["code"] == "VALIDATION"
    assert body["data"]["createLead"]["errors"][0]["message"] == "a title is required"
    assert not [r for r in caplog.records if r.name == "salesflow.errors"]


@pytest.mark.parametrize("query", ["{ leads { nope } }", "{ leads(first: -1) { totalCount } }"])
def test_client_errors_keep_their_message(admin, query, caplog):
    caplog.set_level(logging.ERROR, logger="salesflow.errors")
    body = admin.post(query)
    assert "Internal server error" not in body["errors"][0]["message"]
    assert not [r for r in caplog.records if r.name == "salesflow.errors"]
