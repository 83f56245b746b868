"""Body decoding (content-encoding, then charset) as pure functions: no sockets."""

import codecs
import gzip
import time
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ticking_clock import TickingClock

from fetching import ContentEncodingError, Headers, decode_body, decode_text, decompress_body
from fetching.deadline import Deadline

PAGE = "<html><body><p>Prix : 12,50 € — crème brûlée</p></body></html>"


def headers(**values):
    return Headers((name.replace("_", "-"), value) for name, value in values.items())


def raw_deflate(data):
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", raw_deflate),
        ("identity", lambda data: data),
        ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),
    ],
)
def test_compressed_body_is_decoded(encoding, compress):
    raw = compress(PAGE.encode())
    assert decode_body(raw, headers(Content_Encoding=encoding, Content_Type="text/html")) == PAGE


def test_concatenated_gzip_members_are_all_decoded():
    raw = gzip.compress(b"<p>one</p>") + gzip.compress(b"<p>two</p>")
    assert decode_body(raw, headers(Content_Encoding="gzip")) == "<p>one</p><p>two</p>"


def test_junk_after_a_gzip_member_is_ignored():
    raw = gzip.compress(b"<p>one</p>") + b"\x00\x00junk"
    assert decode_body(raw, headers(Content_Encoding="gzip")) == "<p>one</p>"


def test_decompression_bomb_stops_at_the_cap():
    bomb = gzip.compress(bytes(10_000_000), compresslevel=9)
    body, truncated = decompress_body(bomb, "gzip", max_bytes=100_000)
    assert truncated
    assert len(body) == 100_000


def test_body_exactly_at_the_cap_is_not_truncated():
    body, truncated = decompress_body(gzip.compress(b"a" * 1000), "gzip", max_bytes=1000)
    assert (len(body), truncated) == (1000, False)


def test_truncated_compressed_prefix_decodes_what_it_can():
    raw = gzip.compress(PAGE.encode() * 50)
    body, _ = decompress_body(raw[: len(raw) // 2], "gzip", max_bytes=1_000_000)
    assert PAGE.encode().startswith(body[:20])


@pytest.mark.parametrize(
    ("raw", "encoding"), [(b"not gzip", "gzip"), (b"\xff\xff\xff\xff", "deflate")]
)
def test_corrupt_compressed_body_raises_content_encoding_error(raw, encoding):
    with pytest.raises(ContentEncodingError):
        decompress_body(raw, encoding, max_bytes=1000)


def test_encoding_we_never_asked_for_raises_content_encoding_error():
    with pytest.raises(ContentEncodingError, match="br"):
        decompress_body(b"\x1b\x00", "br", max_bytes=1000)


def test_uncompressed_body_over_the_cap_is_cut():
    assert decompress_body(b"abcdef", None, max_bytes=4) == (b"abcd", True)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html; charset=windows-1252",
        "text/html; charset=ISO-8859-1",
        'text/html;charset="latin1"',
    ],
)
def test_charset_from_content_type_header(content_type):
    assert decode_body(PAGE.encode("cp1252"), headers(Content_Type=content_type)) == PAGE


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="windows-1252">',
        "<META CHARSET=iso-8859-1>",
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
    ],
)
def test_charset_from_meta_when_header_has_none(meta):
    raw = f"<head>{meta}</head>{PAGE}".encode("cp1252")
    assert PAGE in decode_body(raw, headers(Content_Type="text/html"))


def test_meta_claiming_utf16_is_read_as_utf8():
    raw = '<meta charset="utf-16"><p>€</p>'.encode()
    assert decode_text(raw, "text/html") == '<meta charset="utf-16"><p>€</p>'


def test_meta_charset_beyond_the_first_4kb_is_ignored():
    raw = b" " * 5000 + '<meta charset="windows-1252">é'.encode("cp1252")
    assert decode_text(raw, "text/html").endswith("\ufffd")


def test_byte_order_mark_wins_and_is_not_part_of_the_text():
    for bom, encoding in [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")]:
        raw = bom + PAGE.encode(encoding)
        assert decode_text(raw, "text/html; charset=windows-1252") == PAGE


def test_without_any_charset_utf8_is_assumed():
    assert decode_text(PAGE.encode(), None) == PAGE


@pytest.mark.parametrize("label", ["no-such-charset", "base64", "rot13", "idna", "x\x00y"])
def test_unknown_or_non_text_charset_falls_back_to_utf8(label):
    assert decode_text(PAGE.encode(), f"text/html; charset={label}") == PAGE


def test_undecodable_bytes_become_replacement_characters():
    assert decode_text(b"price \xff\xfe 10", "text/html; charset=utf-8") == "price \ufffd\ufffd 10"


def test_character_split_by_truncation_is_dropped_not_replaced():
    raw = "12,50 €".encode()[:-1]
    assert decode_text(raw, "text/plain; charset=utf-8", complete=False) == "12,50 "


CONTENT_TYPES = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.builds(
        "text/html; charset={}".format,
        st.one_of(
            st.sampled_from(
                ["utf-8", "utf-16", "utf-7", "cp1252", "shift_jis", "idna", "punycode"]
            ),
            st.text(max_size=12),
        ),
    ),
)


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=300), content_type=CONTENT_TYPES, complete=st.booleans())
def test_charset_decoding_never_raises(raw, content_type, complete):
    assert isinstance(decode_text(raw, content_type, complete=complete), str)


