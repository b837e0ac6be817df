"""How messages reach customers: a small interface and the channels behind it.

A channel's ``send`` returns when the message is handed over and raises on failure (the
relay then retries it). ``log`` appends one JSON line per message to a local file (the
default, and what the demo shows); ``email`` talks SMTP; ``sms`` hands the text to an
``SmsSender``, of which only a stand-in that logs exists (real providers are out of scope).
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from dispatch.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One rendered notification on its way out."""

    notification_id: int
    order_id: int | None
    template: str
    recipient: str
    subject: str
    body: str


class Channel(Protocol):
    """``name`` is stored with each notification; ``contact`` says which customer field
    addresses it (``email``, ``phone``, or ``any``: the email, else the phone)."""

    name: str
    contact: str

    def send(self, message: Message) -> None: ...


class LogChannel:
    """Appends ``{"at", "channel", "to", "subject", "body", ...}`` lines to a file."""

    name = "log"
    contact = "any"
    _lock = threading.Lock()  # one writer at a time, so lines never interleave

    def __init__(self, path: str | Path, clock=None) -> None:
        self.path = Path(path)
        self._clock = clock

    def send(self, message: Message) -> None:
        from dispatch.db.base import utcnow

        at: datetime = (self._clock or utcnow)()
        line = {"at": at.isoformat(), "channel": self.name, "to": message.recipient,
                **{k: v for k, v in asdict(message).items() if k != "recipient"}}
        text = json.dumps(line, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(text)


class EmailChannel:
    """Plain-text email through an SMTP server (STARTTLS and login when configured)."""

    name = "email"
    contact = "email"

    def __init__(self, *, host: str, port: int, sender: str, timeout: float,
                 username: str | None = None, password: str | None = None,
                 starttls: bool = False) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self.username, self.password, self.starttls = username, password, starttls

    def send(self, message: Message) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email.set_content(message.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)


class SmsSender(Protocol):
    """A text-message provider: deliver ``text`` to ``phone`` or raise."""

    def send(self, phone: str, text: str) -> None: ...


class LoggingSmsSender:
    """Stand-in provider: logs the text instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)


class SmsChannel:
    """Short text messages: the subject, then the body's last line (the link)."""

    name = "sms"
    contact = "phone"

    def __init__(self, sender: SmsSender) -> None:
        self.sender = sender

    def send(self, message: Message) -> None:
        lines = [line for line in message.body.splitlines() if line.strip()]
        link = lines[-1] if lines and "http" in lines[-1] else ""
        self.sender.send(message.recipient, f"{message.subject}. {link}".strip())


def channel_for(settings: Settings) -> Channel:
    """The channel ``settings.notification_channel`` names (ValueError for others)."""
    kind = settings.notification_channel
    if kind == "log":
        return LogChannel(settings.notification_log_path)
    if kind == "email":
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return EmailChannel(host=settings.smtp_host, port=settings.smtp_port,
                            sender=settings.smtp_from, timeout=settings.smtp_timeout_seconds,
                            username=settings.smtp_username, password=password,
                            starttls=settings.smtp_starttls)
    if kind == "sms":
        return SmsChannel(LoggingSmsSender())
    raise ValueError(f"unknown notification channel {kind!r} (log, email or sms)")
