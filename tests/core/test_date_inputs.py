"""Dates in forms are ISO values in every language (issue 13, defect 8): the bulletin page prefilled
"2026/12/01", which the browser's date field rejects, so 生成通报 silently sent nothing.

Every date and date-time field of the project's forms renders its value as the browser's date
inputs require (YYYY-MM-DD, YYYY-MM-DDTHH:MM), in zh-Hans as in English, and still reads what
people type in the local style.
"""
import datetime as dt
import importlib
import pkgutil
import re

import pytest
from django import forms
from django.utils import translation

import gongzhi

DAY = dt.date(2026, 12, 1)
MOMENT = dt.datetime(2026, 12, 1, 9, 30)


def project_forms():
    """Every Form class declared in a gongzhi.<app>.forms module."""
    found = []
    for app in pkgutil.iter_modules(gongzhi.__path__):
        try:
            module = importlib.import_module(f"gongzhi.{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                found.append(value)
    return found


def date_fields():
    out = []
    for form in project_forms():
        for name, field in form.base_fields.items():
            if isinstance(field, (forms.DateField, forms.DateTimeField)):
                out.append(pytest.param(field, id=f"{form.__module__}.{form.__name__}.{name}"))
    return out


def test_the_project_has_date_fields_to_check():
    assert len(date_fields()) >= 5


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("field", date_fields())
def test_every_date_field_renders_an_iso_value_the_browser_accepts(field, language):
    with translation.override(language):
        if isinstance(field, forms.DateTimeField):
            html = field.widget.render("when", MOMENT)
            assert 'type="datetime-local"' in html and 'value="2026-12-01T09:30"' in html, html
        else:
            html = field.widget.render("day", DAY)
            assert 'type="date"' in html and 'value="2026-12-01"' in html, html


def test_the_bulletin_form_is_prefilled_with_an_iso_date_in_chinese():
    from gongzhi.safety.forms import BulletinForm

    with translation.override("zh-hans"):
        html = str(BulletinForm(initial={"day": DAY})["day"])
    assert re.search(r'value="2026-12-01"', html), html


def test_dates_typed_the_chinese_way_are_still_read():
    from gongzhi.safety.forms import BulletinForm

    with translation.override("zh-hans"):
        for typed in ("2026-12-01", "2026/12/01"):
            form = BulletinForm(data={"day": typed})
            form.is_valid()
            assert form.cleaned_data.get("day") == DAY or "day" in form.errors and "将来" in str(form.errors["day"])
