"""Calling Odoo's models from outside: `call(model, method, ids=None, **params)` over either protocol.

JSON-2, Odoo 19 and later::

    POST <url>/json/2/<model>/<method>
    Authorization: bearer <api key>
    X-Odoo-Database: <db>
    {"ids": [...], "<parameter>": ..., ...}     every argument named; `ids` for methods on records
    -> 200 and the method's result as JSON
    -> 4xx/5xx and {"name", "message", "arguments", "context", "debug"}: 401 bad key, 404 no such
       model or method, 422 UserError/ValidationError or bad arguments, 403 AccessError, 500 the rest

XML-RPC, Odoo 18 and earlier (deprecated in 19, to be removed in 22)::

    POST <url>/xmlrpc/2/common  authenticate(db, login, api_key, {})  -> uid, or False when refused
    POST <url>/xmlrpc/2/object  execute_kw(db, uid, api_key, model, method, args, kwargs)
    -> the result, or a Fault: 1 any other exception (its traceback), 2 UserError, 3 AccessDenied,
       4 AccessError

Both are sent with httpx (XML-RPC marshalled by the stdlib) so that timeouts and failures are
classified in one place: unreachable, timed out, 408/425/429 and 5xx are transient; 401/403 and
Odoo's refusals (UserError, ValidationError, AccessError, other 4xx) are permanent and carry
Odoo's message. The API key never appears in a message.

`protocol="auto"` tries JSON-2 first. An Odoo without it answers /json/2 with its HTML 404 page (an
Odoo 19 answers an unknown model or method with a JSON error instead), so that 404 means "older
Odoo": the call is made again over XML-RPC, which is used from then on.
"""

from __future__ import annotations

import logging
import xmlrpc.client
from xml.parsers.expat import ExpatError

import httpx

from ...domain.accounting import BackendError

log = logging.getLogger(__name__)

PROTOCOLS = ("auto", "json2", "xmlrpc")
USER_AGENT = "salesflow-odoo/1"
RETRIED_STATUSES = {408, 425, 429}
# Odoo's XML-RPC fault codes (odoo/addons/base/controllers/rpc.py)
FAULT_SERVER_ERROR, FAULT_WARNING, FAULT_ACCESS_DENIED, FAULT_ACCESS_ERROR = 1, 2, 3, 4
FAULT_NAMES = {FAULT_WARNING: "UserError", FAULT_ACCESS_DENIED: "AccessDenied", FAULT_ACCESS_ERROR: "AccessError"}
#: Parameters that execute_kw passes positionally, as Odoo's own examples do. `create` needs it:
#: Odoo looks at args[0] to decide between answering one id and a list of ids.
POSITIONAL = {"create": "vals_list", "search": "domain", "search_read": "domain", "search_count": "domain"}


class _NoJson2(Exception):
    """The server has no /json/2 route (an Odoo older than 19)."""


def _odoo_error(response: httpx.Response) -> dict | None:
    """Odoo's JSON error object, or None when the body is something else (an HTML page)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) and "message" in body else None


def _last_line(text: str) -> str:
    """The exception line of a Python traceback (what a fault 1 carries)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "server error"


