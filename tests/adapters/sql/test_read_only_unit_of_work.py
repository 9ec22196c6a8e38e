"""A read-only unit of work (every GraphQL request's reads): lines read only when touched, a batch at a
time, and a budget on the text one transaction reads. Against the real store, on each backend."""

from __future__ import annotations

import contextlib
import copy
import dataclasses

import pytest
from sqlalchemy import event

from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.adapters.sql.lazy import LazyLines
from salesflow.domain.errors import DomainError, ErrorCode


@contextlib.contextmanager
def statements(engine):
    """The SQL statements run on engine meanwhile, in order."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def lines_read(seen: list[str]) -> list[str]:
    return [s for s in seen if "FROM quote_lines" in s]


@pytest.fixture
def quotes(story, uow) -> list[int]:
    """Three draft quotes of two lines each; their ids."""
    with uow:
        uow.commit()
    return [story.draft_quote(("2", "10"), ("1", "450", "10", "19")).id for _ in range(3)]


def reader(engine, **options) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine, read_only=True, **options)


def test_a_reader_reads_documents_without_their_lines(engine, quotes):
    with reader(engine) as uow, statements(engine) as seen:
        found = uow.quotes.find_in("id", quotes)
        totals = [q.total for q in found]
    assert len(found) == 3 and all(t > 0 for t in totals)
    assert lines_read(seen) == [], seen


def test_touching_one_documents_lines_reads_the_lines_of_its_whole_batch_in_one_statement(engine, quotes):
    with reader(engine) as uow:
        found = uow.quotes.find_in("id", quotes)
        with statements(engine) as seen:
            first = found[0].lines
            counts = [len(q.lines) for q in found]
            descriptions = [[ln.description for ln in q.lines] for q in found]
    assert len(lines_read(seen)) == 1 and len(seen) == 1, seen
    assert counts == [2, 2, 2] and descriptions == [["item 0", "item 1"]] * 3
    assert all(ln.quote_id == found[0].id for ln in first)


def rows(quote) -> list[tuple]:
    return [dataclasses.astuple(line) for line in quote.lines]


def test_a_reader_sees_the_same_lines_as_a_writer(engine, quotes):
    with SqlUnitOfWork(engine) as writer:
        written = writer.quotes.find_in("id", quotes)
    with reader(engine) as uow:
        assert [rows(q) for q in uow.quotes.find_in("id", quotes)] == [rows(q) for q in written]
    with reader(engine) as uow:
        read = uow.quotes.find_in("id", quotes)
        assert [dataclasses.asdict(q) for q in read] == [dataclasses.asdict(q) for q in written]
    with reader(engine) as uow:
        copied = copy.deepcopy(uow.quotes.find_in("id", quotes)[1])
        assert type(copied.lines) is list and rows(copied) == rows(written[1])
    with reader(engine) as uow:
        read = uow.quotes.find_in("id", quotes)
        joined = [] + read[0].lines + read[1].lines  # list's own + reads the other list's items directly
        assert [ln.id for ln in joined] == [ln.id for q in written[:2] for ln in q.lines]
        assert read[2].lines == list(read[2].lines) and sorted(read[2].lines, key=lambda ln: -ln.sequence)


def test_a_writer_reads_lines_with_their_documents(engine, quotes):
    with SqlUnitOfWork(engine) as uow, statements(engine) as seen:
        found = uow.quotes.find_in("id", quotes)
    assert len(lines_read(seen)) == 1
    assert all(type(q.lines) is list and len(q.lines) == 2 for q in found)


def test_lines_touched_after_the_reader_ended_are_still_read(engine, quotes):
    with reader(engine) as uow:
        found = uow.quotes.find_in("id", quotes)
    assert [len(q.lines) for q in found] == [2, 2, 2]


def test_a_document_changed_in_a_reader_without_touching_its_lines_keeps_them(engine, quotes):
    with reader(engine) as uow:
        quote = uow.quotes.get(quotes[0])
        quote.terms = "Net 30"
        uow.commit()
        assert isinstance(quote.lines, LazyLines) and quote.lines.is_unread
    with SqlUnitOfWork(engine) as uow:
        again = uow.quotes.get(quotes[0])
    assert again.terms == "Net 30" and len(again.lines) == 2 and again.version == quote.version


def test_lines_replaced_in_a_reader_without_being_read_are_written_as_replaced(engine, quotes):
    with SqlUnitOfWork(engine) as uow:
        kept = uow.quotes.get(quotes[0]).lines[1]
    with reader(engine) as uow:
        quote = uow.quotes.get(quotes[0])
        version = quote.version
        quote.lines = [kept]  # the stored lines were never touched: the first one is gone
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        again = uow.quotes.get(quotes[0])
    assert [ln.id for ln in again.lines] == [kept.id] and again.version == version + 1


def test_a_reader_counts_the_text_it_reads(engine, quotes):
    with reader(engine, max_read_bytes=10_000_000) as uow:
        found = uow.quotes.find_in("id", quotes)
        without_lines = uow.read_bytes
        assert [len(q.lines) for q in found] == [2, 2, 2]
        with_lines = uow.read_bytes
    numbers = sum(len(q.number) + len(q.status) + len(q.currency) for q in found)
    assert numbers <= without_lines < with_lines
    assert with_lines - without_lines >= sum(len(ln.description) for q in found for ln in q.lines)


def test_a_reader_over_its_budget_refuses_with_response_too_large(engine, quotes):
    with reader(engine, max_read_bytes=10_000_000) as uow:
        uow.quotes.find_in("id", quotes)
        documents = uow.read_bytes  # what reading the documents alone costs
    with reader(engine, max_read_bytes=documents) as uow:
        found = uow.quotes.find_in("id", quotes)  # within: the documents fit
        with pytest.raises(DomainError) as refused:
            len(found[0].lines)  # their lines do not
        assert refused.value.code == ErrorCode.RESPONSE_TOO_LARGE
        assert "fewer records" in refused.value.message
        with pytest.raises(DomainError) as again:  # once past it, every later read is refused at once
            uow.users.find()
        assert again.value.code == ErrorCode.RESPONSE_TOO_LARGE
    with reader(engine, max_read_bytes=documents - 1) as uow, pytest.raises(DomainError) as refused:
        uow.quotes.find_in("id", quotes)
    assert refused.value.code == ErrorCode.RESPONSE_TOO_LARGE


def test_a_writer_has_no_read_budget(engine, quotes):
    with SqlUnitOfWork(engine, max_read_bytes=1) as uow:
        assert [len(q.lines) for q in uow.quotes.find_in("id", quotes)] == [2, 2, 2]
