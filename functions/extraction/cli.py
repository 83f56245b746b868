"""`python -m extraction PAGE.html`: show what extraction reads from a saved page.

For people writing retailer rules: it prints the offer as JSON with its source
(rule / jsonld / microdata / meta / heuristic), confidence and any ambiguity.
Exit status: 0 an offer was found, 1 the page has no price (or is blocked), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from extraction.blocked import classify_blocked
from extraction.extract import extract_offer
from extraction.rules import InvalidRuleError, validate_rules
from fetching.decoding import decode_body


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m extraction", description="Extract the offer from a saved product page."
    )
    parser.add_argument("page", type=Path, help="saved HTML page")
    parser.add_argument("--url", help="the page's URL (used to pick among several offers)")
    parser.add_argument("--rules", type=Path, help="JSON file with one retailer's rules")
    parser.add_argument(
        "--no-heuristic", action="store_true", help="structured data and rules only"
    )
    args = parser.parse_args(argv)

    try:
        html = decode_body(args.page.read_bytes(), {})
        rules = json.loads(args.rules.read_text(encoding="utf-8")) if args.rules else None
        if rules is not None:
            validate_rules(rules)
    except (OSError, ValueError) as error:  # InvalidRuleError and JSON errors are ValueErrors
        kind = "invalid rules" if isinstance(error, InvalidRuleError) else "cannot read input"
        print(f"error: {kind}: {error}", file=sys.stderr)
        return 2

    blocked = classify_blocked(html)
    offer = extract_offer(html, args.url, rules, use_heuristic=not args.no_heuristic)
    result: dict[str, object] = {"page": str(args.page), "blocked": blocked}
    result["offer"] = offer.to_dict() if offer else None
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if offer else 1
