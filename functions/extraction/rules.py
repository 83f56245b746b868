"""Per-retailer extraction rules: the operator's explicit instruction for where the price is.

A rule is a mapping of string keys to string values (JSON in the catalog or a file):

* `selector`: CSS selector (the subset in `extraction.selectors`) of the price element. Every
  matching element gives a candidate; equal prices count once, different ones are flagged
  ambiguous by `choose_offer`.
* `attribute`: read this attribute of the selected element instead of its text
  (`"content"`, `"data-price"`). Needs `selector`.
* `pattern`: regular expression with a named group `price` and optionally `currency`. It is
  searched (first match) in the selected text/attribute, in the JSON value, or in the whole
  raw page when there is neither `selector` nor `json_path`.
* `json_path`: where the price is in a JSON document embedded in the page, as a dotted path
  or a JMESPath expression (jmespath.org). A dotted path has names and list indices as
  numbers (`props.pageProps.product.offers.0.price`, `-1` for the last item); a path with
  any of `[ ] { } ( ) | & ! = < > *`, a quote or a backtick is a JMESPath expression instead
  (`props.pageProps.product.offers[0].price`, `product.variants[?available].price | [0]`,
  `data.items[?sku=='123'].price | [0]`). Dotted paths are kept apart, not read as JMESPath,
  so that names JMESPath would need quoted (`@graph`, `og:price`, `data-layer`) and numeric
  indices keep their meaning. An expression is compiled once, is at most 1,000 characters,
  and needs the jmespath package (it ships with boto3, so the Lambda runtime has it); only
  rules with an expression import it. A JSON number or string is read as a schema.org-style
  value ("2879.20"), other text as displayed text; a list, an object, a boolean or nothing
  gives no price (`json_value` says why).
* `json_script`: CSS selector of the script holding that JSON; default
  `script#__NEXT_DATA__`. A plain `script#some-id` (or `#some-id`) is found with a string
  search on the raw page; any other selector builds the element tree. Needs `json_path`.
* `currency`: ISO 4217 code (or symbol) used when the page does not state one, and the hint
  for reading ambiguous markers such as "$" or "kr".
* `availability_selector`: CSS selector of a stock element. With `out_of_stock_text`, the
  element's text containing that text (case-insensitive) means out of stock, otherwise in
  stock; without it, the element's content/href/text is read as schema.org availability.
  No matching element means unknown.
* `out_of_stock_text`: see above. Needs `availability_selector`.
* `decimal`: `","` or `"."` forces the decimal separator, for sites whose prices the generic
  reading gets wrong (e.g. "1.299" meaning 1.299); every other separator is a thousands one.

A rule needs one of `selector`, `json_path` or `pattern`, and not both `selector` and
`json_path`. The element tree is built (the `tree` callable called) only when a selector
needs it: pattern-only rules and JSON rules with a plain script id work on the raw page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial

from contracts.catalog import Availability
from contracts.retailer_rules import RULE_KEYS, is_jmespath_expression
from extraction.budget import UNLIMITED, Budget
from extraction.jsonld import loads_lenient
from extraction.markup import Element, NextOccurrence
from extraction.offer import OfferCandidate, normalize_availability
from extraction.price import ParsedPrice, normalize_currency, parse_price, parse_structured_price
from extraction.selectors import InvalidSelectorError, compile_selector

SOURCE = "rule"
DEFAULT_JSON_SCRIPT = "script#__NEXT_DATA__"

_SELECTOR_KEYS = ("selector", "availability_selector", "json_script")
_SCRIPT_ID = re.compile(r"(?:script)?#([\w-]+)")
_NUMBER = re.compile(r"\d+(?:[.,'’]\d+|[ \u00a0\u202f]\d{3}(?!\d))*")
_NON_DIGIT = re.compile(r"\D")
_SCRIPT_END = re.compile(r"</script\s*>", re.IGNORECASE)
_MAX_ELEMENTS = 20
_LOOKBEHIND = 1_000  # how far before a script's id its start tag may begin
_START_TAG_NAME = re.compile(r"<[a-zA-Z][\w-]*+\s")
# Longer than any expression a rule needs; it bounds the parser's recursion and the cost of
# evaluating, which is at most the expression's size times the JSON's (a projection or
# filter visits each element of its list once per step).
_MAX_EXPRESSION_CHARS = 1_000


class InvalidRuleError(ValueError):
    """A malformed retailer rule: which key, and what is wrong with it."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"rule {key!r}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class JsonValue:
    """What a rule's `json_path` selects in the page's JSON: a value to read the price from,
    or, when there is none, why (a sentence for logs and for people writing rules)."""

    value: str | int | float | None
    refused: str | None = None