# --- many gzip members: linear time, one deadline, the size cap ---------------------------


def gzip_members(count, total_bytes):
    """`count` gzip members back to back, decompressing to `total_bytes` of markup in all."""
    size = total_bytes // count
    member = gzip.compress((b"<p>price 19,99</p>" * (size // 18 + 1))[:size], mtime=0)
    return member * count


def seconds_per_body_byte(raw, *, batch):
    """Time of decompressing `raw` `batch` times in a row, per byte of body decompressed."""
    started = time.perf_counter()
    for _ in range(batch):
        decompress_body(raw, "gzip", max_bytes=2_000_000)
    return (time.perf_counter() - started) / (batch * len(raw))


def test_decompression_time_per_body_byte_does_not_grow_with_the_number_of_gzip_members():
    # Same decompressed size; 100 times the members makes a 64 times bigger body. Linear time:
    # each byte of it costs what it did before. Re-copying the rest of the body at every
    # member (the old way) made each byte cost about 18 times more. Timings alternate and
    # cover the same number of body bytes, so a busy machine slows both alike.
    few, many = gzip_members(1_000, 1_000_000), gzip_members(100_000, 1_000_000)
    batch = len(many) // len(few)
    per_byte_few, per_byte_many = [], []
    for _ in range(3):
        per_byte_few.append(seconds_per_body_byte(few, batch=batch))
        per_byte_many.append(seconds_per_body_byte(many, batch=1))
    assert min(per_byte_many) < 4 * min(per_byte_few)


def test_every_member_of_a_many_member_body_is_decoded():
    body, truncated = decompress_body(gzip_members(10_000, 100_000), "gzip", 2_000_000)
    assert (body, truncated) == ((b"<p>price 1" * 10_000), False)


def test_deadline_passing_mid_decompression_raises_timeout():
    clock = TickingClock(step=1.0)
    deadline = Deadline.after(50.0, clock)  # 50 readings: well short of 10,000 members
    with pytest.raises(TimeoutError):
        decompress_body(gzip_members(10_000, 100_000), "gzip", 2_000_000, deadline=deadline)
    assert clock.readings <= 52


def test_deadline_not_reached_lets_decompression_finish():
    deadline = Deadline.after(1_000_000.0, TickingClock(step=1.0))
    body, _ = decompress_body(gzip_members(10_000, 100_000), "gzip", 2_000_000, deadline=deadline)
    assert len(body) == 100_000


def test_gzip_bomb_of_many_members_stops_at_the_cap_without_inflating_the_rest():
    # 1,000 members of 1 MB of zeros each: 1 GB if inflated in full.
    bomb = gzip.compress(bytes(1_000_000), compresslevel=9, mtime=0) * 1_000
    clock = TickingClock(step=0.0)
    body, truncated = decompress_body(bomb, "gzip", 100_000, deadline=Deadline.after(1.0, clock))
    assert (len(body), truncated) == (100_000, True)
    assert clock.readings < 10  # one reading per zlib call: the first member sufficed


@pytest.mark.parametrize("compress", [zlib.compress, raw_deflate])
def test_deflate_bomb_stops_at_the_cap(compress):
    body, truncated = decompress_body(compress(bytes(10_000_000)), "deflate", max_bytes=100_000)
    assert (len(body), truncated) == (100_000, True)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_deadline_counts_during_a_single_large_stream(encoding):
    compress = gzip.compress if encoding == "gzip" else zlib.compress
    raw = compress(bytes(range(256)) * 8_000)  # 2 MB out: several output steps
    deadline = Deadline.after(2.0, TickingClock(step=1.0))  # two readings' worth
    with pytest.raises(TimeoutError):
        decompress_body(raw, encoding, max_bytes=3_000_000, deadline=deadline)


@pytest.mark.parametrize(
    ("content_type", "meta"),
    [
        (None, '<meta charset="iso-8859-1">'),
        ("text/html; charset=windows-1252", ""),
        ("text/html; charset=ISO-8859-2", ""),
    ],
)
def test_a_utf8_body_labelled_with_a_single_byte_charset_is_read_as_utf8(content_type, meta):
    body = f"{meta}<p>Preis: 19,99 € – sofort lieferbar</p>".encode()

    assert "19,99 € – sofort" in decode_text(body, content_type)


def test_a_body_really_in_its_single_byte_charset_keeps_it():
    body = '<meta charset="windows-1252"><p>19,99 € – crème</p>'.encode("cp1252")

    assert "19,99 € – crème" in decode_text(body, None)


def test_a_utf8_body_cut_inside_a_character_is_still_recognised_as_utf8():
    body = '<meta charset="iso-8859-1"><p>19,99 €</p><p>€'.encode()[:-2]

    assert decode_text(body, None, complete=False).endswith("19,99 €</p><p>")


def test_a_multibyte_declared_charset_is_never_second_guessed():
    body = "<p>価格 1,980円</p>".encode("shift_jis")

    assert "1,980円" in decode_text(body, "text/html; charset=Shift_JIS")
