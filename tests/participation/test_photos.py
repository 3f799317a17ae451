"""Photos of proposals: checked by their content like every upload (core.uploads), kept only as a
re-encoded copy (no EXIF position, camera or time, not the uploader's file name), shown on the
proposal's page exactly when the proposal is public, and added over the API until it is reviewed."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from gongzhi.participation import moderation, services
from gongzhi.participation.models import Moderation, Proposal, ProposalPhoto
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db
GPS_IFD = 0x8825


def photo_with_location(name: str = "张三家门口.jpg") -> SimpleUploadedFile:
    """A JPEG whose EXIF says where it was taken and with what camera."""
    image = Image.new("RGB", (64, 48), (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x013B] = "Zhang San"   # Artist
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 54.0, 30.0), 3: "E", 4: (116.0, 24.0, 15.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


FORM = {"title": "修补幸福路人行道", "text": "幸福路人行道地砖松动，老人容易绊倒，建议尽快修补。"}


def test_a_photo_on_the_public_form_is_kept_without_its_location_and_shown_with_the_proposal(org, categories):
    original = photo_with_location()
    assert Image.open(io.BytesIO(original.read())).getexif().get_ifd(GPS_IFD)  # the test photo has a position
    original.seek(0)
    author = signed_in(org.citizen)
    r = author.post(reverse("participation:proposal_new"), {**FORM, "category": categories["urban"].pk,
                                                           "photos": [original]})
    assert r.status_code == 302
    proposal = Proposal.objects.get()
    [photo] = proposal.photos.all()
    assert "张三" not in photo.image.name and photo.image.name.endswith(".jpg")
    with photo.image.open("rb") as f:
        kept = Image.open(io.BytesIO(f.read()))
        assert kept.size == (64, 48)
        assert not kept.getexif()  # no EXIF at all: no position, camera or artist

    url = reverse("participation:proposal_photo", args=[proposal.pk, photo.pk])
    assert author.get(url).status_code == 200  # the proposer sees it while it is in review
    assert Client().get(url).status_code == 404  # the public does not, yet
    case = moderation.case_of(Moderation.Item.PROPOSAL, proposal.pk)
    queue = signed_in(org.operator).get(reverse("participation:moderation")).content.decode()
    staff_url = reverse("participation:staff_proposal_photo", args=[proposal.pk, photo.pk])
    assert staff_url in queue  # the moderator sees the photo before deciding
    moderation.approve(case, org.operator)
    page = Client().get(reverse("participation:proposal_detail", args=[proposal.pk])).content.decode()
    assert url in page
    response = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    moderation.hide(moderation.case_of(Moderation.Item.PROPOSAL, proposal.pk), org.operator, "含他人隐私")
    assert Client().get(url).status_code == 404  # hidden with its proposal
    assert signed_in(org.operator).get(staff_url).status_code == 200  # kept for the appeal
    assert signed_in(org.citizen).get(staff_url).status_code == 404


def test_what_is_not_an_image_is_refused_naming_the_field(org, categories):
    c = signed_in(org.citizen)
    script = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    r = c.post(reverse("participation:proposal_new"), {**FORM, "category": categories["urban"].pk,
                                                      "photos": [script]})
    assert r.status_code == 200 and not Proposal.objects.exists()
    assert "不是允许的类型" in r.content.decode()
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
                             content_type="application/pdf")
    r = c.post(reverse("participation:proposal_new"), {**FORM, "category": categories["urban"].pk, "photos": [pdf]})
    assert r.status_code == 200 and not Proposal.objects.exists()


def test_more_photos_than_allowed_are_refused(org, categories):
    from gongzhi.core.errors import FieldErrors
    from gongzhi.participation.verification import Voter

    with pytest.raises(FieldErrors) as refused:
        services.submit(Voter(user=org.citizen), category=categories["urban"], **FORM,
                        photos=[photo_with_location(f"p{i}.jpg") for i in range(services.MAX_PHOTOS + 1)])
    assert "photos" in refused.value.errors and not ProposalPhoto.objects.exists()


def test_the_proposer_adds_photos_over_the_api_until_the_proposal_is_reviewed(org, categories, citizens):
    from gongzhi.api.models import ApiToken

    def multipart(user, pk, *files):
        token = ApiToken.issue(user, "test")[1]
        return Client().post(f"/api/v1/proposals/{pk}/photos", {"photos": list(files)},
                             headers={"Authorization": f"Bearer {token}"})

    me = ApiClient(ApiToken.issue(org.citizen, "test")[1])
    pk = me.post("/proposals", {**FORM, "category": "urban"}).json()["id"]
    r = multipart(org.citizen, pk, photo_with_location())
    assert r.status_code == 200, r.content
    [url] = r.json()["photos"]
    assert Client().get(url).status_code == 404  # not public before the review
    bad = multipart(org.citizen, pk, SimpleUploadedFile("x.jpg", b"MZ\x90\x00 not an image", "image/jpeg"))
    assert bad.status_code in (400, 422) and "photos" in bad.content.decode()
    assert multipart(citizens[1], pk, photo_with_location()).status_code == 404  # not theirs, not public
    moderation.approve(moderation.case_of(Moderation.Item.PROPOSAL, pk), org.operator)
    assert Client().get(url).status_code == 200
    assert multipart(org.citizen, pk, photo_with_location()).status_code == 409  # reviewed: no more photos
    assert me.get(f"/proposals/{pk}").json()["photos"] == [url]
