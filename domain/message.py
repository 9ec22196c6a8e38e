"""Text for a person: an English template with named parameters, put into the reader's language at the edge.

The domain says what went wrong as a `Message` (`Message("{quote} has expired", quote=named(q))`);
the GraphQL edge looks its template up in the reader's gettext catalog and fills it in there, once.
The English text is the template filled in as written, so `str(message)` is what a log or an English
client reads. Templates use `str.format` fields (`{name}`, `{value!r}`, `{count:,}`); a parameter that
is itself a Message (a record's kind, a state, an action) is translated with the same catalog.

Templates are found by `pybabel extract` (i18n/babel.cfg) where they are literal arguments of
`Message`, `DomainError`, `invalid`, `Guard` and the GraphQL errors; never build one with an f-string,
or the extractor cannot see it (tests/unit/test_catalogs.py fails on one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Gettext = Callable[[str], str]


def _identity(text: str) -> str:
    return text


class Message:
    """An English template and its named parameters, rendered in a language by a gettext function."""

    __slots__ = ("template", "params")

    def __init__(self, template: str, /, **params: Any):
        self.template = template
        self.params: Mapping[str, Any] = params

    def render(self, gettext: Gettext = _identity) -> str:
        """The text in the language of `gettext` (English, the template itself, without one)."""
        values = {k: v.render(gettext) if isinstance(v, Message) else v for k, v in self.params.items()}
        return gettext(self.template).format_map(values)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.template!r}, **{dict(self.params)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.template, dict(self.params)) == (other.template, dict(other.params))

    def __hash__(self) -> int:
        return hash(self.template)


# -- the words messages are built of: kinds of record, states, actions -----------------------------
# Each is a literal Message so that the extractor finds it; a word missing here is shown as written.

KIND_WORDS = {
    "document": Message("document"),
    "lead": Message("lead"),
    "account": Message("account"),
    "contact": Message("contact"),
    "opportunity": Message("opportunity"),
    "stage": Message("stage"),
    "quote": Message("quote"),
    "order": Message("order"),
    "delivery": Message("delivery"),
    "invoice": Message("invoice"),
    "payment": Message("payment"),
    "payment_reversal": Message("payment_reversal"),
    "user": Message("user"),
    "token": Message("token"),
    "api_token": Message("api_token"),
    "company": Message("company"),
    "number_series": Message("number series"),
    "mail": Message("mail"),
}

STATE_WORDS = {
    "new": Message("new"),
    "working": Message("working"),
    "converted": Message("converted"),
    "disqualified": Message("disqualified"),
    "open": Message("open"),
    "won": Message("won"),
    "lost": Message("lost"),
    "draft": Message("draft"),
    "sent": Message("sent"),
    "accepted": Message("accepted"),
    "rejected": Message("rejected"),
    "expired": Message("expired"),
    "superseded": Message("superseded"),
    "canceled": Message("canceled"),
    "partially_delivered": Message("partially_delivered"),
    "delivered": Message("delivered"),
    "issued": Message("issued"),
    "partially_paid": Message("partially_paid"),
    "paid": Message("paid"),
    "void": Message("void"),
}

ACTION_WORDS = {
    "convert": Message("convert"),
    "disqualify": Message("disqualify"),
    "mark_contacted": Message("mark contacted"),
    "reactivate": Message("reactivate"),
    "lose": Message("lose"),
    "move_stage": Message("move stage"),
    "reopen": Message("reopen"),
    "win": Message("win"),
    "accept": Message("accept"),
    "cancel": Message("cancel"),
    "expire": Message("expire"),
    "reject": Message("reject"),
    "revise": Message("revise"),
    "send": Message("send"),
    "deliver": Message("deliver"),
    "issue": Message("issue"),
    "pay": Message("pay"),
    "reverse_payment": Message("reverse payment"),
    "void": Message("void"),
}


def word(table: Mapping[str, Message], key: str) -> Message | str:
    """The translatable word for key in table (KIND_WORDS, STATE_WORDS, ACTION_WORDS), or key as written."""
    return table.get(key, key)


def named(record: Any) -> Message:
    """A record as a message names it: its kind and its number or id (`quote Q-2026-0001`)."""
    label = getattr(record, "number", None) or record.id
    kind = getattr(record, "kind_name", None) or type(record).__name__.lower()
    return Message("{kind} {label}", kind=word(KIND_WORDS, kind), label=label)


def as_message(text: str | Message, params: Mapping[str, Any] | None = None) -> Message:
    """text as a Message with params added to its own (a template, or a Message such as a constant)."""
    if isinstance(text, Message):
        return Message(text.template, **text.params, **params) if params else text
    return Message(text, **(params or {}))
