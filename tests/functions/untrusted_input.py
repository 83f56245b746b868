"""Hypothesis strategies and checks shared by the tests that feed parsers hostile input."""

from decimal import Decimal

from hypothesis import strategies as st

from contracts.catalog import Availability

MARKUP_NOISE = "{}[]\",:\\<>/- .0e9\x00\u2028€'=,"


@st.composite
def mutated(draw, text, noise=MARKUP_NOISE):
    """`text` with a few random characters deleted, or inserted from `noise` or anywhere."""
    chars = list(text)
    for _ in range(draw(st.integers(1, 12))):
        index = draw(st.integers(0, len(chars)))
        if chars and index < len(chars) and draw(st.booleans()):
            del chars[index]
        else:
            chars.insert(index, draw(st.sampled_from(noise) | st.characters()))
    return "".join(chars)


def assert_valid_candidates(candidates):
    """What any source may return for any input: sane prices and a known availability."""
    for candidate in candidates:
        assert isinstance(candidate.price, Decimal)
        assert candidate.price.is_finite()
        assert candidate.price >= 0
        assert candidate.availability in set(Availability)
