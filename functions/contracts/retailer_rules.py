"""The keys of a retailer's extraction rules (stack config `retailers[].rules`).

The Pulumi program validates a stack's rules against these keys; the extractor
(extraction/rules.py) reads and fully validates them, selectors and currencies included.
"""

import re

# A json_path with one of these is a JMESPath expression; without, a dotted path (names and
# list indices: `offers.0.price`, which JMESPath cannot read).
_JMESPATH_SYNTAX = re.compile(r"[\[\]{}()|&!=<>*'\"`]")


def is_jmespath_expression(json_path: str) -> bool:
    """Whether a rule's `json_path` is read as JMESPath rather than as a dotted path."""
    return _JMESPATH_SYNTAX.search(json_path) is not None


RULE_KEYS = {
    "selector": "CSS selector of the price element",
    "attribute": "attribute of the selected element holding the price",
    "pattern": "regular expression with a named group 'price' (and optional 'currency')",
    "json_script": "CSS selector of the script element holding JSON",
    "json_path": (
        "dotted path (props.pageProps.price, offers.0.price) or JMESPath expression"
        " (offers[?available].price | [0]) to the price in that JSON"
    ),
    "currency": "ISO 4217 currency when the page states none",
    "availability_selector": "CSS selector of the stock element",
    "out_of_stock_text": "text of the stock element meaning out of stock",
    "decimal": "the decimal separator, ',' or '.'",
}