class OdooRPC:
    """A client for one Odoo database, speaking JSON-2 or XML-RPC (see the module docstring)."""

    def __init__(
        self,
        url: str,
        db: str,
        api_key: str,
        *,
        login: str | None = None,
        protocol: str = "auto",
        timeout: float = 10.0,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}")
        self.url = url.rstrip("/")
        parsed = httpx.URL(self.url)
        self.where = f"{parsed.scheme}://{parsed.host}" + (f":{parsed.port}" if parsed.port else "")
        self.db, self.login, self.configured = db, login, protocol
        self._key = api_key
        #: The protocol in use: None until `auto` has seen an answer.
        self.protocol: str | None = None if protocol == "auto" else protocol
        self._uid: int | None = None
        self.client = client or httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    # -- the one entry point ------------------------------------------------------------------------

    def call(self, model: str, method: str, ids: list[int] | None = None, **params):
        """model.method(**params) on the records `ids` (None: an @api.model method); the result as JSON."""
        if self.protocol == "xmlrpc":
            return self._execute_kw(model, method, ids, params)
        try:
            result = self._json2(model, method, ids, params)
        except _NoJson2:
            if self.protocol == "json2":
                raise BackendError(
                    f"Odoo at {self.where} has no JSON-2 API (/json/2 answered 404): "
                    "Odoo 18 or older? set SALESFLOW_ODOO_PROTOCOL=xmlrpc or auto",
                    transient=False,
                ) from None
            log.info("Odoo at %s has no JSON-2 API: using XML-RPC", self.where)
            self.protocol = "xmlrpc"
            return self._execute_kw(model, method, ids, params)
        self.protocol = "json2"
        return result

    def version(self) -> str | None:
        """The server version over XML-RPC (unauthenticated); None over JSON-2 (not needed there)."""
        if self.protocol != "xmlrpc":
            return None
        info = self._xmlrpc("common", "version", (), "version")
        return str(info.get("server_version")) if isinstance(info, dict) else None

    # -- JSON-2 ---------------------------------------------------------------------------------------

    def _json2(self, model: str, method: str, ids, params: dict):
        body = dict(params)
        if ids is not None:
            body["ids"] = list(ids)
        headers = {"Authorization": f"bearer {self._key}", "X-Odoo-Database": self.db, "User-Agent": USER_AGENT}
        response = self._post(f"/json/2/{model}/{method}", json=body, headers=headers)
        if response.status_code == 200:
            try:
                return response.json()
            except ValueError:
                raise BackendError(
                    f"Odoo at {self.where} answered {model}.{method} with something that is not JSON"
                ) from None
        error = _odoo_error(response)
        if response.status_code == 404 and error is None:
            raise _NoJson2()
        if error is not None and self.protocol is None:
            self.protocol = "json2"  # an Odoo error object: the API is there, the call was refused
        raise self._http_error(response, error, f"{model}.{method}")

    # -- XML-RPC --------------------------------------------------------------------------------------

    def _execute_kw(self, model: str, method: str, ids, params: dict):
        uid = self._authenticate()
        args: list = []
        kwargs = dict(params)
        if ids is not None:
            args.append(list(ids))
        elif POSITIONAL.get(method) in kwargs:
            args.append(kwargs.pop(POSITIONAL[method]))
        return self._xmlrpc(
            "object", "execute_kw", (self.db, uid, self._key, model, method, args, kwargs), f"{model}.{method}"
        )

    def _authenticate(self) -> int:
        if self._uid is None:
            if not self.login:
                raise BackendError(
                    "Odoo's XML-RPC API (Odoo 18 or older) needs a login: set SALESFLOW_ODOO_LOGIN", transient=False
                )
            uid = self._xmlrpc("common", "authenticate", (self.db, self.login, self._key, {}), "authenticate")
            if not uid:
                raise BackendError(
                    f"Odoo at {self.where} refused login {self.login!r} with this API key on database {self.db!r}",
                    transient=False,
                )
            self._uid = int(uid)
        return self._uid

    def _xmlrpc(self, service: str, method: str, params: tuple, what: str):
        body = xmlrpc.client.dumps(params, methodname=method, allow_none=True).encode()
        response = self._post(
            f"/xmlrpc/2/{service}", content=body, headers={"Content-Type": "text/xml", "User-Agent": USER_AGENT}
        )
        if response.status_code == 404:
            raise BackendError(f"Odoo at {self.where} has no XML-RPC API (/xmlrpc/2 answered 404)", transient=False)
        if response.status_code != 200:
            raise self._http_error(response, None, what)
        try:
            (result,), _ = xmlrpc.client.loads(response.content, use_builtin_types=True)
        except xmlrpc.client.Fault as fault:
            if fault.faultCode == FAULT_SERVER_ERROR and "cannot marshal None" in str(fault.faultString):
                return None  # Odoo did the work and committed; only its answer (None) has no XML-RPC form
            raise self._fault(fault, what) from None
        except (ExpatError, ValueError):
            raise BackendError(f"Odoo at {self.where} answered {what} with something that is not XML-RPC") from None
        return result

    def _fault(self, fault: xmlrpc.client.Fault, what: str) -> BackendError:
        text = str(fault.faultString or "")
        if fault.faultCode in FAULT_NAMES:
            return BackendError(
                self._scrub(f"Odoo refused {what}: {FAULT_NAMES[fault.faultCode]}: {text}"), transient=False
            )
        # A fault 1 is Odoo's answer to any other exception: the XML-RPC form of a 500.
        return BackendError(self._scrub(f"Odoo failed on {what}: {_last_line(text)}"))

    # -- HTTP -------------------------------------------------------------------------------------------

    def _post(self, path: str, **kwargs) -> httpx.Response:
        try:
            return self.client.post(self.url + path, **kwargs)
        except httpx.TimeoutException as err:
            raise BackendError(f"Odoo at {self.where} timed out ({type(err).__name__})") from None
        except httpx.HTTPError as err:
            raise BackendError(self._scrub(f"Odoo at {self.where} unreachable: {type(err).__name__}: {err}")) from None

    def _http_error(self, response: httpx.Response, error: dict | None, what: str) -> BackendError:
        status = response.status_code
        if error is not None:
            name = str(error.get("name") or "").rsplit(".", 1)[-1]
            detail = f"{name}: {error.get('message')}" if name else str(error.get("message"))
        else:
            detail = " ".join(response.text.split())[:200] or response.reason_phrase
        transient = status >= 500 or status in RETRIED_STATUSES
        return BackendError(self._scrub(f"Odoo answered {status} to {what}: {detail}"), transient=transient)

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text
