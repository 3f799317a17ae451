"""A grid worker on a phone (360 px): reports an issue with a photo and it is in the dispatcher's
queue; the same kind of report made with the network off is kept on the phone, survives a reload
(the pages are a PWA: the service worker serves them offline), and arrives exactly once when the
network returns, even when the phone sends it twice."""
from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from gongzhi.appeals.models import Appeal, Attachment
from tests.e2e.conftest import second_factor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 780}


def photo() -> dict:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(out, format="JPEG")
    return {"name": "manhole.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def fits_the_phone(pg) -> bool:
    return pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def report(pg, title: str, content: str):
    pg.fill("input[name=title]", title)
    pg.fill("textarea[name=content]", content)
    pg.fill("input[name=location_text]", "3幢东侧路口")
    pg.set_input_files("input[name=photos]", [photo()])
    pg.click("form[data-queue] button[type=submit]")


def test_a_report_from_the_phone_online_and_offline_reaches_the_dispatcher_once(org, browser, live_server, page,
                                                                                   login, shot):
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, base_url=live_server.url, is_mobile=True,
                                has_touch=True, service_workers="allow")
    phone.set_default_timeout(15000)
    pg = phone.new_page()
    pg.goto("/accounts/login/")
    pg.fill("input[name=username]", "gridworker")
    pg.fill("input[name=password]", org.password)
    pg.click("button[type=submit]")
    pg.wait_for_load_state("networkidle")
    second_factor(pg, "gridworker")  # grid workers reveal residents' data: they sign in with a second factor

    # Online: the report is an appeal at once, with its photo and the worker's grid.
    pg.goto("/grid/m/report/")
    assert fits_the_phone(pg)
    report(pg, "井盖缺失", "3幢东侧路口井盖缺失，夜间有人踩空的危险。")
    status = pg.locator("[data-status]")
    # the first appeal of the server process also warms triage's indexes: allow it time on a busy machine
    expect(status).to_contain_text("已上报，受理编号", timeout=60000)
    first = Appeal.objects.get()
    assert (first.channel, first.grid, first.title) == ("grid", org.east_g, "井盖缺失")
    assert Attachment.objects.filter(appeal=first).count() == 1
    assert first.tracking_number in status.inner_text()
    shot(pg, "grid-phone-01-reported")

    # The service worker controls the pages before the network goes.
    pg.evaluate("navigator.serviceWorker.ready.then(() => true)")
    pg.reload()
    pg.wait_for_function("navigator.serviceWorker.controller !== null")

    # Offline: kept on the phone, nothing reaches the server; the page still opens.
    phone.set_offline(True)
    report(pg, "路灯不亮", "5幢门口路灯坏了一周，老人晚上出门不便。")
    expect(status).to_contain_text("已保存在手机上")
    expect(pg.locator("#queue-note")).to_contain_text("待发送 1 条")
    assert Appeal.objects.count() == 1
    pg.reload()  # served by the service worker
    expect(pg.locator("#net-state")).to_contain_text("离线")
    expect(pg.locator("#queue-note")).to_contain_text("待发送 1 条")
    assert fits_the_phone(pg)
    shot(pg, "grid-phone-02-offline-queued")
    queued = pg.evaluate("window.gzField.queue()")
    assert len(queued) == 1 and queued[0]["photos"] and queued[0]["key"]

    # The network returns: the queue is sent, the report arrives once.
    phone.set_offline(False)
    expect(status).to_contain_text("已上报，受理编号", timeout=60000)
    expect(pg.locator("#queue-note")).to_be_hidden()
    assert pg.evaluate("window.gzField.queue().length") == 0
    offline = Appeal.objects.get(title="路灯不亮")
    assert offline.grid == org.east_g and Attachment.objects.filter(appeal=offline).count() == 1

    # The phone sends it again (its answer was lost on the way): still one appeal.
    pg.evaluate("""(item) => { localStorage.setItem(Object.keys(localStorage).find(k => k.startsWith('gz-field-queue')),
                                                    JSON.stringify([item])); return window.gzField.flush(); }""",
                queued[0])
    assert pg.evaluate("window.gzField.queue().length") == 0
    assert Appeal.objects.filter(title="路灯不亮").count() == 1 and Appeal.objects.count() == 2
    shot(pg, "grid-phone-03-synced")
    phone.close()

    # Both are in the dispatcher's queue.
    login("dispatcher")
    queue = page.locator("#dispatch-queue")
    for appeal in (first, offline):
        expect(queue.get_by_role("link", name=appeal.tracking_number)).to_be_visible()
    shot(page, "grid-phone-04-dispatcher-queue")


