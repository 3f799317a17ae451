"""The workbench in a real browser: a handler answers with a photo of the finished work and the
citizen sees it on the tracking page; on a 390 px phone the handler's queue still shows the titles."""
import pytest
from playwright.sync_api import expect

from gongzhi.appeals import services
from gongzhi.appeals.models import Attachment, Status
from tests.e2e.conftest import second_factor
from tests.staff.photos import CAMERA, jpeg_bytes

REPLY = "您好，经现场核查，路灯线路老化。我局已更换线路和灯头，路灯已于今日恢复照明，照片见附件。"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def handling(org, make_appeal, **fields):
    appeal = make_appeal(**fields)
    services.dispatch(appeal, org.dispatcher, org.housing)
    services.acknowledge(appeal.assignments.get(), org.handler_housing)
    appeal.refresh_from_db()
    return appeal


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_handlers_reply_with_a_photo_reaches_the_citizens_tracking_page(page, login, shot, org, make_appeal,
                                                                           media, tmp_path):
    appeal = handling(org, make_appeal, title="东湖路路灯不亮", content="东湖路北段三盏路灯一周不亮，夜里很黑。")
    photo = tmp_path / "after.jpg"
    photo.write_bytes(jpeg_bytes("yellow"))

    # The handler writes the reply, attaches the photo taken after the repair and makes it public.
    login("handler_zjj")
    page.goto(f"/staff/appeals/{appeal.pk}/")
    page.fill("#reply-text", REPLY)
    page.get_by_test_id("reply-after").set_input_files(str(photo))
    page.get_by_test_id("public-photos").check()
    page.get_by_test_id("reply").click()
    expect(page.get_by_test_id("status")).to_have_text("待回访")
    expect(page.locator("#replies img")).to_be_visible()
    shot(page, "workbench-01-reply-with-photo")
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("networkidle")

    # The citizen opens the tracking page with the number and code and sees the photo.
    page.goto("/track/")
    page.fill("#id_tracking_number", appeal.tracking_number)
    page.fill("#id_access_code", appeal.access_code)
    page.get_by_test_id("track-submit").click()
    expect(page.get_by_test_id("reply")).to_have_text(REPLY)
    image = page.get_by_test_id("reply-photos").locator("img")
    expect(image).to_be_visible()
    expect(page.get_by_test_id("reply-photos")).to_contain_text("处理后")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 64  # loaded, not a broken icon
    shot(page, "workbench-02-citizen-sees-photo")
    page.set_viewport_size({"width": 390, "height": 844})  # on the citizen's phone it fits the screen
    box = image.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box

    # What the browser got is the copy without the camera's metadata.
    served = page.request.get(image.get_attribute("src"))
    assert served.ok and CAMERA.encode() not in served.body()
    stored = Attachment.objects.get(reply__appeal=appeal)
    assert stored.public and stored.stage == "after"
    appeal.refresh_from_db()
    assert appeal.status == Status.REPLIED


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_on_a_390px_phone_the_handler_queue_shows_each_title(browser, live_server, org, make_appeal, shot):
    titles = ["小区门口污水井盖破损有安全隐患", "楼道照明灯长期损坏无人维修", "东湖路夜间施工噪声扰民严重"]
    for title in titles:
        handling(org, make_appeal, title=title)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, base_url=live_server.url,
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", "handler_zjj")
        page.fill("input[name=password]", org.password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        second_factor(page, "handler_zjj")
        page.goto("/staff/")
        queue = page.get_by_test_id("handler-queue")
        expect(queue).to_be_visible()
        links = queue.get_by_test_id("row-title")
        expect(links).to_have_count(3)
        for i in range(3):
            link = links.nth(i)
            expect(link).to_be_visible()
            box = link.bounding_box()
            # Within the screen, not in a table scrolled off to the right, and not squeezed to a sliver.
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
            assert box["width"] > 150, box
            assert link.inner_text() in titles
        # The page itself does not scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "workbench-03-handler-queue-390px")
    finally:
        context.close()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_bulk_dispatch_asks_once_and_lists_the_refused_appeal(page, login, shot, org, make_appeal):
    first = make_appeal(title="东湖路井盖缺失")
    second = make_appeal(title="西山社区垃圾清运不及时")
    taken = make_appeal(title="已经派出的诉求")
    login("dispatcher")
    page.goto("/staff/appeals/?status=received")
    for appeal in (first, second, taken):
        page.get_by_test_id(f"pick-{appeal.tracking_number}").check()
    services.dispatch(taken, org.dispatcher, org.housing)  # meanwhile someone else dispatched it
    page.get_by_test_id("bulk-action").select_option("dispatch")
    page.get_by_test_id("bulk-lead").select_option(label="区生态环境局")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.get_by_test_id("bulk-submit").click()
    expect(page.get_by_test_id("bulk-done")).to_contain_text("已完成 2 件")
    assert dialogs == ["确认对所选的 3 件诉求执行“批量派单”？"]
    refused = page.get_by_test_id("bulk-refused")
    expect(refused).to_contain_text(taken.tracking_number)
    expect(refused).to_contain_text("不能派单")
    shot(page, "workbench-04-bulk-dispatch")
    for appeal in (first, second):
        appeal.refresh_from_db()
        assert appeal.status == Status.DISPATCHED and appeal.lead_department == org.env
