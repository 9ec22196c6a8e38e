"""A fake Odoo for tests: an in-process HTTP server that speaks Odoo's two external APIs.

- JSON-2, as in Odoo 19: `POST /json/2/<model>/<method>` with `Authorization: bearer <api key>`
  and an optional `X-Odoo-Database`; a JSON object of named arguments (plus `ids`, `context`) in,
  the method's result out (a recordset as its ids). Errors are 4xx/5xx with Odoo's error object
  {name, message, arguments, context, debug}: 401 bad key, 404 unknown model or method,
  422 UserError/ValidationError or arguments that do not fit, 403 AccessError, 405 not a POST,
  500 anything else.
- XML-RPC, as in Odoo 18 and earlier (and 19, deprecated): `/xmlrpc/2/common` (`version`,
  `authenticate`) and `/xmlrpc/2/object` (`execute_kw(db, uid, key, model, method, args, kwargs)`,
  ids in args[0] for methods on records). Faults carry Odoo's codes: 1 any other exception (with
  its traceback), 2 UserError, 3 AccessDenied, 4 AccessError; answers are marshalled without
  allow_none, so a method that returns None (button_draft) comes back as fault 1 after doing its
  work, as it does from Odoo.

`json2_enabled=False` plays an Odoo 18 or older: /json/2 answers the HTML 404 page.

The subset: res.partner, res.currency (EUR, USD, JPY; GBP inactive), account.tax (sale 21%, 12%, 6%,
0% and a purchase 21%), account.move with its account.move.line (amounts computed per line and
rounded half-up to the currency, draft/posted/cancel, payment_state and amount_residual),
account.payment (registered on an invoice, unreconciled or cancelled: the invoice's residual goes
back up and its payment_state back to partial or not_paid, as in Odoo) and res.users; the methods
search, search_count, search_read, read, create, write, action_post, button_draft, button_cancel and
context_get; domains with =, !=, <, >, <=, >=, in, not in, like, ilike, =like, =ilike and the '&',
'|', '!' prefix operators, inactive records left out unless the domain names `active`. Every change
stamps write_date from a clock that moves one second per change (or not at all inside
`same_second()`), so runs are deterministic.

Test helpers work in-process, not over HTTP: `pay`, `unreconcile`, `cancel_payment`, `moves`,
`partners`, `down`/`up`, `fail_next`, `lose_next_answer`, and `calls`, the log of (protocol, model,
method) received.
"""

from __future__ import annotations

import inspect
import json
import re
import socket
import threading
import traceback
import xmlrpc.client
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DATETIME = "%Y-%m-%d %H:%M:%S"
UID = 2
WRITING = {"create", "write", "action_post", "button_draft", "button_cancel"}
NOT_FOUND_PAGE = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again.</p>\n"
)

FIELDS = {
    "res.partner": {
        "name": "char",
        "ref": "char",
        "email": "char",
        "phone": "char",
        "is_company": "bool",
        "active": "bool",
    },
    "res.currency": {"name": "char", "symbol": "char", "decimal_places": "int", "active": "bool"},
    "account.tax": {
        "name": "char",
        "amount": "float",
        "amount_type": "char",
        "type_tax_use": "char",
        "sequence": "int",
        "active": "bool",
    },
    "account.move": {
        "name": "char",
        "move_type": "char",
        "ref": "char",
        "partner_id": "m2o res.partner",
        "currency_id": "m2o res.currency",
        "invoice_date": "date",
        "invoice_date_due": "date",
        "state": "char",
        "payment_state": "char",
        "amount_untaxed": "monetary",
        "amount_tax": "monetary",
        "amount_total": "monetary",
        "amount_residual": "monetary",
        "invoice_line_ids": "o2m account.move.line",
    },
    "account.move.line": {
        "move_id": "m2o account.move",
        "name": "char",
        "quantity": "float",
        "price_unit": "float",
        "discount": "float",
        "tax_ids": "m2m account.tax",
        "price_subtotal": "monetary",
        "price_total": "monetary",
    },
    "res.users": {"name": "char", "login": "char"},
    # A customer payment: posted ("paid" once matched), its reconciled invoices; "canceled" when cancelled.
    "account.payment": {
        "name": "char",
        "amount": "monetary",
        "state": "char",
        "date": "date",
        "reconciled_invoice_ids": "m2m account.move",
        "is_reconciled": "bool",
    },
}
MAGIC = {"id": "int", "display_name": "char", "create_date": "datetime", "write_date": "datetime"}
NUMBERS = {"int", "float", "monetary"}
# method -> (models it exists on (None: all), @api.model: called without ids)
METHODS = {
    "search": (None, True),
    "search_count": (None, True),
    "search_read": (None, True),
    "create": (None, True),
    "read": (None, False),
    "write": (None, False),
    "action_post": ({"account.move"}, False),
    "button_draft": ({"account.move"}, False),
    "button_cancel": ({"account.move"}, False),
    "context_get": ({"res.users"}, True),
}


