"""Duplicate check at intake: what the dispatcher is shown (and not shown) before merging."""
from __future__ import annotations

from datetime import datetime, timedelta

from gongzhi.triage.duplicates import Appeal, DuplicateIndex, normalise_user
from gongzhi.triage.places import extract_places

T0 = datetime(2019, 7, 21, 10, 0)

OIL_SMOKE = ("A5区劳动东路魅力之城小区油烟扰民",
             "A5区劳动东路魅力之城小区一楼临街门面开了好几家夜宵摊和烧烤店，每天从傍晚营业到凌晨三四点，"
             "油烟直接排进小区，楼上住户窗户都不敢开，噪音也很大，老人小孩晚上无法入睡，"
             "多次向物业和城管反映都没有结果，请相关部门尽快处理。")
OIL_SMOKE_AGAIN = ("A5区劳动东路魅力之城小区油烟扰民，急需处理！",
                   "A5区劳动东路魅力之城小区一楼临街门面开了好几家夜宵摊和烧烤店，每天从傍晚营业到凌晨三四点，"
                   "油烟直接排进小区，楼上住户窗户都不敢开，噪音也很大，老人小孩晚上无法入睡，"
                   "多次向物业和城管反映都没有结果，请相关部门尽快处理！！")
PARKING_SAME_PLACE = ("魅力之城小区地下车库收费太高",
                      "A5区劳动东路魅力之城小区物业把地下车位月租从200元涨到450元，没有召开业主大会，"
                      "也没有公示收费依据，请物价部门核查车位收费是否合法。")
SAME_TEMPLATE_OTHER_PLACE = ("A3区看云路润芳园小区油烟扰民",
                             "A3区看云路润芳园小区一楼临街门面开了好几家夜宵摊和烧烤店，每天从傍晚营业到凌晨三四点，"
                             "油烟直接排进小区，楼上住户窗户都不敢开，噪音也很大，老人小孩晚上无法入睡，"
                             "多次向物业和城管反映都没有结果，请相关部门尽快处理。")


def appeal(id_, title_text, when=T0, user=None):
    title, text = title_text
    return Appeal(id_, f"{title}\n{text}", when, user, title)


def test_a_repost_about_the_same_xiaoqu_is_offered_for_merging():
    index = DuplicateIndex()
    assert index.check(appeal("1", OIL_SMOKE, user="13800000001")) == []
    found = index.check(appeal("2", OIL_SMOKE_AGAIN, T0 + timedelta(days=3), user="13900000002"))
    assert [c.id for c in found] == ["1"]
    assert "near_duplicate" in found[0].reasons
    assert found[0].similarity > 0.7
    assert "魅力之城" in found[0].shared_places
    assert "魅力之城" in found[0].explain()


def test_a_different_problem_at_the_same_place_is_not_a_duplicate():
    index = DuplicateIndex()
    index.add(appeal("1", OIL_SMOKE, user="13800000001"))
    assert index.query(appeal("2", PARKING_SAME_PLACE, T0 + timedelta(days=1), user="13900000002")) == []


def test_the_same_template_about_another_xiaoqu_is_not_a_duplicate():
    index = DuplicateIndex()
    index.add(appeal("1", OIL_SMOKE))
    assert index.query(appeal("2", SAME_TEMPLATE_OTHER_PLACE, T0 + timedelta(days=1))) == []


def test_the_same_phone_within_the_window_is_found_whatever_the_text():
    index = DuplicateIndex(window_days=30)
    index.add(appeal("1", OIL_SMOKE, user="138-0000-0001"))
    found = index.query(appeal("2", PARKING_SAME_PLACE, T0 + timedelta(days=10), user="+86 13800000001"))
    assert [(c.id, c.reasons) for c in found] == [("1", ["same_user"])]
    assert "同一留言人" in found[0].explain()


def test_the_same_phone_outside_the_window_is_not_shown():
    index = DuplicateIndex(window_days=30)
    index.add(appeal("1", OIL_SMOKE, user="13800000001"))
    assert index.query(appeal("2", OIL_SMOKE_AGAIN, T0 + timedelta(days=90), user="13800000001")) == []


def test_phone_numbers_compare_by_digits_and_accounts_as_written():
    assert normalise_user("+86 138-0000-0001") == normalise_user("13800000001")
    assert normalise_user("A00031618") != normalise_user("A00031619")
    assert normalise_user("A00031618") != normalise_user("B00031618")  # accounts are not phone numbers
    assert normalise_user("") is None and normalise_user(None) is None


def test_duplicates_are_found_among_many_unrelated_appeals():
    index = DuplicateIndex()
    for i in range(300):
        index.add(Appeal(f"n{i}", f"第{i}号投诉：{i * 7919 % 1000}路公交车站台第{i}号灯箱损坏，请维修。编号{i * 31}",
                         T0, f"u{i}", f"第{i}号投诉"))
    index.add(appeal("target", OIL_SMOKE))
    found = index.query(appeal("new", OIL_SMOKE_AGAIN, T0 + timedelta(days=1)))
    assert [c.id for c in found] == ["target"]
    assert [c.id for c in index.brute_force_query(appeal("new", OIL_SMOKE_AGAIN))] == ["target"]


def test_places_are_extracted_with_their_kind():
    places = {(p.name, p.kind) for p in extract_places(
        "A市A5区劳动东路魅力之城小区旁边的湘雅二医院门口，A7县泉塘街道泉塘中学和富绿物业公司")}
    assert {("A市", "city"), ("A5区", "district"), ("劳动东路", "road"), ("魅力之城小区", "community"),
            ("湘雅二医院", "hospital"), ("泉塘街道", "street"), ("泉塘中学", "school")} <= places
    assert any(kind == "company" and "富绿物业" in name for name, kind in places)
    assert not any(name in ("道路", "小区", "马路") for name, _ in places)
