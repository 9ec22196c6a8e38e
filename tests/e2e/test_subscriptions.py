"""`documentEvents` over graphql-transport-ws: committed transitions reach whoever may see them,
from whichever worker process committed them, and nothing that rolled back is announced."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from support import (
    CREATE_LEAD,
    LINES,
    SEND_QUOTE,
    assert_prompt,
    healthz_while,
    new_lead,
    new_opportunity,
    new_quote,
    unique,
)

from salesflow.domain.lines import MAX_LINES

EVENTS = """subscription($types: [DocumentType!]) { documentEvents(types: $types) {
  trigger fromState toState reason at sequence documentType documentId actor { name }
  document { id version ... on Quote { quoteStatus: status number } ... on Lead { leadStatus: status title } } } }"""

MARK_CONTACTED = """mutation($i: MarkLeadContactedInput!) { markLeadContacted(input: $i) {
  lead { id status } errors { code field message } } }"""
UPDATE_QUOTE = """mutation($i: UpdateQuoteInput!) { updateQuote(input: $i) {
  quote { id status } errors { code field message } } }"""
QUOTE_HISTORY = """query($id: ID!) { node(id: $id) { ... on Quote { status version
  history { trigger fromState toState } } } }"""

#: A quote in full: every field of it and of each of its lines, its history and who did what.
QUOTE_IN_FULL = """... on Quote { id version status kind number revision currency validUntil isLatest availableActions
  subtotal discountTotal taxTotal total owner { name } history { trigger fromState toState actor { name } }
  lines { id sequence description productCode quantity unitPrice discountPercent taxRate
          subtotal discountAmount netAmount taxAmount total } }"""
QUOTE_EVENTS_IN_FULL = (
    "subscription { documentEvents(types: [QUOTE]) { trigger sequence documentId actor { name } document { "
    + QUOTE_IN_FULL
    + " } } }"
)
THE_QUOTE_IN_FULL = "query($id: ID!) { node(id: $id) { " + QUOTE_IN_FULL + " } }"

#: Subscribers reading, and quotes of MAX_LINES lines sent, while /healthz is probed.
SUBSCRIBERS, BIG_QUOTES = 8, 3
QUIET_SECONDS = 1.5
ARRIVAL_SECONDS = 10


def event_of(data: dict) -> dict:
    return data["documentEvents"]


def about(document_id: str, **expected):
    """A predicate for the event of one document (and, optionally, given field values)."""

    def match(data: dict) -> bool:
        e = event_of(data)
        return e["documentId"] == document_id and all(e[k] == v for k, v in expected.items())

    return match


def test_a_quote_subscriber_receives_the_send_committed_by_another_client(server, admin, subscribers):
    (manager,) = server.users("sales_manager")
    opportunity = new_opportunity(admin)
    quote = new_quote(admin, opportunity)

    listener = server.subscribe(manager.token, EVENTS, {"types": ["QUOTE"]})
    subscribers.append(listener)
    server.wait_until_live([listener], lambda: new_quote(admin, opportunity))

    new_lead(admin)  # a LEAD transition: not asked for
    sent = admin.mutate("sendQuote", SEND_QUOTE, {"i": {"quoteId": quote}})["quote"]
    assert sent["status"] == "SENT"

    event = listener.wait_for(about(quote, trigger="send"), ARRIVAL_SECONDS)
    assert event is not None, f"no send event for the quote; got {listener.seen}"
    e = event_of(event)
    assert (e["trigger"], e["fromState"], e["toState"], e["documentType"]) == ("send", "draft", "sent", "QUOTE")
    assert e["documentId"] == quote and e["document"]["id"] == quote and e["document"]["quoteStatus"] == "SENT"
    assert e["actor"] == {"name": "admin"} and isinstance(e["sequence"], int)
    assert {event_of(d)["documentType"] for d in listener.seen} == {"QUOTE"}


def test_a_rep_subscriber_gets_its_own_documents_events_and_never_another_reps(server, subscribers):
    rep_a, rep_b = server.users("sales_rep", "sales_rep")
    listener = server.subscribe(rep_a.token, EVENTS)
    subscribers.append(listener)
    server.wait_until_live([listener], lambda: new_lead(rep_a))

    mine = new_lead(rep_a)
    theirs = new_lead(rep_b)
    rep_b.mutate("markLeadContacted", MARK_CONTACTED, {"i": {"leadId": theirs}})
    # Committed after rep B's transitions: once it arrives, theirs would have arrived before it.
    rep_a.mutate("markLeadContacted", MARK_CONTACTED, {"i": {"leadId": mine}})

    event = listener.wait_for(about(mine, toState="working"), ARRIVAL_SECONDS)
    assert event is not None, f"rep A never got its own transition; got {listener.seen}"
    assert event_of(event)["fromState"] == "new" and event_of(event)["document"]["leadStatus"] == "WORKING"
    listener.wait_for(lambda _: False, QUIET_SECONDS)  # and nothing of rep B's trails in late
    assert [d for d in listener.seen if event_of(d)["documentId"] == theirs] == []
    assert {event_of(d)["actor"]["name"] for d in listener.seen} == {rep_a.name}


def test_a_mutation_that_rolls_back_publishes_nothing(server, admin, subscribers):
    opportunity = new_opportunity(admin)
    listener = server.subscribe(admin.token, EVENTS, {"types": ["QUOTE"]})
    subscribers.append(listener)
    probes: list[str] = []
    server.wait_until_live([listener], lambda: probes.append(new_quote(admin, opportunity, lines=None)) or probes[-1])
    empty = probes[-1]  # a draft with no lines: sending it must fail
    if not any(about(empty, trigger="create")(d) for d in listener.seen):  # let every probe's event in first
        assert listener.wait_for(about(empty, trigger="create"), ARRIVAL_SECONDS) is not None
    before = admin.run(QUOTE_HISTORY, {"id": empty})["node"]

    refused = admin.run(SEND_QUOTE, {"i": {"quoteId": empty}})["sendQuote"]
    assert refused["quote"] is None and len(refused["errors"]) == 1, refused
    assert refused["errors"][0]["code"] == "VALIDATION"

    received = len(listener.seen)
    assert listener.next_event(QUIET_SECONDS) is None, f"an event after a refused send: {listener.seen[received:]}"
    assert admin.run(QUOTE_HISTORY, {"id": empty})["node"] == before  # still a draft, no "send" in its history

    # The subscriber is alive: the same quote, once it has a line, is sent and announced.
    admin.mutate("updateQuote", UPDATE_QUOTE, {"i": {"quoteId": empty, "lines": LINES}})
    admin.mutate("sendQuote", SEND_QUOTE, {"i": {"quoteId": empty}})
    event = listener.wait_for(about(empty, trigger="send"), ARRIVAL_SECONDS)
    assert event is not None, f"the successful send never arrived; got {listener.seen}"
    assert [event_of(d)["trigger"] for d in listener.seen[received:]].count("send") == 1


def test_every_subscriber_on_every_worker_receives_a_transition_committed_once(server_with_two_workers, subscribers):
    server = server_with_two_workers
    admin = server.admin()
    workers: set[int] = set()
    # Connections arrive in small concurrent bursts: one after another, an idle worker tends to
    # win every accept, and the point is to have subscribers on two processes.
    with ThreadPoolExecutor(max_workers=4) as pool:
        while len(subscribers) < 40 and len(workers) < 2:
            burst = list(pool.map(lambda _: server.subscribe(admin.token, EVENTS), range(4)))
            subscribers.extend(burst)
            workers.update(s.worker for s in burst)
    assert len(workers) >= 2, (
        f"all {len(subscribers)} WebSocket connections were served by worker(s) "
        f"{sorted(workers)}; cannot prove cross-worker delivery"
    )
    server.wait_until_live(subscribers, lambda: new_lead(admin))

    lead = new_lead(admin)
    admin.mutate("markLeadContacted", MARK_CONTACTED, {"i": {"leadId": lead}})

    missing, sequences = [], set()
    for listener in subscribers:
        event = listener.wait_for(about(lead, toState="working"), ARRIVAL_SECONDS)
        if event is None:
            missing.append(listener.worker)
        else:
            sequences.add(event_of(event)["sequence"])
    assert missing == [], f"subscribers on workers {missing} never got the transition (workers: {sorted(workers)})"
    assert len(sequences) == 1  # one commit, one event, the same everywhere


def test_many_subscribers_hold_no_database_connection_between_events(server, admin, subscribers):
    """More subscribers than the connection pool holds: events reach all, and requests stay fast."""
    crowd = [server.subscribe(admin.token, EVENTS, {"types": ["LEAD"]}) for _ in range(20)]
    subscribers.extend(crowd)

    def fire() -> str:
        return admin.mutate("createLead", CREATE_LEAD, {"i": {"title": unique("probe")}})["lead"]["id"]

    server.wait_until_live(crowd, fire)
    started = time.monotonic()
    for _ in range(3):
        lead = fire()
        for s in crowd:
            assert s.wait_for(lambda e, lead=lead: e["documentEvents"]["documentId"] == lead, ARRIVAL_SECONDS)
    assert admin.run("{ leads(first: 1) { totalCount } }")["leads"]["totalCount"] > 0
    assert time.monotonic() - started < 20, "requests slowed down while subscribers listened"


def test_two_subscriptions_on_one_socket_both_see_a_burst_of_transitions(server, admin, subscribers):
    first = server.subscribe(admin.token, EVENTS, {"types": ["LEAD"]})
    subscribers.append(first)
    first.ws.send(
        json.dumps({"id": "2", "type": "subscribe", "payload": {"query": EVENTS, "variables": {"types": ["LEAD"]}}})
    )

    def fire() -> str:
        return admin.mutate("createLead", CREATE_LEAD, {"i": {"title": unique("probe")}})["lead"]["id"]

    server.wait_until_live([first], fire)
    with ThreadPoolExecutor(4) as pool:
        created = set(pool.map(lambda _: fire(), range(40)))
    per_operation: dict[str, set] = {"1": set(), "2": set()}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(created <= ids for ids in per_operation.values()):
        message = first.receive(timeout=10)
        if message["type"] == "ping":
            first.ws.send(json.dumps({"type": "pong"}))
            continue
        assert message["type"] == "next" and "errors" not in message["payload"], message
        per_operation[message["id"]].add(message["payload"]["data"]["documentEvents"]["documentId"])
    for operation, ids in per_operation.items():
        assert created <= ids, f"subscription {operation} missed {len(created - ids)} of {len(created)} events"


def test_events_of_thousand_line_quotes_reach_every_subscriber_while_healthz_keeps_answering(
    server, admin, subscribers
):
    """Each subscriber's selection of an event is resolved in a worker thread, not on the event loop:
    eight subscribers reading quotes of MAX_LINES lines in full leave /healthz (and every other socket)
    answering. (On the event loop, each of these events stalled the server for about 300 ms.)"""
    opportunity = new_opportunity(admin)
    lines = [
        {"description": f"Line {k}" + " widget" * 10, "quantity": "2", "unitPrice": "9.99", "taxRate": "19"}
        for k in range(MAX_LINES)
    ]
    quotes = [new_quote(admin, opportunity, lines=lines) for _ in range(BIG_QUOTES)]
    crowd = [server.subscribe(admin.token, QUOTE_EVENTS_IN_FULL) for _ in range(SUBSCRIBERS)]
    subscribers.extend(crowd)
    server.wait_until_live(crowd, lambda: new_quote(admin, opportunity))  # one-line quotes: cheap events

    def receive_all(listener) -> list:
        return [listener.wait_for(about(quote, trigger="send"), 60) for quote in quotes]

    def send_and_receive() -> list[list]:
        for quote in quotes:
            admin.mutate("sendQuote", SEND_QUOTE, {"i": {"quoteId": quote}})
        with ThreadPoolExecutor(len(crowd)) as pool:
            return list(pool.map(receive_all, crowd))

    received, latencies = healthz_while(server.url, send_and_receive)

    for n, quote in enumerate(quotes):
        expected = admin.run(THE_QUOTE_IN_FULL, {"id": quote})["node"]
        assert expected["status"] == "SENT" and [h["trigger"] for h in expected["history"]] == ["create", "send"]
        assert [line["description"] for line in expected["lines"]] == [line["description"] for line in lines]
        for listener, events in enumerate(received):
            assert events[n] is not None, f"subscriber {listener} never received the send of quote {n}"
            assert event_of(events[n])["actor"] == {"name": "admin"} and event_of(events[n])["document"] == expected
    assert_prompt(latencies)
