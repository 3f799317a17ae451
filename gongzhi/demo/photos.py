"""Photos for the demo's replies: small JPEGs drawn here (a street scene in blocks of colour, before
and after), so the demo shows the photo path end to end without shipping image files."""
from __future__ import annotations

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

MAX_REPLIES_WITH_PHOTOS = 40  # enough to find on the pages; the demo's media folder stays small


def _scene(rng: random.Random, repaired: bool) -> bytes:
    image = Image.new("RGB", (480, 360), (150 + rng.randrange(60), 170 + rng.randrange(50), 190 + rng.randrange(40)))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 240, 480, 360), fill=(90, 90, 95))                      # the road
    for x in range(20, 480, 110):                                               # buildings
        draw.rectangle((x, 60 + rng.randrange(60), x + 80, 240), fill=(200, 180 + rng.randrange(40), 150))
    lamp = (255, 220, 80) if repaired else (60, 60, 60)
    draw.rectangle((400, 120, 408, 240), fill=(40, 40, 40))                    # a street lamp
    draw.ellipse((390, 100, 420, 130), fill=lamp)
    if not repaired:
        draw.polygon([(120, 300), (160, 280), (200, 310), (150, 330)], fill=(40, 30, 25))  # a hole
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def before_and_after(rng: random.Random, number: str) -> dict:
    """{"before": [...], "after": [...]} upload files for services.reply."""
    return {"before": [SimpleUploadedFile(f"{number}-before.jpg", _scene(rng, False), "image/jpeg")],
            "after": [SimpleUploadedFile(f"{number}-after.jpg", _scene(rng, True), "image/jpeg")]}
