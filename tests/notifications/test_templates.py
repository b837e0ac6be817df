"""Message wording, rendered without a database."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta, timezone

import pytest

from dispatch.events.types import EventType
from dispatch.notifications.templates import (
    CONTEXT_KEYS,
    TEMPLATES,
    failure_text,
    format_money,
    format_window,
    has_template,
    render,
)

START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
CONTEXT = {
    "customer_name": "Marie Curie", "order_id": 12, "window": "on Fri 27 Nov 2026 between"
    " 14:00 and 15:00 UTC", "eta_window": "on Fri 27 Nov 2026 between 14:20 and 14:35 UTC",
    "tracking_url": "https://shop.example/track/TOKEN/page",
    "reschedule_url": "https://shop.example/track/TOKEN/page",
    "failure_reason": "nobody was home", "recipient_name": " to Pierre", "return_id": 5,
    "pickup_window": "on Sat 28 Nov 2026 between 09:00 and 12:00 UTC",
    "refund_amount": "24.90 EUR",
}

EXPECTED = {
    # event type: words the customer must see
    "order.confirmed": ["Order 12 confirmed", "14:00 and 15:00 UTC", "/track/TOKEN/page"],
    "order.planned": ["scheduled", "14:00 and 15:00 UTC"],
    "order.out_for_delivery": ["on its way", "14:20 and 14:35 UTC"],
    "order.eta_changed": ["New arrival time", "14:20 and 14:35 UTC"],
    "order.arriving_next": ["next stop", "14:20 and 14:35 UTC"],
    "order.delivered": ["delivered to Pierre"],
    "order.failed": ["nobody was home", "new delivery time here: https://shop.example/track/TOKEN/page"],
    "return.approved": ["Return 5 approved", "collect the items on Sat 28 Nov 2026 between 09:00"],
    "refund.issued": ["Refund of 24.90 EUR issued", "refunded 24.90 EUR for return 5"],
}


def test_the_issue_lists_these_templates():
    assert set(TEMPLATES) == set(EXPECTED)
    assert not has_template(EventType.ORDER_READY) and not has_template("driver.position")


@pytest.mark.parametrize("event_type", sorted(EXPECTED))
def test_each_template_renders_what_the_customer_needs(event_type):
    message = render(event_type, CONTEXT)
    assert message.template == event_type
    text = f"{message.subject}\n{message.body}"
    assert "Marie Curie" in message.body
    for words in EXPECTED[event_type]:
        assert words in text, (event_type, words, text)
    assert "{" not in text and "}" not in text


def test_templates_use_only_context_keys():
    for template in TEMPLATES.values():
        for part in (template.subject, template.body):
            names = {name for _, name, _, _ in string.Formatter().parse(part) if name}
            assert names <= CONTEXT_KEYS, names - CONTEXT_KEYS


def test_window_format_is_utc_and_says_so():
    paris = timezone(timedelta(hours=1))
    assert format_window(START.astimezone(paris), (START + timedelta(hours=1)).astimezone(paris)) == (
        "on Fri 27 Nov 2026 between 14:00 and 15:00 UTC")
    assert format_window(START, START + timedelta(hours=20)) == (
        "between Fri 27 Nov 2026 14:00 and Sat 28 Nov 2026 10:00 UTC")


def test_money_and_failure_reasons():
    assert format_money(2490, "EUR") == "24.90 EUR"
    assert format_money(5, "EUR") == "0.05 EUR"
    assert format_money(-100, "EUR") == "-1.00 EUR"
    assert failure_text("not_home") == "nobody was home"
    assert failure_text(None) == "an unexpected problem"
    assert failure_text("dog in the yard") == "dog in the yard"
