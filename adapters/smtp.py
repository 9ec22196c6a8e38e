"""Handing one message to an SMTP server (smtplib), and saying how certain the outcome is.

The conversation is spelled out (MAIL, RCPT, DATA) rather than left to `send_message`, because
what happened depends on where it stopped: a failure before DATA certainly delivered nothing (retry
it), a reply to DATA is the server's verdict, and a broken connection during DATA may or may not
have delivered the message (domain/mail.py decides what salesflow does then).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

from ..domain.mail import Attempt, Outcome

DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


def _verdict(code: int, reply: bytes | str, what: str) -> Attempt:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    outcome = Outcome.REFUSED if 500 <= code < 600 else Outcome.RETRY
    return Attempt(outcome, f"{what}: {code} {text}".strip())


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int = 0
    username: str = ""
    password: str = ""
    security: str = "starttls"
    timeout: float = 30.0

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port or DEFAULT_PORTS[self.security]

    def _connect(self) -> smtplib.SMTP:
        host, port = self.address
        if self.security == "tls":
            return smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=ssl.create_default_context())
        smtp = smtplib.SMTP(host, port, timeout=self.timeout)
        if self.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, message: EmailMessage) -> Attempt:
        """Hand the message to the server for its To addresses; never raises."""
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as err:
            return Attempt(Outcome.RETRY, f"cannot reach {self.address[0]}:{self.address[1]}: {_said(err)}")
        try:
            return self._converse(smtp, message)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _converse(self, smtp: smtplib.SMTP, message: EmailMessage) -> Attempt:
        try:
            if self.username:
                smtp.login(self.username, self.password)
            smtp.ehlo_or_helo_if_needed()
            sender = message["From"].addresses[0].addr_spec
            code, reply = smtp.mail(sender)
            if code != 250:
                return _verdict(code, reply, "the sender was refused")
            for address in message["To"].addresses:
                code, reply = smtp.rcpt(address.addr_spec)
                if code not in (250, 251):
                    return _verdict(code, reply, f"{address.addr_spec} was refused")
        except smtplib.SMTPAuthenticationError as err:  # the server's settings, not the mail: try again later
            return Attempt(Outcome.RETRY, f"login refused: {err.smtp_code} {_said(err)}")
        except (OSError, smtplib.SMTPException) as err:  # nothing was handed over yet
            return Attempt(Outcome.RETRY, f"{type(err).__name__}: {_said(err)}")
        try:
            code, reply = smtp.data(message.as_bytes(policy=policy.SMTP))
        except smtplib.SMTPDataError as err:  # DATA itself refused: the message never went
            return _verdict(err.smtp_code, err.smtp_error, "the message was refused")
        except (OSError, smtplib.SMTPException) as err:
            return Attempt(Outcome.UNKNOWN, f"the connection broke while the message was handed over: {_said(err)}")
        if code != 250:  # the server's answer to the message itself
            return _verdict(code, reply, "the message was refused")
        return Attempt(Outcome.ACCEPTED)


def _said(err: Exception) -> str:
    return str(err) or type(err).__name__
