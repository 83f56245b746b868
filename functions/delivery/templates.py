"""The messages people read: a title and a body per kind of alert, and the digest.

The templates are data, all in `TEMPLATES` below, rendered by Jinja2's sandboxed
environment with `StrictUndefined` (a name a template uses but the context lacks is an
error, found by the tests of every kind, not a blank in someone's chat). Kinds are an open
set: one without its own templates gets the generic `_alert` pair.

Two formats, as Apprise's `body_format`: `text` (autoescape off: chat services, ntfy,
Telegram, webhooks) and `html` (autoescape on, line breaks as `<br>`, the link as an
anchor: e-mail). Either way, every text that came from the web or the catalog (name, URL,
product, retailer, currency) is stripped of control characters first, so a product name
cannot forge lines, hide text with bidirectional overrides or ring a terminal's bell.
Titles are one line of text in both formats.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from jinja2 import DictLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from delivery.alarm import OpsAlarm
from delivery.alert import Alert


class BodyFormat(StrEnum):
    """Apprise's body formats this module renders (`NotifyFormat` values)."""

    TEXT = "text"
    HTML = "html"


# Everything the templates show. `_alert` is the generic pair for a kind without its own;
# `_prices` and `_footer` are shared blocks.
TEMPLATES: Mapping[str, str] = MappingProxyType(
    {
        "_prices": (
            "{% if new %}Now {{ new }}{% else %}No price shown{% endif %}"
            "{% if old and new %}, was {{ old }}"
            "{% if difference %}: {{ difference }} {{ direction }}{% else %}, as before{% endif %}"
            "{% if change %} ({{ change }}){% endif %}"
            "{% elif new %} (no earlier price){% endif %}.\n"
            "{% if recent_low %}Recent low: {{ recent_low }}.\n{% endif %}"
        ),
        "_footer": (
            "\nRetailer: {{ retailer }}\n"
            "{{ url | link }}\n"
            "\nSeen at {{ observed_at }} (product {{ product_id }}).\n"
        ),
        "_alert.title": "{{ kind_label }}: {{ label }}",
        "_alert.body": (
            "{{ kind_label }}: {{ label }}\n{% include '_prices' %}{% include '_footer' %}"
        ),
        "price_drop.title": "Price drop: {{ label }}",
        "price_drop.body": (
            "{{ label }} is cheaper.\n{% include '_prices' %}{% include '_footer' %}"
        ),
        "target_price.title": "Target price reached: {{ label }}",
        "target_price.body": (
            "{{ label }} reached your target price.\n{% include '_prices' %}{% include '_footer' %}"
        ),
        "back_in_stock.title": "Back in stock: {{ label }}",
        "back_in_stock.body": (
            "{{ label }} is back in stock.\n{% include '_prices' %}{% include '_footer' %}"
        ),
        "price_increase.title": "Price increase: {{ label }}",
        "price_increase.body": (
            "{{ label }} got more expensive.\n{% include '_prices' %}{% include '_footer' %}"
        ),
        "any_change.title": "Price change: {{ label }}",
        "any_change.body": (
            "The price of {{ label }} changed.\n{% include '_prices' %}{% include '_footer' %}"
        ),
        "new_low.title": "New low price: {{ label }}",
        "new_low.body": (
            "{{ label }} is at its lowest recent price.\n"
            "{% include '_prices' %}{% include '_footer' %}"
        ),
        "out_of_stock.title": "Out of stock: {{ label }}",
        "out_of_stock.body": (
            "{{ label }} is out of stock.\n"
            "{% if old %}Last price: {{ old }}.\n{% endif %}{% include '_footer' %}"
        ),
        "_digest.title": "{{ count }} price alerts held back today",
        "_digest.body": (
            "{{ count }} alerts arrived after today's limit of this channel:\n"
            "{% for item in items %}\n- {{ item.title }}\n  {{ item.url | link }}\n{% endfor %}"
            "{% if more %}\n... and {{ more }} more.\n{% endif %}"
        ),
        "_ops.title": "[{{ state }}] {{ name }}",
        "_ops.body": (
            "Alarm {{ name }} is {{ state }}.\n"
            "{% if description %}{{ description }}\n{% endif %}"
            "{% if reason %}\n{{ reason }}\n{% endif %}"
            "\nChanged at {{ changed_at }}{% if region %} in {{ region }}{% endif %}.\n"
        ),
    }
)