def validate_rules(rules: Mapping) -> None:
    """Raise InvalidRuleError naming the key and the problem; return None for a valid rule."""
    if not isinstance(rules, Mapping):
        raise InvalidRuleError(
            "rules", f"must be a mapping of keys to strings, not {type(rules).__name__}"
        )
    for key, value in rules.items():
        if key not in RULE_KEYS:
            known = ", ".join(RULE_KEYS)
            raise InvalidRuleError(str(key), f"unknown key (known keys: {known})")
        if not isinstance(value, str):
            raise InvalidRuleError(
                key, f"must be a string ({RULE_KEYS[key]}), not {type(value).__name__}"
            )
        if not value.strip():
            raise InvalidRuleError(key, f"must not be empty ({RULE_KEYS[key]})")
    for key in _SELECTOR_KEYS:
        if key in rules:
            try:
                compile_selector(rules[key])
            except InvalidSelectorError as error:
                raise InvalidRuleError(key, error.reason) from error
    if "pattern" in rules:
        _compile_pattern(rules["pattern"])
    if "json_path" in rules:
        _json_path_reader(rules["json_path"])
    if "currency" in rules and normalize_currency(rules["currency"]) is None:
        raise InvalidRuleError("currency", f"{rules['currency']!r} is not a currency code")
    if "decimal" in rules and rules["decimal"] not in (",", "."):
        raise InvalidRuleError("decimal", "must be ',' or '.'")
    for key, needs in (
        ("attribute", "selector"),
        ("json_script", "json_path"),
        ("out_of_stock_text", "availability_selector"),
    ):
        if key in rules and needs not in rules:
            raise InvalidRuleError(key, f"needs {needs!r}")
    if "selector" in rules and "json_path" in rules:
        raise InvalidRuleError(
            "json_path", "a rule uses either 'selector' or 'json_path', not both"
        )
    if not any(key in rules for key in ("selector", "json_path", "pattern")):
        raise InvalidRuleError(
            "selector", "a rule needs one of 'selector', 'json_path' or 'pattern'"
        )


def candidates(
    html: str, tree: Callable[[], Element], rules: Mapping, budget: Budget = UNLIMITED
) -> list[OfferCandidate]:
    """The prices `rules` point at on the page. Raises InvalidRuleError for a bad rule, and
    `ExtractionTooSlowError` once `budget` is spent."""
    validate_rules(rules)
    hint = normalize_currency(rules["currency"]) if "currency" in rules else None
    values = _rule_values(html, tree, rules, budget)
    budget.check()
    pattern = _compile_pattern(rules["pattern"]) if "pattern" in rules else None
    prices: list[tuple[Decimal, str | None]] = []
    for value, machine in values:
        currency_text = None
        if pattern is not None:
            match = pattern.search(value if isinstance(value, str) else str(value))
            if match is None or not match.group("price"):
                continue
            value, machine = match.group("price"), False
            currency_text = match.groupdict().get("currency")
        parsed = _parse(value, machine, hint, rules.get("decimal"))
        amount = parsed.amount
        if amount is None or not amount.is_finite() or amount <= 0:
            continue
        currency = normalize_currency(currency_text) if currency_text else None
        prices.append((amount, currency or parsed.currency or hint))
    if not prices:
        return []  # and no tree built just for the stock element
    availability = (
        _availability(tree, rules, budget)
        if "availability_selector" in rules
        else Availability.UNKNOWN
    )
    return [OfferCandidate(price, currency, availability, SOURCE) for price, currency in prices]


def _compile_pattern(pattern: str) -> re.Pattern[str]:
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise InvalidRuleError("pattern", f"does not compile: {error}") from error
    if "price" not in compiled.groupindex:
        raise InvalidRuleError("pattern", "needs a named group 'price', as in (?P<price>[0-9.,]+)")
    return compiled


def _rule_values(
    html: str, tree: Callable[[], Element], rules: Mapping, budget: Budget
) -> list[tuple[object, bool]]:
    """The raw values the rule points at, each with whether it is machine-readable."""
    if "selector" in rules:
        attribute = rules.get("attribute")
        values: list[tuple[object, bool]] = []
        selected = compile_selector(rules["selector"]).select(tree(), budget)
        for element in selected[:_MAX_ELEMENTS]:
            value = element.get(attribute.lower()) if attribute else element.text()
            if value and value.strip():
                values.append((value, False))
        return values
    if "json_path" in rules:
        json_script = rules.get("json_script", DEFAULT_JSON_SCRIPT)
        document = _json_document(html, tree, json_script, budget)
        if document is None:
            return []
        found = json_value(document, rules["json_path"]).value
        return [] if found is None else [(found, True)]
    return [(html, False)]


