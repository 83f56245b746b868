"""Price extraction from product pages: standard library only, no AWS."""

from extraction.blocked import classify_blocked
from extraction.budget import Budget, ExtractionTooSlowError
from extraction.extract import extract_offer
from extraction.offer import Offer, normalize_availability
from extraction.price import ParsedPrice, normalize_currency, parse_price, parse_structured_price
from extraction.rules import InvalidRuleError, validate_rules

__all__ = [
    "Budget",
    "ExtractionTooSlowError",
    "InvalidRuleError",
    "Offer",
    "ParsedPrice",
    "classify_blocked",
    "extract_offer",
    "normalize_availability",
    "normalize_currency",
    "parse_price",
    "parse_structured_price",
    "validate_rules",
]
