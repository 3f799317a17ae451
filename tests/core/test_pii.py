"""Personal data is masked for display and scrubbed from log lines."""
import io
import logging

from gongzhi.core import pii


def test_phone_numbers_are_masked_to_the_first_three_and_last_four_digits():
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_phone("138 1234 5678") == "138****5678"
    assert pii.mask_phone("0571-87654321") == "057****4321"
    assert pii.mask_phone("12345") == "****"
    assert pii.mask_phone("") == "" and pii.mask_phone(None) == ""


def test_id_numbers_names_and_addresses_are_masked():
    assert pii.mask_id_number("11010519491231002X") == "110***********002X"
    assert pii.mask_name("张三") == "张*" and pii.mask_name("欧阳娜娜") == "欧***"
    assert pii.mask_address("东湖社区3栋2单元501室") == "东湖社区*栋*单元*室"


def test_free_text_is_scrubbed_of_phones_ids_and_plates():
    text = "我叫张三，电话13812345678，身份证11010519491231002X，座机0571-87654321，车牌浙A12345"
    scrubbed = pii.scrub_text(text)
    for secret in ("13812345678", "11010519491231002X", "87654321", "浙A12345"):
        assert secret not in scrubbed
    assert "[电话]" in scrubbed and "[身份证号]" in scrubbed and "[车牌]" in scrubbed
    # Ordinary numbers survive.
    assert pii.scrub_text("3栋电梯坏了2个月，12345热线") == "3栋电梯坏了2个月，12345热线"


def test_the_configured_log_handler_scrubs_personal_data():
    root_filters = [f for h in logging.getLogger().handlers for f in h.filters]
    assert any(isinstance(f, pii.ScrubPersonalDataFilter) for f in root_filters), "settings.LOGGING wires the filter"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(pii.ScrubPersonalDataFilter())
    log = logging.getLogger("gongzhi.test.pii")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("callback to %s failed, id %s", "13812345678", "11010519491231002X")
        log.warning("plain message with phone 13900001111 inline")
        log.warning("bad format %s %s", "only one")  # a malformed call must not break logging
    finally:
        log.removeHandler(handler)
    output = stream.getvalue()
    assert "13812345678" not in output and "11010519491231002X" not in output and "13900001111" not in output
    assert output.count("[电话]") == 2 and "[身份证号]" in output