class OdooException(Exception):
    """An exception Odoo's RPC layers know: its JSON-2 status and XML-RPC fault code."""

    name, status, fault = "odoo.exceptions.UserError", 422, 2


class UserError(OdooException):
    pass


class AccessError(OdooException):
    name, status, fault = "odoo.exceptions.AccessError", 403, 4


class AccessDenied(OdooException):
    name, status, fault = "odoo.exceptions.AccessDenied", 403, 3


class MissingError(OdooException):
    name, status, fault = "odoo.exceptions.MissingError", 404, 2


class HTTPError(Exception):
    """A werkzeug HTTP exception as the JSON-2 controller raises it (no XML-RPC form)."""

    def __init__(self, status: int, name: str, message: str):
        super().__init__(message)
        self.status, self.name = status, f"werkzeug.exceptions.{name}"


def _error_body(name: str, message: str, arguments: list) -> bytes:
    return json.dumps(
        {
            "name": name,
            "message": message,
            "arguments": arguments,
            "context": {},
            "debug": f"Traceback (most recent call last):\n  (fake odoo)\n{name}: {message}\n",
        }
    ).encode()


def _sql_like(pattern: str, text: str, ignore_case: bool) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._answer(self.server.owner.handle("GET", self.path, self.headers, b""))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(self.server.owner.handle("POST", self.path, self.headers, body))

    def _answer(self, outcome: tuple[int, str, bytes] | None) -> None:
        if outcome is None:  # the answer is lost: the work is done, the connection just drops
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status, content_type, payload = outcome
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, owner: FakeOdoo):
        super().__init__(address, _Handler)
        self.owner = owner