def _json_document(
    html: str, tree: Callable[[], Element], json_script: str, budget: Budget
) -> object:
    script_id = _SCRIPT_ID.fullmatch(json_script.strip())
    if script_id is not None:
        text = _script_text_by_id(html, script_id.group(1))
    else:
        script = next(iter(compile_selector(json_script).select(tree(), budget)), None)
        text = "".join(c for c in script.children if isinstance(c, str)) if script else None
    if text is None:
        return None
    try:
        return json.loads(text, strict=False)
    except (ValueError, RecursionError):
        values = loads_lenient(text)
        return values[0] if values else None


def _script_text_by_id(html: str, element_id: str) -> str | None:
    """The text of the first element with this id, found without building a tree.

    Each occurrence of the id is checked where it stands: an `id=` attribute right before
    it, and a start tag it lies in (its "<" at most `_LOOKBEHIND` before, its ">" after);
    so the cost is linear in the page however often the id occurs.
    """
    next_gt = NextOccurrence(html, ">")
    hit = html.find(element_id)
    while hit >= 0:
        after = hit + len(element_id)
        end_char = html[after : after + 1]
        if (end_char in "\"'/>" or end_char.isspace()) and _is_id_value(html, hit):
            tag_start = html.rfind("<", max(0, hit - _LOOKBEHIND), hit)
            tag_end = next_gt.after(after)
            if tag_end < 0:
                return None  # no ">" left: no later start tag ends either
            if (
                tag_start >= 0
                and _START_TAG_NAME.match(html, tag_start) is not None
                and html.find(">", tag_start, hit) < 0
            ):
                end = _SCRIPT_END.search(html, tag_end + 1)
                return html[tag_end + 1 : end.start() if end else len(html)]
        hit = html.find(element_id, after)
    return None


def _is_id_value(html: str, start: int) -> bool:
    """Whether the text at `start` is the value of an id attribute (`id = "...`), read
    backwards from it: an optional quote, "=", and the name, spaces allowed around "="."""
    position = start
    if position and html[position - 1] in "\"'":
        position -= 1
    while position and html[position - 1].isspace():
        position -= 1
    if not position or html[position - 1] != "=":
        return False
    position -= 1
    while position and html[position - 1].isspace():
        position -= 1
    if position < 2 or html[position - 2 : position] != "id":
        return False
    return position == 2 or not (html[position - 3].isalnum() or html[position - 3] in "_-")


def json_value(document: object, json_path: str) -> JsonValue:
    """What `json_path` selects in `document` (parsed JSON): a number or string to read the
    price from, or no value with the reason. Raises InvalidRuleError for a malformed path."""
    read = _json_path_reader(json_path)
    try:
        found = read(document)
    except (ValueError, TypeError, ArithmeticError, RecursionError) as error:
        # A JMESPath function given data of the wrong kind (`floor` of a string, of Infinity;
        # jmespath's own errors are ValueErrors), or data nested too deep to compare.
        reason = f"{type(error).__name__}: {error}"[:200]
        return JsonValue(None, f"json_path fails on this JSON ({reason})")
    if found is None:
        return JsonValue(None, "json_path selects nothing in this JSON")
    if isinstance(found, bool):
        return JsonValue(None, "json_path selects a boolean, not a price")
    if isinstance(found, str | int | float):
        return JsonValue(found)
    if isinstance(found, list):
        return JsonValue(
            None,
            f"json_path selects a list of {len(found)} values, not one price"
            " (pick one, as in `[0]` or `| [0]`)",
        )
    return JsonValue(None, "json_path selects an object, not a price (name one of its keys)")


@lru_cache(maxsize=256)
def _json_path_reader(json_path: str) -> Callable[[object], object]:
    """`json_path` compiled, once per path: the function from a JSON document to what the
    path selects. Raises InvalidRuleError for a malformed path."""
    if not is_jmespath_expression(json_path):
        parts = tuple(json_path.split("."))
        if not all(parts):
            raise InvalidRuleError(
                "json_path", "must be dot-separated names or list indices, with no empty part"
            )
        return partial(_follow, parts=parts)
    return _compile_jmespath(json_path)