# C0 and C1 controls (line breaks included), line and paragraph separators, and the
# invisible formatting characters that reorder or hide text (bidirectional overrides and
# isolates, marks, zero-width spaces): each run becomes one space.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+")
_SPACES = re.compile(r" {2,}")
_LINK_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class RenderedMessage:
    """What one channel is sent: Apprise's `title`, `body` and `body_format`."""

    title: str
    body: str
    body_format: BodyFormat


def clean_text(text: str) -> str:
    """`text` from the web or the catalog, fit to show: control characters made spaces."""
    return _SPACES.sub(" ", _CONTROLS.sub(" ", text)).strip()


def render_alert(alert: Alert, body_format: BodyFormat = BodyFormat.TEXT) -> RenderedMessage:
    """The title and body of `alert` in `body_format`."""
    kind = alert.kind if f"{alert.kind}.title" in TEMPLATES else "_alert"
    context = _alert_context(alert)
    return RenderedMessage(
        title=_render(f"{kind}.title", context, BodyFormat.TEXT),
        body=_render(f"{kind}.body", context, body_format),
        body_format=body_format,
    )


def render_digest(
    alerts: Sequence[Alert], more: int = 0, body_format: BodyFormat = BodyFormat.TEXT
) -> RenderedMessage:
    """One message for the alerts a channel's daily cap held back (`more`: those counted
    but not kept), each as its title and link."""
    items = [{"title": render_alert(alert).title, "url": clean_text(alert.url)} for alert in alerts]
    context = {"count": len(items) + more, "items": items, "more": more}
    return RenderedMessage(
        title=_render("_digest.title", context, BodyFormat.TEXT),
        body=_render("_digest.body", context, body_format),
        body_format=body_format,
    )


def render_alarm(alarm: OpsAlarm, body_format: BodyFormat = BodyFormat.TEXT) -> RenderedMessage:
    """An ops-topic alarm, for the channels that hear `ops`."""
    context = {
        "name": clean_text(alarm.name),
        "state": clean_text(alarm.state),
        "description": clean_text(alarm.description),
        "reason": clean_text(alarm.reason),
        "changed_at": clean_text(alarm.changed_at),
        "region": clean_text(alarm.region),
    }
    return RenderedMessage(
        title=_render("_ops.title", context, BodyFormat.TEXT),
        body=_render("_ops.body", context, body_format),
        body_format=body_format,
    )


def _alert_context(alert: Alert) -> dict[str, Any]:
    name = clean_text(alert.name) if alert.name else ""
    product_id = clean_text(alert.product_id)
    currency = clean_text(alert.currency) if alert.currency else None
    old, new = alert.old_price, alert.new_price
    difference = None if old is None or new is None else old - new
    return {
        "kind_label": clean_text(alert.kind.replace("_", " ")).capitalize(),
        "label": name or product_id,
        "name": name,
        "product_id": product_id,
        "retailer": clean_text(alert.retailer),
        "url": clean_text(alert.url),
        "old": _amount(old, currency),
        "new": _amount(new, currency),
        "difference": _amount(abs(difference), currency) if difference else None,
        "direction": "less" if difference and difference > 0 else "more",
        # The contract's change is the drop in percent of the old price; people read the
        # price's own move: -10.01% for a drop.
        "change": _signed_percent(-alert.change_percent) if alert.change_percent else None,
        "recent_low": _amount(alert.recent_low, currency),
        "observed_at": clean_text(alert.observed_at),
        "run_id": clean_text(alert.run_id),
    }


def _amount(value: Decimal | None, currency: str | None) -> str | None:
    if value is None:
        return None
    digits = format(value, "f")
    return f"{digits} {currency}" if currency else digits


def _signed_percent(value: Decimal) -> str:
    digits = format(value, "f")
    return f"{digits}%" if value < 0 else f"+{digits}%"


def _render(name: str, context: Mapping[str, Any], body_format: BodyFormat) -> str:
    text = _environment(body_format).get_template(name).render(context)
    if body_format is BodyFormat.HTML:
        # Every line break is the template's (clean_text removed the data's), so after
        # escaping they can all become <br>.
        return text.replace("\n", "<br>\n")
    return text


@cache
def _environment(body_format: BodyFormat) -> SandboxedEnvironment:
    html = body_format is BodyFormat.HTML
    environment = SandboxedEnvironment(
        loader=DictLoader(dict(TEMPLATES)),
        autoescape=html,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["link"] = _html_link if html else _text_link
    return environment


def _text_link(url: str) -> str:
    return url


def _html_link(url: str) -> Markup:
    # Only a web address becomes an anchor: a javascript: or data: URL stays inert text.
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host
        scheme = ""
    if scheme in _LINK_SCHEMES:
        return Markup('<a href="{0}">{0}</a>').format(url)
    return escape(url)
