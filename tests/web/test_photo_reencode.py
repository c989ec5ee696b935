"""Uploaded photos are stored as pixels only (bot.services.attachments.check_photo
re-encodes them): whatever else a file carries - bytes after the image's end,
comments, text chunks, EXIF with a location, an ICC profile - is not kept, and
the picture is the same size, upright, in the same format.

The upload route and the database row are checked in tests/web/test_buyer.py
(test_a_png_with_html_appended_is_stored_as_pixels_only and
test_exif_is_dropped_and_the_orientation_applied); these check the re-encoding
over the modes and metadata a real upload may have.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from bot.services.attachments import JPEG_QUALITY, check_photo

SCRIPT = b"<html><script>alert(document.cookie)</script></html>"
GPS_IFD = 0x8825


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def reopened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def with_gps_and_artist() -> Image.Exif:
    exif = Image.Exif()
    exif[0x013B] = "Jane Buyer"  # Artist
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 22.0, 7.0), 3: "E"})
    return exif


def test_a_jpeg_keeps_only_its_pixels():
    """Bytes after the end of the image, a comment, EXIF with a location and an
    ICC profile are all gone; the photo is a JPEG of quality 90, same size."""
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = (
        encode(
            Image.new("RGB", (64, 48), (200, 30, 30)),
            "JPEG",
            exif=with_gps_and_artist().tobytes(),
            comment=SCRIPT,
            icc_profile=icc,
        )
        + SCRIPT
    )
    assert reopened(upload).getexif().get_ifd(GPS_IFD)  # the upload has them

    photo = check_photo(upload)

    kept = photo.data
    assert SCRIPT not in kept and b"<script" not in kept
    assert b"Jane Buyer" not in kept and b"Exif" not in kept
    image = reopened(kept)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (64, 48))
    assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
    assert "comment" not in image.info and "icc_profile" not in image.info
    plain = reopened(encode(Image.new("RGB", (8, 8)), "JPEG", quality=JPEG_QUALITY))
    assert image.quantization == plain.quantization  # saved at quality 90
    assert (photo.width, photo.height) == (64, 48)


def test_a_png_keeps_only_its_pixels():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", SCRIPT.decode())
    text.add_itxt("Description", SCRIPT.decode(), zip=False)
    upload = (
        encode(
            Image.new("RGB", (30, 20), (10, 120, 240)),
            "PNG",
            pnginfo=text,
            exif=with_gps_and_artist().tobytes(),
            icc_profile=icc,
        )
        + SCRIPT
    )
    assert reopened(upload).getexif().get_ifd(GPS_IFD)  # the upload has them

    kept = check_photo(upload).data

    assert b"<script" not in kept and b"Jane Buyer" not in kept
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP"):
        assert chunk not in kept
    image = reopened(kept)
    assert (image.format, image.size) == ("PNG", (30, 20))
    assert image.getpixel((5, 5)) == (10, 120, 240)
    assert not image.getexif() and not getattr(image, "text", {})


def test_a_cmyk_jpeg_is_stored_as_rgb():
    upload = encode(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG")

    photo = check_photo(upload)

    image = reopened(photo.data)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (40, 30))
    red, green, blue = image.getpixel((20, 15))
    assert red > 200 and green < 60 and blue < 60  # still red
    assert photo.content_type == "image/jpeg" and photo.extension == ".jpg"


def test_a_grey_jpeg_stays_grey():
    image = reopened(check_photo(encode(Image.new("L", (40, 30), 128), "JPEG")).data)
    assert (image.format, image.mode, image.size) == ("JPEG", "L", (40, 30))


@pytest.mark.parametrize(
    ("mode", "colour"),
    [("RGBA", (200, 30, 30, 77)), ("LA", (90, 0)), ("L", 90), ("I;16", 40_000)],
)
def test_a_png_keeps_its_mode_and_alpha(mode, colour):
    upload = encode(Image.new(mode, (16, 12), colour), "PNG")

    image = reopened(check_photo(upload).data)

    assert (image.format, image.size) == ("PNG", (16, 12))
    assert image.getpixel((3, 3)) == colour
    if "A" in mode:
        assert image.mode == mode


def test_a_palette_png_keeps_its_transparent_colour():
    image = Image.new("P", (16, 12), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0, 0, 0] * 254)
    image.putpixel((0, 0), 0)
    upload = encode(image, "PNG", transparency=0)

    kept = reopened(check_photo(upload).data).convert("RGBA")

    assert kept.getpixel((0, 0))[3] == 0  # transparent
    assert kept.getpixel((5, 5)) == (255, 0, 0, 255)


@pytest.mark.parametrize(
    ("orientation", "size", "red_corner"),
    [(3, (40, 30), (39, 29)), (6, (30, 40), (29, 0)), (8, (30, 40), (0, 39))],
)
def test_the_exif_orientation_is_applied(orientation, size, red_corner):
    """The stored photo looks as the buyer's phone showed it, with no
    Orientation tag left to turn it again."""
    image = Image.new("RGB", (40, 30), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 8, 8))  # the top left corner, before turning
    exif = Image.Exif()
    exif[0x0112] = orientation
    upload = encode(image, "PNG", exif=exif.tobytes())

    kept = reopened(check_photo(upload).data)

    assert kept.size == size
    assert kept.getpixel(red_corner) == (255, 0, 0)
    assert 0x0112 not in kept.getexif()
