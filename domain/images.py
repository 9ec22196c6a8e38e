"""Images a client uploads (the company logo): what they are is read from their bytes, never from
the type a client claims, and only PNG, JPEG and SVG of at most `MAX_IMAGE_BYTES` are taken.

An SVG is XML that a browser would run scripts in and that renderers may fetch URLs from, so one is
taken only if it is a plain drawing: an `<svg>` root, no DTD (entity expansion), no `<script>` or
`<foreignObject>`, no `on…` event attributes, and no link that leaves the file (only `#fragment`
and `data:` references).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import xml.etree.ElementTree as ElementTree
from urllib.parse import unquote_to_bytes

import PIL.Image

from .errors import DomainError, ErrorCode
from .message import Message

MAX_IMAGE_BYTES = 1024 * 1024  # 1 MiB, decoded
#: A logo's pixels: a 1 MiB PNG can declare 30,000 × 30,000 (3.6 GB to draw); a logo needs far fewer.
MAX_IMAGE_PIXELS = 4096 * 4096
PNG, JPEG, SVG = "image/png", "image/jpeg", "image/svg+xml"

_DATA_URL = re.compile(r"data:(?P<type>[^,;]*)(?P<params>(?:;[^,;]*)*),(?P<data>.*)", re.DOTALL | re.IGNORECASE)
_SVG_NS = "{http://www.w3.org/2000/svg}"
_FORBIDDEN_ELEMENTS = frozenset({"script", "foreignObject"})


def _refuse(why: Message, field: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_IMAGE, "{field}: {why}", field, field=field, why=why)


def decode_upload(text: str, field: str) -> bytes:
    """The bytes of an upload sent as base64 or as a `data:` URL (base64 or percent-encoded)."""
    text = text.strip()
    found = _DATA_URL.fullmatch(text) if text[:5].lower() == "data:" else None
    if text[:5].lower() == "data:" and found is None:
        raise _refuse(Message("not a valid data: URL"), field)
    if found is not None and ";base64" not in found["params"].lower():
        return unquote_to_bytes(found["data"])
    encoded = found["data"] if found is not None else text
    try:
        return base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _refuse(Message("neither base64 nor a data: URL"), field) from None


def _is_plain_svg(content: bytes) -> bool:
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not (head.startswith(b"<?xml") or head.startswith(b"<svg") or head.startswith(b"<!--")):
        return False
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        return False
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError:
        return False
    if root.tag not in (f"{_SVG_NS}svg", "svg"):
        return False
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if local in _FORBIDDEN_ELEMENTS:
            return False
        for name, value in element.attrib.items():
            attribute = name.rsplit("}", 1)[-1].lower()
            if attribute.startswith("on"):
                return False
            if attribute == "href" and not value.strip().startswith(("#", "data:")):
                return False
    return True


def image_type(content: bytes) -> str | None:
    """PNG, JPEG or SVG as the bytes say, or None."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    return SVG if _is_plain_svg(content) else None


def check_image(content: bytes, field: str) -> str:
    """The content type of an acceptable image; INVALID_IMAGE naming the field otherwise."""
    if len(content) > MAX_IMAGE_BYTES:
        too_big = Message(
            "the image has {size:,} bytes; at most {most:,} (1 MiB) are allowed",
            size=len(content),
            most=MAX_IMAGE_BYTES,
        )
        raise _refuse(too_big, field)
    if not content:
        raise _refuse(Message("the image is empty"), field)
    found = image_type(content)
    if found is None:
        raise _refuse(Message("not a PNG, JPEG or SVG image (an SVG may not hold scripts or external links)"), field)
    if found != SVG:
        _check_raster(content, field)
    return found


def _check_raster(content: bytes, field: str) -> None:
    """A PNG or JPEG must decode, whole, within MAX_IMAGE_PIXELS: what starts like one but is broken would
    be accepted here and then fail every document that prints it (Pillow reads the size from the header
    before it decodes anything)."""
    try:
        with PIL.Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _refuse(
                    Message(
                        "the image is {width}×{height} pixels; at most {most:,} pixels are allowed",
                        width=width,
                        height=height,
                        most=MAX_IMAGE_PIXELS,
                    ),
                    field,
                )
            image.verify()  # checksums (PNG CRCs)
        with PIL.Image.open(io.BytesIO(content)) as image:
            image.load()  # every pixel: a truncated or corrupt stream fails here
    except (OSError, SyntaxError, ValueError, PIL.Image.DecompressionBombError):
        raise _refuse(Message("the image is damaged: it cannot be decoded"), field) from None
