"""One store shared by the compiled-reads tests: the seed story through GraphQL, owned by two sales reps
and a manager, in EUR, IRR and KWD, with Persian and Turkish texts, and two gateways over it — one
answering with compiled reads, one with the resolvers alone (the reference).

Built once per test module and backend (a copied SQLite file, or a PostgreSQL database made from the
migrated template), because the tests only read it.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from gql import Gateway
from sqlalchemy import event
from support import BACKENDS, postgres_copy

from salesflow.adapters.sql import create_engine
from salesflow.adapters.sql.tables import metadata

#: The users of the store, by name: their role.
ROLES = {
    "root": "admin",
    "mina": "sales_manager",
    "reza": "sales_rep",
    "ayse": "sales_rep",
    "hesab": "accountant",
    "erp": "integration",
}
REPS = ("reza", "ayse")

#: A statement the compiler wrote: it builds JSON (PostgreSQL's are wrapped in `answer::text`), or,
#: for a `node` of an id that names nothing, is the bare null it answers.
COMPILED = re.compile(r"json_object\(|json_build_object\(|json_array\(|json_build_array\(|answer::text|^SELECT NULL$")


def line(description: str, quantity: str, price: str, discount: str = "0", tax: str = "0", **extra) -> dict:
    return {
        "description": description,
        "quantity": quantity,
        "unitPrice": price,
        "discountPercent": discount,
        "taxRate": tax,
        **extra,
    }


@dataclass
class World:
    """The store, the two gateways over it, a client per user on each, and the ids of what was made."""

    url: str
    backend: str
    compiled: Gateway
    resolvers: Gateway
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)  # global id of a document -> its owner's name
    users: dict[str, str] = field(default_factory=dict)  # user name -> its global id

    def post(self, gateway: Gateway, user: str, query: str, variables: dict | None = None, **headers) -> dict:
        """The parsed JSON answer of one request as `user` (any HTTP status)."""
        response = gateway.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.tokens[user]}", **headers},
        )
        assert response.headers.get("content-type", "").startswith("application/json"), response.text[:300]
        return response.json()

    @contextlib.contextmanager
    def statements(self, gateway: Gateway):
        """(text, parameters) of every statement the gateway's engines send meanwhile; `seen.failed`
        holds the texts of those the database refused."""
        seen = Statements()

        def note(conn, cursor, statement, parameters, context, executemany):
            seen.append((statement, parameters))

        def refused(context):
            seen.failed.append(context.statement)

        engines = (gateway.app.state.engine, gateway.app.state.write_engine)
        for engine in engines:
            event.listen(engine, "before_cursor_execute", note)
            event.listen(engine, "handle_error", refused)
        try:
            yield seen
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", note)
                event.remove(engine, "handle_error", refused)

    def both(self, user: str, query: str, variables: dict | None = None, **headers):
        """(compiled answer, its statements, reference answer, its statements) of one request."""
        with self.statements(self.compiled) as compiled_seen:
            compiled = self.post(self.compiled, user, query, variables, **headers)
        with self.statements(self.resolvers) as reference_seen:
            reference = self.post(self.resolvers, user, query, variables, **headers)
        return compiled, compiled_seen, reference, reference_seen

    def contents(self) -> dict:
        """Every row of every table, in id order (api tokens' last use left out: requests touch it)."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                out = {}
                for table in metadata.sorted_tables:
                    columns = [c for c in table.c if not (table.name == "api_tokens" and c.name == "last_used_at")]
                    order = [c for c in table.primary_key.columns] or columns[:1]
                    rows = conn.execute(table.select().with_only_columns(*columns).order_by(*order)).all()
                    out[table.name] = [tuple(r) for r in rows]
                return out
        finally:
            engine.dispose()


class Statements(list):
    """The (text, parameters) of statements sent, and (`failed`) the texts of those refused."""

    def __init__(self):
        super().__init__()
        self.failed: list[str] = []


def compiled_statements(seen) -> list[str]:
    """The statements that built an answer's JSON and ran: one the database refused (the resolvers then
    answered) does not count."""
    failed = getattr(seen, "failed", ())
    return [s for s, _ in seen if COMPILED.search(s.strip()) and s not in failed]


# --- the store ---------------------------------------------------------------------------------------


def sqlite_copy(template, directory) -> str:
    path = directory / "salesflow.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def build(url: str, backend: str, gq) -> World:
    """The two gateways over `url`, and the story told through the compiled one."""
    world = World(url, backend, Gateway(url), Gateway(url, compiled_reads=False))
    for name, role in ROLES.items():
        world.tokens[name] = world.compiled.token(name, role)
    http = world.compiled
    clients = {name: gq.Sales(_Client(http, world.tokens[name])) for name in ROLES}
    viewer = "{ viewer { user { id } } }"
    for name in ROLES:
        world.users[name] = clients[name].client.run(viewer)["viewer"]["user"]["id"]
    _tell(world, clients, gq)
    return world


class _Client:
    """gq.Sales's client: posts as one user, fails on any error."""

    def __init__(self, gateway: Gateway, token: str):
        self.gateway, self.token = gateway, token

    def run(self, query: str, variables: dict | None = None) -> dict:
        response = self.gateway.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def mutate(self, name: str, query: str, variables: dict | None = None) -> dict:
        payload = self.run(query, variables)[name]
        assert payload["errors"] == [], payload["errors"]
        return payload


def _tell(world: World, clients: dict, gq) -> None:
    ids, owner = world.ids, world.owner
    reza, ayse, mina, root, hesab = (clients[n] for n in ("reza", "ayse", "mina", "root", "hesab"))
    stages = root.stages()
    names = list(stages)
    now = datetime.now(UTC)

    def keep(key: str, who: str, gid: str) -> str:
        ids[key] = gid
        owner[gid] = who
        return gid

    # Leads made at one whole second (no microseconds), sharing their creation time: ties broken by id.
    with time_machine.travel(now.replace(microsecond=0) - timedelta(days=2), tick=False):
        keep(
            "lead_fa",
            "reza",
            reza.lead("خرید صندلی اداری", contactName="سارا احمدی", companyName="شرکت نوآوران پارس")["id"],
        )
        keep(
            "lead_tr",
            "ayse",
            ayse.lead("İstanbul ofis sandalyeleri", contactName="Ayşe Yılmaz", companyName="Şeker Işık A.Ş.")["id"],
        )
        keep("lead_bare", "mina", mina.lead("Bare lead", companyName=None)["id"])
    keep(
        "lead_full",
        "reza",
        reza.lead(
            "Needle works",
            contactName="Ada",
            companyName="Needle Works GmbH",
            email="ada@needle.example",
            phone="+49 30 1234567",
            source="fair",
            notes="two lines\nof notes",
        )["id"],
    )
    lost = keep("lead_lost", "ayse", ayse.lead("Kayıp fırsat")["id"])
    ayse.client.mutate(
        "disqualifyLead",
        "mutation($i: DisqualifyLeadInput!) { disqualifyLead(input: $i) { errors { code } lead { id } } }",
        {"i": {"leadId": lost, "reason": "bütçe yok"}},
    )
    reza.client.mutate("markLeadContacted", gq.MARK_CONTACTED, {"i": {"leadId": ids["lead_full"]}})

    # reza converts the Persian lead: an account and contact shared by everyone, and an IRR opportunity.
    converted = reza.convert(ids["lead_fa"], currency="IRR", opportunityTitle="صندلی برای دفتر مرکزی")
    ids["account_fa"], ids["contact_fa"] = converted["account"]["id"], converted["contact"]["id"]
    opp_fa = keep("opp_fa", "reza", converted["opportunity"]["id"])
    reza.client.mutate(
        "moveOpportunityStage", gq.MOVE_STAGE, {"i": {"opportunityId": opp_fa, "stageId": stages[names[1]]["id"]}}
    )
    irr_lines = [
        line("صندلی گردان", "3", "1000.5", "12.5", "9"),
        line("میز کار", "1", "2500000", "0", "9", productCode="DESK-1"),
    ]
    quote_fa = keep("quote_fa", "reza", reza.quote(opp_fa, lines=irr_lines, currency="IRR")["id"])
    reza.send(quote_fa)
    accepted = reza.accept(quote_fa)
    keep("order_fa", "reza", accepted["order"]["id"])
    # half the chairs, at a whole second
    delivered = reza.deliver(
        accepted["order"], {0: "1.5"}, deliveredAt=(now - timedelta(days=1)).replace(microsecond=0).isoformat()
    )
    ids["delivery_fa"] = delivered["delivery"]["id"]
    owner[ids["delivery_fa"]] = "reza"
    invoice_fa = keep("invoice_fa", "reza", delivered["invoice"]["id"])
    root.issue(invoice_fa)
    payment = hesab.pay(invoice_fa, "1000", reference="واریز ۱")
    ids["payment_fa"] = payment["payment"]["id"]
    owner[ids["payment_fa"]] = "reza"

    # ayse: a Turkish lead converted onto reza's (shared) account; a KWD contract revised, then accepted.
    converted = ayse.convert(ids["lead_tr"], accountId=ids["account_fa"], createAccount=False, currency="KWD")
    ids["contact_tr"] = converted["contact"]["id"]
    opp_tr = keep("opp_tr", "ayse", converted["opportunity"]["id"])
    kwd_lines = [line("Koltuk", "1.5", "0.3335", "0", "5"), line("Masa ışığı", "7", "1.2345", "2.5", "5")]
    first = ayse.quote(
        opp_tr,
        lines=kwd_lines,
        kind="CONTRACT",
        currency="KWD",
        startDate=(now + timedelta(days=10)).date().isoformat(),
        endDate=(now + timedelta(days=375)).date().isoformat(),
        terms="Ödeme 30 gün içinde",
    )
    keep("quote_tr_1", "ayse", first["id"])
    ayse.send(first["id"])
    revised = ayse.client.mutate("reviseQuote", gq.REVISE_QUOTE, {"i": {"quoteId": first["id"]}})["quote"]
    quote_tr = keep("quote_tr", "ayse", revised["id"])
    ayse.send(quote_tr)
    accepted = ayse.accept(quote_tr, invoicingPolicy="ON_COMPLETION")
    keep("order_tr", "ayse", accepted["order"]["id"])
    delivered = ayse.deliver(
        accepted["order"], deliveredAt=(now - timedelta(hours=5)).replace(microsecond=123400).isoformat()
    )
    ids["delivery_tr"] = delivered["delivery"]["id"]
    owner[ids["delivery_tr"]] = "ayse"
    invoice_tr = keep("invoice_tr", "ayse", delivered["invoice"]["id"])
    root.issue(invoice_tr)
    total = root.client.run("query($id: ID!) { node(id: $id) { ... on Invoice { total } } }", {"id": invoice_tr})
    payment = hesab.pay(invoice_tr, total["node"]["total"], reference="EFT 42")
    ids["payment_tr"] = payment["payment"]["id"]
    owner[ids["payment_tr"]] = "ayse"
    # ayse's second opportunity, lost, with an odd amount and no account
    opp_lost = keep("opp_lost", "ayse", ayse.opportunity("Kaybedilen satış", currency="EUR", amount="1234.57")["id"])
    ayse.client.mutate("loseOpportunity", gq.LOSE_OPPORTUNITY, {"i": {"opportunityId": opp_lost, "reason": "fiyat"}})
    keep(
        "quote_draft",
        "ayse",
        ayse.quote(keep("opp_draft", "ayse", ayse.opportunity("Taslak", currency="EUR")["id"]))["id"],
    )

    # mina: an EUR order straight from an opportunity, delivered in two stages, one invoice each.
    account_de = root.client.mutate(
        "createAccount", gq.CREATE_ACCOUNT, {"i": {"name": "Globex GmbH", "country": "DE", "vatNumber": "DE136695976"}}
    )["account"]["id"]
    ids["account_de"] = account_de
    opp_eu = keep("opp_eu", "mina", mina.opportunity("Chairs for HQ", accountId=account_de, amount="0.01")["id"])
    eur_lines = [line("Widgets", "3", "0.335", "0", "19"), line("Setup", "1", "450", "10", "19")]
    order_eu = mina.order(opp_eu, lines=eur_lines)
    keep("order_eu", "mina", order_eu["id"])
    first_stage = mina.deliver(order_eu, {0: "1"}, deliveredAt=(now - timedelta(hours=3)).isoformat())
    owner[first_stage["delivery"]["id"]] = "mina"
    ids["delivery_eu"] = first_stage["delivery"]["id"]
    invoice_eu = keep("invoice_eu", "mina", first_stage["invoice"]["id"])
    root.issue(invoice_eu)
    hesab.pay(invoice_eu, "0.25")
    second = mina.deliver(first_stage["order"])
    keep("invoice_eu_draft", "mina", second["invoice"]["id"])  # left a draft: no number, no dates
    # amounts at the ends: the largest allowed, and currencies of 0, 3 and 4 decimals
    for currency, amount in (("IRR", "900000000000000"), ("EUR", "899999999999999.99"), ("CLF", "1.2345")):
        keep(f"opp_{currency}", "mina", mina.opportunity(f"Big {currency}", currency=currency, amount=amount)["id"])
    extremes = [
        line("tiny", "0.000001", "999999.999999", "33.3333", "7.75"),
        line("many", "100000", "1000"),
        line("half", "1234.5", "0.0005", "50", "0.5"),
    ]
    opp_kwd = keep("opp_kwd", "mina", mina.opportunity("Extremes", currency="KWD")["id"])
    keep("quote_kwd", "mina", mina.quote(opp_kwd, lines=extremes, currency="KWD")["id"])
    # a rep's opportunity on mina's account: shared accounts reach documents of several owners
    keep("opp_de_reza", "reza", reza.opportunity("Stühle", accountId=account_de, currency="EUR", amount="99.99")["id"])


def close(world: World) -> None:
    world.compiled.close()
    world.resolvers.close()


# --- comparing the two sides -------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A query of the corpus: its text, its variables (from the world's ids), and the root fields
    (response keys) the compiled side answers itself whenever no error touches them."""

    query: str
    variables: object = None  # a dict, or a function of the world's ids giving one
    compiled: tuple[str, ...] = ()
    headers: dict = field(default_factory=dict)

    def variables_for(self, ids: dict) -> dict:
        return self.variables(ids) if callable(self.variables) else (self.variables or {})


@pytest.fixture(name="world", scope="module", params=BACKENDS)
def world_fixture(request, tmp_path_factory, gq):
    """The story's store (built once per module and backend) and the two gateways over it."""
    if request.param == "sqlite":
        url = sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path_factory.mktemp("compiled"))
        drop = None
    else:
        url, drop = postgres_copy(request.getfixturevalue("postgres_template"), "salesflow_cr_")
    built = build(url, request.param, gq)
    yield built
    close(built)
    if drop is not None:
        drop()


