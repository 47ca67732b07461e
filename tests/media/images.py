"""Real image files for the intake tests, made here with Pillow (and pillow-heif)."""

import io
import struct
import zlib

from PIL import ExifTags, Image

RED = (220, 30, 30)
BLUE = (30, 30, 220)


def jpeg_from_a_phone(size=(3000, 2000)) -> bytes:
    """A camera JPEG held sideways: stored landscape with its left half red and right half
    blue, EXIF Orientation 6 (turn 90° clockwise to view, so red ends up on top), a GPS
    position, the camera's make and model, a comment naming the camera and XMP naming its owner."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS R6"
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 10.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 49.0, 40.0)
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Siti, Jalan Sabang</x:xmpmeta>'
    image.save(out, format="JPEG", quality=90, exif=exif, comment=b"Canon EOS R6", xmp=xmp)
    return out.getvalue()


def encoded(format: str, size=(640, 480), mode="RGB") -> bytes:
    """A plain image in `format` (JPEG, PNG, WEBP, HEIF)."""
    colour = {"RGBA": (*RED, 128), "L": 90}.get(mode, RED)
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format=format)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
