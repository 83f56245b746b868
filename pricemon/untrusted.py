"""Text from retailer pages and catalog files, made safe to show: one home for the escaping.

Product names, URLs, retailer names and the errors the scraper records (a redirect's
`Location`, a server's message) are untrusted. Shown raw, they can drive the terminal
(`ESC [2J` clears the screen, `\\r` overwrites the line, so a page can print a fake "all
products OK"), reorder what is displayed (the bidi overrides U+202A-U+202E and isolates
U+2066-U+2069 make `txt.exe` read as `exe.txt`), or make an XML document ill-formed (XML 1.0
forbids most C0 controls, U+FFFE, U+FFFF and lone surrogates).

`visible(text)` replaces each such character by a visible escape in Python's notation
(`\\x1b`, `\\r`, `\\u202e`, `\\udc80`), so the operator sees what the text holds and nothing acts
on it. The terminal escapes everything, newline and tab included (a cell is one line);
XML keeps tab, newline and carriage return, which it allows and which do no harm there.
Escaped text contains no escapable character, so escaping twice changes nothing.
"""

from __future__ import annotations

import re
from html import escape

# C0 controls, DEL, C1 controls, the bidi embeddings/overrides and isolates, the two
# non-characters XML forbids, and lone surrogates (undecodable bytes read with
# surrogateescape; they cannot even be encoded to UTF-8 for printing).
_ESCAPED = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]")
_XML_ALLOWED_CONTROLS = frozenset("\t\n\r")
_SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def visible(text: str, *, keep: frozenset[str] = frozenset()) -> str:
    """`text` with every control, bidi override and XML-forbidden character (except those in
    `keep`) written as a visible escape such as `\\x1b` or `\\u202e`."""
    return _ESCAPED.sub(lambda match: _escape_one(match.group(), keep), text)


def xml_text(value: object, *, quote: bool = True) -> str:
    """`value` as text for XML/HTML content or an attribute: visible escapes for what XML
    forbids or what could reorder the display, then `&`, `<`, `>` (and quotes) escaped."""
    return escape(visible(str(value), keep=_XML_ALLOWED_CONTROLS), quote=quote)


def _escape_one(character: str, keep: frozenset[str]) -> str:
    if character in keep:
        return character
    if character in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[character]
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
