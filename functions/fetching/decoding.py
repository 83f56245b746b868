"""Turning a response body into text: content-encoding first, then the character set.

Pure functions, no sockets. Decompression is capped (a small gzip body can expand to
gigabytes), takes time linear in the body however many gzip members it holds, and stops at
the fetch's deadline when given one; charset decoding never raises.
"""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import Mapping

from fetching.deadline import Deadline
from fetching.errors import ContentEncodingError

DEFAULT_MAX_BYTES = 2_000_000
META_PRESCAN_BYTES = 4096

_GZIP_WBITS = 16 + zlib.MAX_WBITS
_ZLIB_WBITS = zlib.MAX_WBITS
_RAW_DEFLATE_WBITS = -zlib.MAX_WBITS
# Input is fed to zlib in slices, starting small and doubling within a stream: when a gzip
# member ends, zlib copies the rest of the slice it was given (unused_data), so the copy is
# at most about twice the member's own size instead of the whole rest of the body.
_FIRST_SLICE = 256
_MAX_SLICE = 64 * 1024
# Output produced per zlib call: between calls the deadline is checked.
_OUTPUT_STEP = 256 * 1024

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^\s"';,]+)""", re.IGNORECASE)
# One pattern covers <meta charset="x"> and
# <meta http-equiv="Content-Type" content="text/html; charset=x">.
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
# Checked longest first: the UTF-32 LE BOM starts with the UTF-16 LE one. These codecs
# consume the BOM rather than leaving U+FEFF at the start of the text.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# What browsers do (WHATWG Encoding): pages labelled Latin-1 or ASCII are really
# windows-1252, which matters for prices because "€" is byte 0x80 there.
# Codec names (as codecs.lookup gives them) of the single-byte charsets a page may declare
# for what is really UTF-8 (_unless_really_utf8).
_SINGLE_BYTE_CODECS = ("cp12", "iso8859", "latin", "koi8", "mac-", "cp8", "cp4", "ascii")
_LABEL_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}


def decompress_body(
    raw: bytes, content_encoding: str | None, max_bytes: int, *, deadline: Deadline | None = None
) -> tuple[bytes, bool]:
    """Undo ``Content-Encoding`` (gzip, deflate, identity), producing at most ``max_bytes``.

    Returns the body and whether it was cut at ``max_bytes``. ``raw`` may itself be a
    truncated prefix: what it decodes to is returned. Raises ContentEncodingError for corrupt
    data or an encoding we never advertise, and TimeoutError once ``deadline`` has passed.
    """
    body, truncated = raw, False
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):  # listed in the order they were applied
        if coding == "identity":
            continue
        if coding in ("gzip", "x-gzip"):
            body, cut = _inflate(body, _GZIP_WBITS, max_bytes, deadline)
        elif coding == "deflate":
            # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
            try:
                body, cut = _inflate(body, _ZLIB_WBITS, max_bytes, deadline)
            except ContentEncodingError:
                body, cut = _inflate(body, _RAW_DEFLATE_WBITS, max_bytes, deadline)
        else:
            raise ContentEncodingError(f"unsupported content-encoding {coding!r}")
        truncated = truncated or cut
    if len(body) > max_bytes:
        body, truncated = body[:max_bytes], True
    return body, truncated


