"""Channels: the local log (the demo's view), SMTP email, and SMS behind a sender."""

from __future__ import annotations

import json
import socketserver
import threading
from datetime import UTC, datetime
from email import message_from_bytes

import pytest

from dispatch.notifications.channels import (
    EmailChannel,
    LogChannel,
    Message,
    SmsChannel,
    channel_for,
)
from dispatch.settings import Settings

MESSAGE = Message(notification_id=3, order_id=12, template="order.failed",
                  recipient="marie@example.com", subject="We could not deliver order 12",
                  body="Hello Marie,\n\nchoose a new time:\nhttps://x.example/track/T/page\n")


def test_log_channel_appends_one_json_line_per_message(tmp_path):
    path = tmp_path / "logs" / "notifications.log"
    at = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    channel = LogChannel(path, clock=lambda: at)
    channel.send(MESSAGE)
    channel.send(Message(4, 12, "order.delivered", "+377 93 15 00 00", "Delivered", "ok"))
    first, second = (json.loads(line) for line in path.read_text().splitlines())
    assert first == {"at": at.isoformat(), "channel": "log", "to": "marie@example.com",
                     "notification_id": 3, "order_id": 12, "template": "order.failed",
                     "subject": MESSAGE.subject, "body": MESSAGE.body}
    assert second["to"] == "+377 93 15 00 00" and second["template"] == "order.delivered"


class _SmtpStandIn(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message (RFC 5321's happy path)."""

    def handle(self):
        server = self.server
        self.wfile.write(b"220 stand-in ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 stand-in\r\n")
            elif command.startswith(("MAIL FROM", "RCPT TO")):
                server.envelope.append(line.decode().strip())
                self.wfile.write(b"250 OK\r\n")
            elif command == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                server.messages.append(data)
                self.wfile.write(b"250 queued\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpStandIn)
    server.envelope, server.messages = [], []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_email_channel_sends_through_smtp(smtp_server):
    channel = EmailChannel(host="127.0.0.1", port=smtp_server.server_address[1],
                           sender="shop@example.com", timeout=5)
    channel.send(MESSAGE)
    assert [line.upper() for line in smtp_server.envelope] == [
        "MAIL FROM:<SHOP@EXAMPLE.COM>", "RCPT TO:<MARIE@EXAMPLE.COM>"]
    [raw] = smtp_server.messages
    email = message_from_bytes(raw)
    assert email["Subject"] == MESSAGE.subject and email["To"] == "marie@example.com"
    assert "https://x.example/track/T/page" in email.get_payload(decode=True).decode()


def test_email_channel_raises_when_the_server_is_down(smtp_server):
    port = smtp_server.server_address[1]
    smtp_server.shutdown()
    smtp_server.server_close()
    with pytest.raises(OSError):
        EmailChannel(host="127.0.0.1", port=port, sender="s@example.com", timeout=2).send(MESSAGE)


def test_sms_channel_sends_the_subject_and_the_link():
    sent = []

    class Recorder:
        def send(self, phone, text):
            sent.append((phone, text))

    SmsChannel(Recorder()).send(Message(1, 2, "order.failed", "+377 1234", MESSAGE.subject,
                                        MESSAGE.body))
    assert sent == [("+377 1234", "We could not deliver order 12. https://x.example/track/T/page")]


def test_channel_for_reads_the_setting(tmp_path):
    log = channel_for(Settings(notification_log_path=str(tmp_path / "n.log")))
    assert isinstance(log, LogChannel) and log.path == tmp_path / "n.log"
    email = channel_for(Settings(notification_channel="email", smtp_host="mail.example",
                                 smtp_port=2525, smtp_password="pw", smtp_username="u"))
    assert isinstance(email, EmailChannel) and (email.host, email.port) == ("mail.example", 2525)
    assert email.password == "pw" and email.contact == "email"
    assert channel_for(Settings(notification_channel="sms")).contact == "phone"
    with pytest.raises(ValueError, match="pigeon"):
        channel_for(Settings(notification_channel="pigeon"))
