"""The keys of a retailer's extraction rules (stack config `retailers[].rules`).

The Pulumi program validates a stack's rules against these keys; the extractor
(extraction/rules.py) reads and fully validates them, selectors and currencies included.
"""

RULE_KEYS = {
    "selector": "CSS selector of the price element",
    "attribute": "attribute of the selected element holding the price",
    "pattern": "regular expression with a named group 'price' (and optional 'currency')",
    "json_script": "CSS selector of the script element holding JSON",
    "json_path": "dotted path to the price in that JSON",
    "currency": "ISO 4217 currency when the page states none",
    "availability_selector": "CSS selector of the stock element",
    "out_of_stock_text": "text of the stock element meaning out of stock",
    "decimal": "the decimal separator, ',' or '.'",
}