def test_with_the_page_unable_to_send_the_service_worker_sends_the_queue_by_background_sync(org, browser, live_server):
    """The browser wakes the service worker with a sync event when the network returns (Chromium's
    own, and here one more through the DevTools protocol): it sends the queued report, which arrives
    once, and the open page drops it from its queue and shows the tracking number."""
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, base_url=live_server.url, is_mobile=True,
                                has_touch=True, service_workers="allow")
    phone.set_default_timeout(15000)
    pg = phone.new_page()
    pg.goto("/accounts/login/")
    pg.fill("input[name=username]", "gridworker")
    pg.fill("input[name=password]", org.password)
    pg.click("button[type=submit]")
    pg.wait_for_load_state("networkidle")
    second_factor(pg, "gridworker")
    pg.goto("/grid/m/report/")
    pg.evaluate("navigator.serviceWorker.ready.then(() => true)")
    pg.reload()
    pg.wait_for_function("navigator.serviceWorker.controller !== null")
    assert pg.evaluate("'SyncManager' in window")

    # The page itself cannot reach the server (its own sends fail, and are counted); the service
    # worker's fetches can.
    pg.evaluate("""() => { const real = window.fetch; window.pageSends = 0;
        window.fetch = (url, init) => String(url).includes('/grid/m/sync/')
            ? (window.pageSends++, Promise.reject(new TypeError('down'))) : real(url, init); }""")
    phone.set_offline(True)
    report(pg, "垃圾满溢", "7幢垃圾桶满溢两天无人清运，气味很大。")
    status = pg.locator("[data-status]")
    expect(status).to_contain_text("已保存在手机上")
    pg.wait_for_function("""() => new Promise((resolve) => { const open = indexedDB.open('gz-field', 1);
        open.onsuccess = () => { const all = open.result.transaction('queue').objectStore('queue').getAll();
                                 all.onsuccess = () => resolve(all.result.length === 1); }; })""")
    assert not Appeal.objects.exists()
    phone.set_offline(False)
    pg.evaluate("window.gzField.flush()")  # the page's own attempt fails
    assert pg.evaluate("window.pageSends") >= 1

    # Chromium fires the sync event itself when the network returns (it may have done so already:
    # the record then arrived, and this one finds it sent, or sends the same key again).
    cdp = phone.new_cdp_session(pg)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    pg.wait_for_timeout(500)
    registration = next(r for r in registrations if r["scopeURL"].endswith("/grid/m/") and not r["isDeleted"])
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": live_server.url, "registrationId":
                                                 registration["registrationId"], "tag": "gz-field-queue",
                                                 "lastChance": False})
    expect(status).to_contain_text("已上报，受理编号", timeout=60000)
    assert pg.evaluate("window.gzField.queue().length") == 0
    # every send of the page failed (window.fetch refuses them): the worker sent it, once
    appeal = Appeal.objects.get()
    assert (appeal.title, appeal.grid) == ("垃圾满溢", org.east_g)
    assert Attachment.objects.filter(appeal=appeal).count() == 1
    phone.close()


def test_a_patrol_check_in_with_the_phones_location_and_a_home_visit_made_offline_arrive_once(org, browser,
                                                                                            live_server):
    from gongzhi.grid.models import Building, CareCategory, HomeVisit, Household, Patrol

    care, _ = CareCategory.objects.get_or_create(code="elderly_alone", defaults={"name": "独居老人"})
    household = Household.objects.create(building=Building.objects.create(grid=org.east_g, name="3幢"), room="201室")
    household.care_categories.add(care)
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, base_url=live_server.url, is_mobile=True,
                                has_touch=True, service_workers="allow", permissions=["geolocation"],
                                geolocation={"latitude": 39.905, "longitude": 116.405, "accuracy": 8})
    phone.set_default_timeout(15000)
    pg = phone.new_page()
    pg.goto("/accounts/login/")
    pg.fill("input[name=username]", "gridworker")
    pg.fill("input[name=password]", org.password)
    pg.click("button[type=submit]")
    pg.wait_for_load_state("networkidle")
    second_factor(pg, "gridworker")

    pg.goto("/grid/m/checkin/")
    assert fits_the_phone(pg)
    pg.click("[data-locate]")
    expect(pg.locator("[data-locate]")).to_have_text("已定位")
    pg.fill("input[name=note]", "3幢周边正常")
    pg.click("form[data-queue] button[type=submit]")
    expect(pg.locator("[data-status]")).to_contain_text("已打卡", timeout=30000)
    patrol = Patrol.objects.get()
    assert patrol.in_grid and abs(patrol.lat - 39.905) < 1e-6 and patrol.accuracy_m == 8

    pg.goto("/grid/m/")
    expect(pg.get_by_test_id("visits-due")).to_contain_text("3幢 201室")
    pg.goto(f"/grid/m/visit/?household={household.pk}")
    assert fits_the_phone(pg)
    pg.evaluate("navigator.serviceWorker.ready.then(() => true)")
    pg.reload()
    pg.wait_for_function("navigator.serviceWorker.controller !== null")
    phone.set_offline(True)
    pg.select_option("select[name=household]", str(household.pk))
    pg.fill("textarea[name=note]", "老人身体硬朗，燃气灶老化，已提醒更换。")
    pg.check("input[name=needs_help]")
    pg.set_input_files("input[name=photos]", [photo()])
    pg.click("form[data-queue] button[type=submit]")
    expect(pg.locator("[data-status]")).to_contain_text("已保存在手机上")
    assert not HomeVisit.objects.exists()
    phone.set_offline(False)
    expect(pg.locator("[data-status]")).to_contain_text("走访记录已保存", timeout=30000)
    pg.evaluate("window.gzField.flush()")
    visit = HomeVisit.objects.get()
    assert (visit.household_id, visit.needs_help, visit.photos.count()) == (household.pk, True, 1)
    phone.close()
