"""Free text keeps its words and loses its numbers: pii.mask_text masks phone, landline and ID numbers
the way the personal fields are masked, and leaves the text readable."""
from django.template import Context, Template

from gongzhi.core import pii


def test_numbers_in_free_text_are_masked_like_the_fields():
    text = "请回电13812345678，身份证110101199003074512，物业座机0571-87654321或010 12345678，X结尾11010519491231002x。"
    assert pii.mask_text(text) == ("请回电138****5678，身份证110***********4512，物业座机0571-****4321或010 ****5678，"
                                   "X结尾110***********002x。")
    assert pii.mask_text("13812345678") == pii.mask_phone("13812345678")
    assert pii.mask_text("手机 138 1234 5678 或 +86 139-0000-1111 或 +8613700002222") == (
        "手机 138****5678 或 +86 139****1111 或 +86137****2222")
    assert pii.mask_text("11010519491231002X") == pii.mask_id_number("11010519491231002X")


def test_ordinary_numbers_plates_and_addresses_stay_readable():
    for text in ("3栋2单元501室电梯坏了2个月，12345热线打了3次", "2024年3月5日至2024-03-20", "车牌浙A12345违停",
                 "金额1380000元", "工号 2023 0012", ""):
        assert pii.mask_text(text) == text
    assert pii.mask_text(None) == ""


def test_masking_twice_changes_nothing_more():
    once = pii.mask_text("电话13812345678 身份证110101199003074512 座机0571-87654321")
    assert pii.mask_text(once) == once


def test_the_template_filters_mask_text_and_page_data():
    html = Template('{% load pii %}{{ t|mask_text }}|{{ t|mask_text|truncatechars:9 }}|'
                    '{{ d|mask_data|json_script:"x" }}').render(
        Context({"t": "<b>13812345678</b>", "d": {"title": "13812345678", "n": [1, "110101199003074512"]}}))
    assert "13812345678" not in html and "110101199003074512" not in html
    assert "&lt;b&gt;138****5678&lt;/b&gt;" in html  # still escaped
    assert "138****5678" in html.split("|")[2] and "110***********4512" in html