class FakeOdoo:
    """`with FakeOdoo() as odoo:` serves one database on odoo.url until the block ends."""

    def __init__(
        self,
        *,
        db: str = "salesflow",
        login: str = "admin",
        api_key: str = "0123456789abcdef" * 2 + "fake",
        json2_enabled: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        start: datetime = datetime(2026, 1, 5, 9, 0, 0),
    ):
        self.db, self.login, self.api_key, self.json2_enabled = db, login, api_key, json2_enabled
        self.address = (host, port)
        self.lock = threading.RLock()
        self.calls: list[tuple[str, str, str]] = []
        self.outage_status: int | None = None
        self.failing, self.fail_status = 0, 500
        self._losses: list[dict] = []
        self._clock, self._frozen = start, False
        self._tables: dict[str, dict[int, dict]] = {model: {} for model in FIELDS}
        self._next_id: dict[str, int] = {model: 1 for model in FIELDS}
        self._sequence: dict[str, int] = {}
        self._server: _Server | None = None
        self._seed()

    def _seed(self) -> None:
        self._insert("res.users", {"name": "Mitchell Admin", "login": self.login}, record_id=UID)
        for name, symbol, places, active in [
            ("EUR", "€", 2, True),
            ("USD", "$", 2, True),
            ("GBP", "£", 2, False),
            ("JPY", "¥", 0, True),
        ]:
            self._insert("res.currency", {"name": name, "symbol": symbol, "decimal_places": places, "active": active})
        for name, amount, use in [
            ("21%", "21", "sale"),
            ("21%", "21", "purchase"),
            ("12%", "12", "sale"),
            ("6%", "6", "sale"),
            ("0%", "0", "sale"),
        ]:
            self._insert(
                "account.tax",
                {
                    "name": name,
                    "amount": Decimal(amount),
                    "amount_type": "percent",
                    "type_tax_use": use,
                    "sequence": 1,
                    "active": True,
                },
            )

    # -- lifecycle ----------------------------------------------------------------------------------

    def __enter__(self) -> FakeOdoo:
        self.up()
        return self

    def __exit__(self, *exc) -> None:
        self._stop()

    @property
    def url(self) -> str:
        return f"http://{self.address[0]}:{self.address[1]}"

    def up(self) -> None:
        """Serve (again, on the same port) and answer normally."""
        self.outage_status = None
        if self._server is None:
            self._server = _Server(self.address, self)
            self.address = self._server.server_address[:2]
            threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def down(self, status: int | None = None) -> None:
        """Refuse connections until `up()`; with a status (503), answer every request with it instead."""
        if status is not None:
            self.outage_status = status
        else:
            self._stop()

    def _stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- faults -------------------------------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """Answer the next `count` requests with `status` without doing anything."""
        self.failing, self.fail_status = count, status

    def lose_next_answer(self, model: str | None = None, method: str | None = None, *, mode: str = "drop") -> None:
        """Do the next call that writes (or the next one to model.method), then lose its answer:
        drop the connection (`drop`) or answer 500 (`500`)."""
        self._losses.append({"model": model, "method": method, "mode": mode})

    @contextmanager
    def same_second(self) -> Iterator[None]:
        """Every change inside gets one write_date, as in one transaction or a busy second."""
        with self.lock:
            self._tick()
            self._frozen = True
        try:
            yield
        finally:
            self._frozen = False

    # -- looking inside ---------------------------------------------------------------------------------

    def moves(self, ref: str | None = None) -> list[dict]:
        """Copies of the account.move records (amounts as Decimals), each with its `lines`."""
        with self.lock:
            return [
                dict(move, lines=[dict(self._tables["account.move.line"][i]) for i in move["invoice_line_ids"]])
                for move in self._tables["account.move"].values()
                if ref is None or move.get("ref") == ref
            ]

    def partners(self, ref: str | None = None) -> list[dict]:
        with self.lock:
            return [dict(p) for p in self._tables["res.partner"].values() if ref is None or p.get("ref") == ref]

    def pay(self, move: int | str, amount: Decimal | str) -> int:
        """A payment registered in Odoo on a posted invoice (by id or ref), as "Register Payment"
        does: an account.payment reconciled with the invoice, lowering its amount_residual. Returns
        the payment's id."""
        with self.lock:
            found = [m for m in self._tables["account.move"].values() if move in (m["id"], m.get("ref"))]
            if len(found) != 1 or found[0]["state"] != "posted":
                raise ValueError(f"no single posted move {move!r}")
            record, amount = found[0], Decimal(str(amount))
            if not 0 < amount <= record["amount_residual"]:
                raise ValueError(f"cannot pay {amount} on a residual of {record['amount_residual']}")
            payment = self._insert(
                "account.payment",
                {
                    "name": f"PBNK1/{self._clock:%Y}/{self._next_id['account.payment']:05d}",
                    "amount": amount,
                    "state": "paid",
                    "date": self._clock.strftime("%Y-%m-%d"),
                    "reconciled_invoice_ids": [record["id"]],
                    "is_reconciled": True,
                },
            )
            self._settle(record, amount)
            return payment["id"]

    def unreconcile(self, payment: int) -> None:
        """The accountant removes a payment from its invoice (Unreconcile on the journal item): the
        payment stays posted, as an outstanding credit; the invoice's residual goes back up."""
        with self.lock:
            record = self._tables["account.payment"][payment]
            if not record["is_reconciled"]:
                raise ValueError(f"payment {payment} is not reconciled with an invoice")
            self._release(record)
            record["write_date"] = self._tick()

    def cancel_payment(self, payment: int) -> None:
        """The accountant cancels a payment (reset to draft, then cancel): it is unreconciled from
        its invoice, whose residual goes back up, and its state is "canceled"."""
        with self.lock:
            record = self._tables["account.payment"][payment]
            if record["state"] == "canceled":
                raise ValueError(f"payment {payment} is cancelled already")
            if record["is_reconciled"]:
                self._release(record)
            record.update(state="canceled", write_date=self._tick())

    def _settle(self, move: dict, amount: Decimal) -> None:
        move["_paid"] += amount
        self._compute_move(move)
        move["write_date"] = self._tick()

    def _release(self, payment: dict) -> None:
        for move_id in payment["reconciled_invoice_ids"]:
            self._settle(self._tables["account.move"][move_id], -payment["amount"])
        payment.update(reconciled_invoice_ids=[], is_reconciled=False)

    # -- HTTP -----------------------------------------------------------------------------------------

    def handle(self, verb: str, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, str, bytes] | None:
        with self.lock:
            if self.outage_status is not None:
                return self.outage_status, "text/html", b"<h1>Service Unavailable</h1>"
            if self.failing:
                self.failing -= 1
                if path.startswith("/json/2/"):
                    return (
                        self.fail_status,
                        "application/json",
                        _error_body("builtins.RuntimeError", "internal server error", ["internal server error"]),
                    )
                return self.fail_status, "text/html", f"<h1>{self.fail_status}</h1>".encode()
            if path.startswith("/json/2/"):
                return self._json2(verb, path, headers, body)
            if path in ("/xmlrpc/2/common", "/xmlrpc/2/object") and verb == "POST":
                return self._xmlrpc(path.rsplit("/", 1)[1], body)
            if path == "/web/version" and self.json2_enabled:
                return (
                    200,
                    "application/json",
                    json.dumps({"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}).encode(),
                )
            return 404, "text/html; charset=utf-8", NOT_FOUND_PAGE.encode()

    def _json2(self, verb: str, path: str, headers, body: bytes) -> tuple[int, str, bytes] | None:
        parts = path[len("/json/2/") :].split("?", 1)[0].split("/")
        model, method = (parts + ["", ""])[:2]
        self.calls.append(("json2", model, method))
        database = headers.get("X-Odoo-Database")
        if not self.json2_enabled or len(parts) != 2 or (database is not None and database != self.db):
            return 404, "text/html; charset=utf-8", NOT_FOUND_PAGE.encode()
        try:
            if verb != "POST":
                raise HTTPError(405, "MethodNotAllowed", "The method is not allowed for the requested URL.")
            scheme, _, key = (headers.get("Authorization") or "").partition(" ")
            if scheme.lower() != "bearer" or key.strip() != self.api_key:
                raise HTTPError(401, "Unauthorized", "Invalid apikey")
            try:
                params = json.loads(body) if body else {}
            except ValueError as err:
                raise HTTPError(400, "BadRequest", f"could not parse the body as json: {err}") from None
            if not isinstance(params, dict):
                raise HTTPError(400, "BadRequest", "could not parse the body, expecting a json object")
            ids = params.pop("ids", None) or []
            params.pop("context", None)
            result = self._dispatch("json2", model, method, ids, [], params)
        except HTTPError as err:
            return err.status, "application/json", _error_body(err.name, str(err), [str(err), err.status])
        except OdooException as err:
            return err.status, "application/json", _error_body(err.name, str(err), [str(err)])
        except Exception as err:  # noqa: BLE001 - Odoo's 500 for anything else
            name = f"{type(err).__module__}.{type(err).__qualname__}"
            return 500, "application/json", _error_body(name, str(err), [str(err)])
        answer = (200, "application/json; charset=utf-8", json.dumps(result).encode())
        return self._maybe_lose(model, method, answer, json2=True)

    def _xmlrpc(self, service: str, body: bytes) -> tuple[int, str, bytes] | None:
        model, method, failed = service, "?", False
        try:
            params, name = xmlrpc.client.loads(body, use_builtin_types=True)
            method = name
            if service == "common":
                self.calls.append(("xmlrpc", "common", name))
                result = self._common(name, params)
            elif name != "execute_kw":
                raise AttributeError(f"object service has no method {name!r}")
            else:
                db, uid, key, model, method, args, *rest = params
                kwargs = rest[0] if rest else {}
                self.calls.append(("xmlrpc", model, method))
                if db != self.db or uid != UID or key != self.api_key:
                    raise AccessDenied("Access Denied")
                kwargs = dict(kwargs or {})
                kwargs.pop("context", None)
                api_model = METHODS.get(method, (None, False))[1]
                ids, args = (None, list(args)) if api_model else ((args or [None])[0], list(args[1:]))
                result = self._dispatch("xmlrpc", model, method, ids, args, kwargs)
                if method == "create" and args and isinstance(args[0], Mapping):
                    result = result[0]  # like Odoo: one vals dict in, one id out
            payload = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)
        except Exception as err:  # noqa: BLE001 - every exception becomes a fault, as in Odoo
            failed = not (isinstance(err, TypeError) and "cannot marshal None" in str(err))
            if isinstance(err, OdooException):
                fault = xmlrpc.client.Fault(err.fault, str(err))
            else:
                fault = xmlrpc.client.Fault(1, "".join(traceback.format_exception(err)))
            payload = xmlrpc.client.dumps(fault, methodresponse=True)
        answer = (200, "text/xml", payload.encode())
        return answer if failed else self._maybe_lose(model, method, answer, json2=False)

    def _common(self, name: str, params: tuple):
        if name == "version":
            serie = "19.0" if self.json2_enabled else "18.0"
            return {
                "server_version": serie,
                "server_version_info": [int(serie[:2]), 0, 0, "final", 0, ""],
                "server_serie": serie,
                "protocol_version": 1,
            }
        if name in ("authenticate", "login"):
            db, login, key = params[:3]
            return UID if (db, login, key) == (self.db, self.login, self.api_key) else False
        raise AttributeError(f"common service has no method {name!r}")

    def _maybe_lose(self, model: str, method: str, answer, *, json2: bool):
        for loss in self._losses:
            named = loss["model"] is not None or loss["method"] is not None
            if loss["model"] in (None, model) and loss["method"] in (None, method) and (named or method in WRITING):
                self._losses.remove(loss)
                if loss["mode"] == "drop":
                    return None
                body = _error_body("builtins.RuntimeError", "internal server error", ["internal server error"])
                return (500, "application/json", body) if json2 else (500, "text/html", b"<h1>500</h1>")
        return answer

    # -- the ORM ----------------------------------------------------------------------------------------

    def _dispatch(self, protocol: str, model: str, method: str, ids, args: list, kwargs: dict):
        json2 = protocol == "json2"
        if model not in FIELDS:
            if json2:
                raise HTTPError(404, "NotFound", f"the model {model!r} does not exist")
            raise UserError(f"Object {model} doesn't exist")
        models, api_model = METHODS.get(method, (set(), False))
        if models is not None and model not in models:
            message = f"The method '{method}' does not exist on the model '{model}'"
            if json2:
                raise HTTPError(404, "NotFound", message)
            raise AttributeError(message)
        if api_model and ids:
            raise HTTPError(422, "UnprocessableEntity", f"cannot call {model}.{method} with ids")
        implementation = getattr(self, f"_orm_{method}")
        try:
            ids = ids if isinstance(ids, list) else [ids] if ids else []
            bound = inspect.signature(implementation).bind(model, ids, *args, **kwargs)
        except TypeError as err:
            if json2:
                raise HTTPError(422, "UnprocessableEntity", str(err)) from None
            raise
        return implementation(*bound.args, **bound.kwargs)

    def _orm_search(self, model, ids, domain=None, offset=0, limit=None, order=None):
        return [r["id"] for r in self._search(model, domain or [], offset, limit, order)]

    def _orm_search_count(self, model, ids, domain=None, limit=None):
        return len(self._search(model, domain or [], 0, limit, None))

    def _orm_search_read(self, model, ids, domain=None, fields=None, offset=0, limit=None, order=None):
        return [self._render(model, r, fields) for r in self._search(model, domain or [], offset, limit, order)]

    def _orm_read(self, model, ids, fields=None, load="_classic_read"):
        return [self._render(model, record, fields) for record in self._browse(model, ids)]

    def _orm_create(self, model, ids, vals_list):
        many = vals_list if isinstance(vals_list, list) else [vals_list]
        created = []
        for vals in many:
            record = self._insert(model, {})
            self._write(model, record, vals)
            created.append(record["id"])
        return created

    def _orm_write(self, model, ids, vals):
        for record in self._browse(model, ids):
            if model == "account.move" and record["state"] != "draft" and "invoice_line_ids" in vals:
                raise UserError("You cannot modify a posted entry of this journal.")
            self._write(model, record, vals)
        return True

    def _orm_action_post(self, model, ids):
        for move in self._browse(model, ids):
            if move["state"] == "posted":
                raise UserError(f"The entry {move['name']} (id {move['id']}) is already posted.")
            if move["state"] != "draft":
                raise UserError("Only draft journal entries can be posted.")
            if move.get("partner_id") is None:
                raise UserError(
                    "The field 'Customer' is required, please complete it to validate the Customer Invoice."
                )
            if not move["invoice_line_ids"]:
                raise UserError("You need to add a line before posting.")
            year = (move.get("invoice_date") or self._clock.strftime("%Y"))[:4]
            self._sequence[year] = self._sequence.get(year, 0) + 1
            move.update(name=f"INV/{year}/{self._sequence[year]:05d}", state="posted", write_date=self._tick())
            move["invoice_date"] = move.get("invoice_date") or self._clock.strftime("%Y-%m-%d")
            self._compute_move(move)
        return False

    def _orm_button_draft(self, model, ids):
        moves = self._browse(model, ids)
        if any(move["state"] not in ("posted", "cancel") for move in moves):
            raise UserError("Only posted/cancelled journal entries can be reset to draft.")
        if any(move["_paid"] for move in moves):
            raise UserError(
                "You cannot reset to draft an entry with payments reconciled on it: unreconcile them first."
            )
        for move in moves:
            move.update(state="draft", write_date=self._tick())
            self._compute_move(move)

    def _orm_button_cancel(self, model, ids):
        moves = self._browse(model, ids)
        if any(move["state"] != "draft" for move in moves):
            raise UserError("Only draft journal entries can be cancelled.")
        for move in moves:
            move.update(state="cancel", write_date=self._tick())
            self._compute_move(move)

    def _orm_context_get(self, model, ids):
        return {"lang": "en_US", "tz": "Europe/Brussels", "uid": UID}

    # -- records ----------------------------------------------------------------------------------------

    def _tick(self) -> str:
        if not self._frozen:
            self._clock += timedelta(seconds=1)
        return self._clock.strftime(DATETIME)

    def _spec(self, model: str) -> dict[str, str]:
        return {**MAGIC, **FIELDS[model]}

    def _insert(self, model: str, values: dict, record_id: int | None = None) -> dict:
        record_id = record_id or self._next_id[model]
        self._next_id[model] = max(self._next_id[model], record_id) + 1
        now = self._tick()
        record = {"id": record_id, "create_date": now, "write_date": now}
        if "active" in FIELDS[model]:
            record["active"] = True
        if model == "account.move":
            record.update(
                name="/",
                move_type="entry",
                state="draft",
                payment_state="not_paid",
                invoice_line_ids=[],
                currency_id=1,
                _paid=Decimal(0),
            )
        if model == "account.move.line":
            record["tax_ids"] = []
        record.update(values)
        self._tables[model][record_id] = record
        return record

    def _browse(self, model: str, ids) -> list[dict]:
        table = self._tables[model]
        missing = [i for i in ids if i not in table]
        if missing:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({', '.join(map(str, missing))},), User: {UID})"
            )
        return [table[i] for i in ids]

    def _write(self, model: str, record: dict, vals: Mapping) -> None:
        spec = FIELDS[model]
        for field, value in vals.items():
            kind = spec.get(field)
            if kind is None:
                raise ValueError(f"Invalid field {field!r} on model {model!r}")
            if kind.startswith("o2m"):
                self._write_lines(record, value)
            elif kind.startswith("m2m"):
                record[field] = self._many2many(record.get(field, []), value)
            elif kind.startswith("m2o"):
                record[field] = int(value) if value else None
            elif kind in ("float", "monetary"):
                record[field] = Decimal(str(value or 0))
            elif kind == "int":
                record[field] = int(value or 0)
            elif kind == "bool":
                record[field] = bool(value)
            else:
                record[field] = str(value) if value not in (None, False) else None
        record["write_date"] = self._tick()
        if model == "account.move":
            self._compute_move(record)

    @staticmethod
    def _many2many(current: list[int], commands) -> list[int]:
        ids = list(current)
        for command in commands or []:
            if isinstance(command, int):  # a plain list of ids replaces the set
                ids = [c for c in commands if isinstance(c, int)]
                break
            code = command[0]
            if code == 6:
                ids = list(command[2])
            elif code == 4 and command[1] not in ids:
                ids.append(command[1])
            elif code == 3 and command[1] in ids:
                ids.remove(command[1])
            elif code == 5:
                ids = []
        return ids

    def _write_lines(self, move: dict, commands) -> None:
        lines = self._tables["account.move.line"]
        for command in commands or []:
            code = command[0]
            if code == 0:
                line = self._insert("account.move.line", {"move_id": move["id"]})
                self._write("account.move.line", line, command[2])
                move["invoice_line_ids"].append(line["id"])
            elif code == 1:
                self._write("account.move.line", lines[command[1]], command[2])
            elif code in (2, 3):
                move["invoice_line_ids"].remove(command[1])
                lines.pop(command[1], None)
            elif code == 5:
                for line_id in move["invoice_line_ids"]:
                    lines.pop(line_id, None)
                move["invoice_line_ids"] = []

    def _compute_move(self, move: dict) -> None:
        """Per line: subtotal = r(q × p × (1 − d/100)), tax = Σ r(subtotal × rate/100); the move sums them."""
        currency = self._tables["res.currency"].get(move.get("currency_id") or 0, {})
        unit = Decimal(1).scaleb(-currency.get("decimal_places", 2))
        untaxed = tax = Decimal(0)
        for line_id in move["invoice_line_ids"]:
            line = self._tables["account.move.line"][line_id]
            raw = line.get("quantity", Decimal(0)) * line.get("price_unit", Decimal(0))
            subtotal = (raw * (100 - line.get("discount", Decimal(0))) / 100).quantize(unit, ROUND_HALF_UP)
            line_tax = sum(
                (
                    (subtotal * t["amount"] / 100).quantize(unit, ROUND_HALF_UP)
                    for t in (self._tables["account.tax"][i] for i in line["tax_ids"])
                    if t["amount_type"] == "percent"
                ),
                Decimal(0),
            )
            line.update(price_subtotal=subtotal, price_total=subtotal + line_tax)
            untaxed, tax = untaxed + subtotal, tax + line_tax
        move.update(amount_untaxed=untaxed, amount_tax=tax, amount_total=untaxed + tax)
        move["amount_residual"] = move["amount_total"] - move["_paid"]
        if move["state"] == "posted" and move["_paid"]:
            move["payment_state"] = "paid" if move["amount_residual"] == 0 else "partial"
        else:
            move["payment_state"] = "not_paid"

    def _display_name(self, model: str, record_id: int) -> str:
        record = self._tables[model].get(record_id, {})
        return str(record.get("name") or f"{model},{record_id}")

    def _render(self, model: str, record: dict, fields) -> dict:
        spec = self._spec(model)
        out = {"id": record["id"]}
        for field in fields or [f for f in spec if f != "display_name"]:
            kind = spec.get(field)
            if kind is None:
                raise ValueError(f"Invalid field {field!r} on model {model!r}")
            value = record.get(field)
            if field == "display_name":
                value = self._display_name(model, record["id"])
            elif kind.startswith("m2o"):
                target = kind.split()[1]
                value = [value, self._display_name(target, value)] if value else False
            elif kind.startswith(("o2m", "m2m")):
                value = list(value or [])
            elif kind in ("float", "monetary"):
                value = float(value or 0)
            elif kind == "int":
                value = int(value or 0)
            elif kind == "bool":
                value = bool(value)
            elif value is None:
                value = False
            out[field] = value
        return out

    # -- domains ----------------------------------------------------------------------------------------

    def _search(self, model: str, domain: list, offset: int, limit: int | None, order: str | None) -> list[dict]:
        if "active" in FIELDS[model] and not any(isinstance(t, (list, tuple)) and t[0] == "active" for t in domain):
            domain = [("active", "=", True), *domain]
        found = [r for r in self._tables[model].values() if self._matches(model, r, domain)]
        for field, descending in reversed(self._order(model, order or "id")):
            found.sort(
                key=lambda r, f=field: (r.get(f) is None, r.get(f) if r.get(f) is not None else 0), reverse=descending
            )
        return found[offset : offset + limit if limit else None]

    def _order(self, model: str, order: str) -> list[tuple[str, bool]]:
        spec, keys = self._spec(model), []
        for part in order.split(","):
            field, *direction = part.split()
            if field not in spec or direction not in ([], ["asc"], ["desc"], ["ASC"], ["DESC"]):
                raise ValueError(f'Invalid "order" specified ({order})')
            keys.append((field, bool(direction) and direction[0].lower() == "desc"))
        return keys

    def _matches(self, model: str, record: dict, domain: list) -> bool:
        stack: list[bool] = []
        try:
            for term in reversed(domain):
                if term == "!":
                    stack.append(not stack.pop())
                elif term in ("&", "|"):
                    a, b = stack.pop(), stack.pop()
                    stack.append(a and b if term == "&" else a or b)
                else:
                    stack.append(self._leaf(model, record, term))
        except IndexError:
            raise ValueError(f"Invalid domain {domain!r}") from None
        return all(stack)

    def _leaf(self, model: str, record: dict, leaf) -> bool:
        if not isinstance(leaf, (list, tuple)) or len(leaf) != 3:
            raise ValueError(f"Invalid leaf {leaf!r}")
        field, op, value = leaf
        kind = self._spec(model).get(field)
        if kind is None:
            raise ValueError(f"Invalid field {model}.{field} in leaf {tuple(leaf)!r}")
        raw = record.get(field)
        many = kind.startswith(("o2m", "m2m"))

        def norm(v):
            if kind in NUMBERS and isinstance(v, (int, float)) and not isinstance(v, bool):
                return Decimal(str(v))
            return v

        if op in ("=", "!="):
            if value is False or value is None:
                hit = raw in (None, False, "") or raw == []
            else:
                hit = norm(value) in raw if many else raw == norm(value)
            return hit if op == "=" else not hit
        if op in ("in", "not in"):
            values = [norm(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
            if many:
                hit = bool(set(raw or []) & set(values))
            else:
                hit = raw in values or (raw is None and False in values)
            return hit if op == "in" else not hit
        if op in ("<", ">", "<=", ">="):
            if raw is None or value is False:
                return False
            value = norm(value)
            return {"<": raw < value, ">": raw > value, "<=": raw <= value, ">=": raw >= value}[op]
        if op in ("like", "ilike", "not like", "not ilike", "=like", "=ilike"):
            if raw is None:
                return op.startswith("not")
            text, pattern, ignore_case = str(raw), str(value), "ilike" in op
            if op.startswith("="):
                return _sql_like(pattern, text, ignore_case)
            hit = pattern.lower() in text.lower() if ignore_case else pattern in text
            return not hit if op.startswith("not") else hit
        raise ValueError(f"Invalid leaf {tuple(leaf)!r}: unknown operator {op!r}")