def detect_charset(body: bytes, content_type: str | None) -> str:
    """The Python codec name to decode ``body`` with.

    Order (as browsers do it): a byte-order mark, the Content-Type charset, a <meta> charset
    in the first 4 KB, else UTF-8. Unknown or non-text labels are skipped.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    if content_type:
        header = _HEADER_CHARSET.search(content_type)
        codec = _codec_for(header.group(1)) if header else None
        if codec:
            return _unless_really_utf8(codec, body)
    meta = _META_CHARSET.search(body[:META_PRESCAN_BYTES])
    if meta:
        codec = _codec_for(meta.group(1).decode("ascii"))
        # A <meta> we could read as ASCII cannot really be UTF-16/32; browsers use UTF-8.
        if codec and not codec.startswith(("utf-16", "utf-32")):
            return _unless_really_utf8(codec, body)
    return "utf-8"


def _unless_really_utf8(declared: str, body: bytes) -> str:
    """The declared codec, or UTF-8 when a single-byte charset is declared for a body that
    is valid UTF-8 with non-ASCII characters.

    Pages re-encoded to UTF-8 by a CMS, proxy or template while keeping their old
    `iso-8859-1`/`windows-1252` label are common, and read by their label they turn every
    `€` into `â‚¬`, so no price is found. The converse mistake is very unlikely: text in a
    single-byte charset is almost never valid UTF-8 once it has any byte above 0x7F (each
    such byte would have to form a well-formed multi-byte sequence).
    """
    if not codecs.lookup(declared).name.startswith(_SINGLE_BYTE_CODECS) or body.isascii():
        return declared
    try:
        # Not final: a body cut at max_bytes may end inside a character.
        codecs.getincrementaldecoder("utf-8")(errors="strict").decode(body, final=False)
    except UnicodeDecodeError:
        return declared
    return "utf-8"


def decode_text(body: bytes, content_type: str | None, *, complete: bool = True) -> str:
    """Decode ``body`` to text; never raises (undecodable bytes become U+FFFD).

    ``complete=False`` says the body was cut short, so a character split by the cut is
    dropped instead of showing up as a replacement character.
    """
    codec = detect_charset(body, content_type)
    try:
        decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        return decoder.decode(body, final=complete)
    except (LookupError, UnicodeError, ValueError, TypeError):
        # A codec that passed _codec_for but still misbehaves (e.g. one that ignores
        # errors="replace"): fall back rather than fail the fetch over text cosmetics.
        return body.decode("utf-8", errors="replace")


def decode_body(
    raw: bytes, headers: Mapping[str, str], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> str:
    """Text of a response body as received: content-encoding, then charset.

    ``headers`` needs case-insensitive ``get`` (``Headers``, ``email.message.Message``).
    Raises ContentEncodingError only for a corrupt compressed body.
    """
    body, truncated = decompress_body(raw, headers.get("Content-Encoding"), max_bytes)
    return decode_text(body, headers.get("Content-Type"), complete=not truncated)


class _CappedOutput:
    """Decompressed bytes, up to max_bytes + 1 (the extra byte tells "exactly" from "more")."""

    def __init__(self, max_bytes: int) -> None:
        self._chunks: list[bytes] = []
        self._limit = max_bytes + 1
        self.size = 0

    @property
    def room(self) -> int:
        return self._limit - self.size

    def add(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self.size += len(chunk)

    def result(self, max_bytes: int) -> tuple[bytes, bool]:
        body = b"".join(self._chunks)
        return (body[:max_bytes], True) if self.size > max_bytes else (body, False)


def _inflate(
    data: bytes, wbits: int, max_bytes: int, deadline: Deadline | None
) -> tuple[bytes, bool]:
    """Decompress ``data`` (for gzip: every member, back to back), capped at ``max_bytes``."""
    source = memoryview(data)
    output = _CappedOutput(max_bytes)
    offset, streams = 0, 0
    while offset < len(source) and output.room > 0:
        try:
            offset = _inflate_stream(source, offset, wbits, output, deadline)
        except zlib.error as exc:
            if not streams:
                raise ContentEncodingError(f"corrupt compressed body ({exc})") from None
            break  # junk after a complete gzip member: keep what decoded cleanly
        streams += 1
        if wbits != _GZIP_WBITS:
            break  # only gzip allows several members; what follows a zlib stream is ignored
    return output.result(max_bytes)


def _inflate_stream(
    source: memoryview, offset: int, wbits: int, output: _CappedOutput, deadline: Deadline | None
) -> int:
    """Decompress the one stream starting at ``source[offset]`` into ``output``.

    Returns the offset just past the stream, or the end of ``source`` if the stream is cut
    short or ``output`` fills up. Raises zlib.error for corrupt data.
    """
    inflater = zlib.decompressobj(wbits)
    step, draining = _FIRST_SLICE, False
    while not inflater.eof and output.room > 0:
        if deadline is not None:
            deadline.check()
        if inflater.unconsumed_tail:  # input zlib left because the output step was full
            chunk: bytes | memoryview = inflater.unconsumed_tail
        elif draining:  # all input consumed, but zlib may hold more output for it
            chunk = b""
        elif offset < len(source):
            chunk = source[offset : offset + step]
            offset += len(chunk)
            step = min(2 * step, _MAX_SLICE)
        else:
            break  # the body ends inside the stream: keep what it decoded to
        wanted = min(output.room, _OUTPUT_STEP)
        # max_length bounds the output, so a decompression bomb costs at most max_bytes.
        piece = inflater.decompress(chunk, wanted)
        output.add(piece)
        draining = len(piece) == wanted
    return offset - len(inflater.unused_data)


def _codec_for(label: str) -> str | None:
    """Python codec name for a charset label, or None if unknown or not a text encoding."""
    try:
        name = codecs.lookup(label.strip()).name
        # Probe: bytes-to-bytes codecs ("base64", "zlib") raise LookupError, and codecs that
        # cannot honour errors="replace" ("idna") raise UnicodeError. Neither is a web charset.
        b"a".decode(name, "replace")
    except (LookupError, ValueError):  # UnicodeError is a ValueError
        return None
    return _LABEL_ALIASES.get(name, name)