def _compile_jmespath(expression: str) -> Callable[[object], object]:
    if len(expression) > _MAX_EXPRESSION_CHARS:
        raise InvalidRuleError(
            "json_path", f"a JMESPath expression is at most {_MAX_EXPRESSION_CHARS:,} characters"
        )
    try:
        # Imported here, not at the top: extraction runs on the standard library, and only
        # a rule with an expression needs jmespath (a dependency of boto3, so on Lambda).
        import jmespath  # type: ignore[import-untyped]
    except ImportError:
        raise InvalidRuleError(
            "json_path",
            "is a JMESPath expression, and jmespath is required to read it (pip install"
            " jmespath; it comes with boto3), or write a plain dotted path",
        ) from None
    try:
        compiled = jmespath.compile(expression)
    except jmespath.exceptions.IncompleteExpressionError as error:
        raise InvalidRuleError("json_path", "is an incomplete JMESPath expression") from error
    except jmespath.exceptions.JMESPathError as error:
        raise InvalidRuleError(
            "json_path", f"is not a valid JMESPath expression ({_parse_problem(error)})"
        ) from error
    except RecursionError:
        raise InvalidRuleError("json_path", "is a JMESPath expression nested too deeply") from None
    _check_functions(compiled.parsed, jmespath.functions.Functions.FUNCTION_TABLE)
    search: Callable[[object], object] = compiled.search
    return search


def _parse_problem(error: Exception) -> str:
    """jmespath's parse or lexer error in one line (its own message spans three)."""
    detail = getattr(error, "message", None) or getattr(error, "msg", "parse error")
    detail = " ".join(str(detail).split())  # a token quoted in it may hold a line break
    return f"position {getattr(error, 'lex_position', '?')}: {detail}"


def _check_functions(tree: Mapping, known: Mapping) -> None:
    """Refuse calls to unknown functions or with the wrong number of arguments, which
    jmespath itself reports only when it evaluates them, page after page."""
    pending = [tree]
    while pending:
        node = pending.pop()
        children = [child for child in node.get("children", ()) if isinstance(child, Mapping)]
        pending.extend(children)
        if node.get("type") != "function_expression":
            continue
        name, given = node["value"], len(children)
        if name not in known:
            raise InvalidRuleError("json_path", f"calls an unknown JMESPath function {name}()")
        signature = known[name]["signature"]
        variadic = bool(signature) and bool(signature[-1].get("variadic"))
        if given < len(signature) or (given > len(signature) and not variadic):
            expected = f"at least {len(signature)}" if variadic else str(len(signature))
            raise InvalidRuleError("json_path", f"{name}() takes {expected} arguments, not {given}")


def _follow(document: object, parts: tuple[str, ...]) -> object:
    value = document
    for part in parts:
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list):
            try:
                value = value[int(part)]
            except (ValueError, IndexError):
                return None
        else:
            return None
    return value


def _parse(value: object, machine: bool, hint: str | None, decimal: str | None) -> ParsedPrice:
    if decimal is not None and isinstance(value, str):
        return ParsedPrice(_with_decimal(value, decimal), parse_price(value, hint).currency)
    if machine:
        parsed = parse_structured_price(value, hint)
        if parsed.amount is not None or not isinstance(value, str):
            return parsed
    return parse_price(value if isinstance(value, str) else str(value), hint)


def _with_decimal(text: str, decimal: str) -> Decimal | None:
    """The first number in `text`, `decimal` its decimal separator, any other a grouping one."""
    number = _NUMBER.search(text)
    if number is None:
        return None
    digits = number.group()
    integer, separator, fraction = digits.rpartition(decimal)
    if not separator:
        integer, fraction = digits, ""
    integer, fraction = _NON_DIGIT.sub("", integer) or "0", _NON_DIGIT.sub("", fraction)
    if len(integer) > 15:
        return None
    try:
        return Decimal(f"{integer}.{fraction}" if fraction else integer)
    except InvalidOperation:
        return None


def _availability(tree: Callable[[], Element], rules: Mapping, budget: Budget) -> Availability:
    elements = compile_selector(rules["availability_selector"]).select(tree(), budget)
    if not elements:
        return Availability.UNKNOWN
    element = elements[0]
    if "out_of_stock_text" in rules:
        text = " ".join(e.text() or e.get("content") or "" for e in elements[:_MAX_ELEMENTS])
        return (
            Availability.OUT_OF_STOCK
            if rules["out_of_stock_text"].casefold() in text.casefold()
            else Availability.IN_STOCK
        )
    value = element.get("content") or element.get("href") or element.text()
    return normalize_availability(value)