@pytest.fixture(name="ids", scope="module")
def ids_fixture(world) -> dict:
    """The world's ids, and a user's as user:<name>, a stage's as stage."""
    found = dict(world.ids)
    found |= {f"user:{name}": ident for name, ident in world.users.items()}
    stages = world.post(world.compiled, "root", "{ stages { id } }")["data"]["stages"]
    found["stage"] = stages[1]["id"]
    return found


def error_roots(body: dict) -> set:
    return {e["path"][0] for e in body.get("errors") or [] if e.get("path")}


def check_same(world, user: str, case: Case, ids: dict) -> dict:
    """Run a case as `user` on both sides; they must answer alike, and the compiled side by itself."""
    variables = case.variables_for(ids)
    compiled, compiled_seen, reference, reference_seen = world.both(user, case.query, variables, **case.headers)
    assert compiled == reference, f"{user}: the compiled answer differs from the resolvers'"
    assert compiled_statements(reference_seen) == [], "the reference side compiled a read"
    if "data" in compiled and compiled.get("data") is not None:
        expected = [key for key in case.compiled if key not in error_roots(compiled)]
        built = compiled_statements(compiled_seen)
        assert len(built) == len(expected), f"{user}: {expected} should be compiled, {len(built)} statements built JSON"
    return compiled
