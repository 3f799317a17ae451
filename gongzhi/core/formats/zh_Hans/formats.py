"""zh-Hans input formats with ISO first. A form field shows its value in the first input format,
and Django's zh_Hans puts "2026/12/01" first, a value <input type="date"> rejects (the field then
looks empty and the form cannot be sent). The other formats are still accepted as typed input."""
from django.conf.locale.zh_Hans import formats as _django


def _iso_first(iso: list[str], formats: list[str]) -> list[str]:
    return iso + [f for f in formats if f not in iso]


DATE_INPUT_FORMATS = _iso_first(["%Y-%m-%d"], _django.DATE_INPUT_FORMATS)
DATETIME_INPUT_FORMATS = _iso_first(["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"], _django.DATETIME_INPUT_FORMATS)
