"""A logo is what its bytes say it is: PNG, JPEG or a plain SVG, at most 1 MiB."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import PIL.Image
import pytest

from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.images import JPEG, MAX_IMAGE_BYTES, PNG, SVG, check_image, decode_upload


def png(width: int = 1, height: int = 1) -> bytes:
    """A real, minimal PNG (one grey pixel row per line), built by the spec."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def jpeg() -> bytes:
    """A real 8×8 JPEG."""
    out = io.BytesIO()
    PIL.Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


SVG_LOGO = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4"/></svg>'
)


def refused(content: bytes) -> DomainError:
    with pytest.raises(DomainError) as err:
        check_image(content, "logo")
    assert err.value.code == ErrorCode.INVALID_IMAGE and err.value.field == ("logo",)
    return err.value


def test_png_jpeg_and_svg_are_told_by_their_bytes():
    assert check_image(png(), "logo") == PNG
    assert check_image(jpeg(), "logo") == JPEG
    assert check_image(SVG_LOGO, "logo") == SVG


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a\x01\x00\x01\x00",
        b"%PDF-1.7\n",
        b"hello, world",
        b"<html><body>not an image</body></html>",
        b"\x89PNG\r\n\x1a\n",  # a PNG signature and nothing after it
        b"",
    ],
)
def test_anything_else_is_not_an_image(content):
    refused(content)


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        b'<image x:href="http://example.invalid/track.png"/></svg>',
        b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><circle></svg>',  # not well-formed
        b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>',
    ],
)
def test_an_svg_with_scripts_external_links_a_dtd_or_broken_xml_is_refused(svg):
    refused(svg)


def test_an_svg_may_link_inside_itself():
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<defs><circle id="c" r="3"/></defs><use xlink:href="#c"/></svg>'
    )
    assert check_image(svg, "logo") == SVG


def test_an_image_over_one_mebibyte_is_refused_and_one_at_the_limit_is_taken():
    at_limit = jpeg() + b"\x00" * (MAX_IMAGE_BYTES - len(jpeg()))  # what follows the end of the image is ignored
    assert check_image(at_limit, "logo") == JPEG
    assert "at most 1,048,576" in refused(at_limit + b"\x00").message


def test_an_upload_is_base64_or_a_data_url():
    content = png()
    encoded = base64.b64encode(content).decode()
    assert decode_upload(encoded, "logo") == content
    assert decode_upload(f"data:image/png;base64,{encoded}", "logo") == content
    assert decode_upload("\n".join([encoded[:10], encoded[10:]]), "logo") == content  # MIME line breaks
    assert decode_upload("data:image/svg+xml,%3Csvg%2F%3E", "logo") == b"<svg/>"


def test_the_claimed_type_of_a_data_url_is_not_believed():
    fake = "data:image/png;base64," + base64.b64encode(b"%PDF-1.7 not a png").decode()
    refused(decode_upload(fake, "logo"))


@pytest.mark.parametrize("text", ["not base64!", "data:nothing", "QUJ"])
def test_an_upload_that_is_neither_base64_nor_a_data_url_is_refused(text):
    with pytest.raises(DomainError) as err:
        decode_upload(text, "logo")
    assert err.value.code == ErrorCode.INVALID_IMAGE and err.value.field == ("logo",)


def test_an_image_that_only_starts_like_a_png_or_jpeg_is_refused():
    whole = png(4, 4)
    corrupt_crc = whole[:-20] + bytes([whole[-20] ^ 0xFF]) + whole[-19:]  # a flipped byte in the IDAT chunk
    for broken in (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"junk" * 10, corrupt_crc, b"\xff\xd8\xff" + b"junk"):
        assert "cannot be decoded" in refused(broken).message


def test_an_image_of_more_pixels_than_a_logo_needs_is_refused_before_it_is_drawn():
    huge = png(5000, 4000)  # 20 million pixels, a few kilobytes compressed
    assert "at most 16,777,216 pixels" in refused(huge).message
