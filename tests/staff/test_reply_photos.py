"""Photos before and after the work, with a reply or a progress note: checked by content, kept out of
reach of anyone outside the appeal's scope, and shown to the appellant only when made public, as a
copy without the camera's metadata (GPS position)."""
import io

import pytest
from django.urls import reverse
from PIL import ExifTags, Image

from gongzhi.appeals.models import Attachment, Status

from .helpers import action_url, detail_url, handling, signed_in
from .photos import CAMERA, jpeg_bytes, png_bytes, upload

REPLY = "经核查，路灯线路老化，已更换线路和灯头，现已恢复照明。"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def post_reply(client, appeal, **files):
    data = {"text": REPLY, "resolved": "1", **files}
    return client.post(action_url(appeal, "reply"), data)


def track(client, appeal):
    client.post(reverse("portal:track"), {"tracking_number": appeal.tracking_number, "access_code": appeal.access_code})
    return client.get(reverse("portal:track_detail", args=[appeal.tracking_number])).content.decode()


def test_a_public_after_photo_reaches_the_tracking_page_without_its_gps_position(client, org, make_appeal):
    appeal = handling(org, make_appeal())
    signed_in(client, org.handler_housing)
    response = post_reply(client, appeal, before=upload("before.jpg", jpeg_bytes("gray")),
                          after=upload("after.jpg", jpeg_bytes("yellow")), public_photos="1")
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.REPLIED
    after, before = appeal.replies.get().attachments.order_by("stage")
    assert (after.stage, before.stage) == ("after", "before") and after.public and before.public

    client.logout()
    page = track(client, appeal)
    assert 'data-testid="reply-photos"' in page and "处理后" in page
    photo_url = reverse("portal:reply_photo", args=[appeal.tracking_number, after.pk])
    assert photo_url in page
    shown = b"".join(client.get(photo_url).streaming_content)
    assert CAMERA.encode() not in shown
    image = Image.open(io.BytesIO(shown))
    assert image.size == (64, 48) and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    # The original, kept for the staff, still has it.
    assert CAMERA.encode() in after.file.open("rb").read()


def test_photos_not_marked_public_stay_with_the_staff(client, org, make_appeal):
    appeal = handling(org, make_appeal())
    signed_in(client, org.handler_housing)
    post_reply(client, appeal, after=upload("after.jpg", jpeg_bytes()))
    photo = Attachment.objects.get(reply__appeal=appeal)
    assert not photo.public and not photo.public_file
    staff_page = client.get(detail_url(appeal)).content.decode()
    assert reverse("staff:attachment", args=[appeal.pk, photo.pk]) in staff_page
    client.logout()
    assert 'data-testid="reply-photos"' not in track(client, appeal)
    assert client.get(reverse("portal:reply_photo", args=[appeal.tracking_number, photo.pk])).status_code == 404


def test_a_public_photo_is_refused_to_a_visitor_who_has_not_given_the_access_code(client, org, make_appeal):
    appeal = handling(org, make_appeal())
    signed_in(client, org.handler_housing)
    post_reply(client, appeal, after=upload("after.jpg", jpeg_bytes()), public_photos="1")
    photo = Attachment.objects.get(reply__appeal=appeal)
    client.logout()
    assert client.get(reverse("portal:reply_photo", args=[appeal.tracking_number, photo.pk])).status_code == 404


def test_a_disguised_file_is_refused_and_the_reply_not_sent(client, org, make_appeal):
    appeal = handling(org, make_appeal())
    signed_in(client, org.handler_housing)
    script = b"\xff\xd8\xff\xe0" + b"<script>alert(1)</script>" * 20  # a JPEG's first bytes, then no image
    response = post_reply(client, appeal, after=upload("after.jpg", script))
    assert response.status_code == 400
    assert "after.jpg”不是允许的类型" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.HANDLING and not appeal.replies.exists() and not Attachment.objects.exists()


def test_a_photo_over_the_size_limit_is_refused_with_the_limit(client, org, make_appeal, settings):
    settings.GONGZHI = {**settings.GONGZHI, "ATTACHMENT_MAX_BYTES": 1024 * 1024}
    appeal = handling(org, make_appeal())
    signed_in(client, org.handler_housing)
    big = jpeg_bytes() + b"\0" * (1024 * 1024)
    response = post_reply(client, appeal, before=upload("big.jpg", big))
    assert response.status_code == 400 and "“big.jpg”超过1MB" in response.content.decode()
    assert not appeal.replies.exists()


def test_a_progress_note_keeps_its_photos_for_the_staff_only(client, org, make_appeal):
    appeal = handling(org, make_appeal())
    signed_in(client, org.handler_housing)
    response = client.post(action_url(appeal, "note"), {"note": "已到现场查看，线路老化", "before": upload("site.png", png_bytes())})
    assert response.status_code == 302
    photo = Attachment.objects.get(appeal=appeal)
    assert photo.event.kind == "note" and photo.stage == "before" and photo.content_type == "image/png"
    assert not photo.public
    served = client.get(reverse("staff:attachment", args=[appeal.pk, photo.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    # A handler of another department has no scope on the appeal, so not on its photos either.
    signed_in(client, org.handler_env)
    assert client.get(reverse("staff:attachment", args=[appeal.pk, photo.pk])).status_code == 404
