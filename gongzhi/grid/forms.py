"""The forms of the residents pages: they read what was typed and offer only what the reader may
choose (their grids, the active care categories); the rules are the services' (those of the
spreadsheet import), whose field errors are put back next to each field."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import DateInput

from .models import CareCategory, Resident

KEEP_HELP = _("留空则保持不变")


class CodesField(forms.MultipleChoiceField):
    """Offers the choices but leaves which codes are valid to the service, so that every field's
    error comes back at once."""

    def validate(self, value):
        pass


def _care_field():
    return CodesField(label=_("关爱类别"), required=False, widget=forms.CheckboxSelectMultiple)


def _text(label, max_length, **kwargs):
    # The length is the services' rule too; the attribute only stops the browser early.
    return forms.CharField(label=label, required=False, widget=forms.TextInput(attrs={"maxlength": max_length}),
                           **kwargs)


class CareForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_categories"].choices = [(c.code, str(c)) for c in CareCategory.objects.filter(active=True)]


class HouseholdForm(CareForm):
    grid = forms.ChoiceField(label=_("网格"))
    building = _text(_("楼栋"), 100)
    room = _text(_("门牌/房号"), 50)
    care_categories = _care_field()

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [(g.pk, g.name) for g in grids]


class ResidentForm(CareForm):
    name = _text(_("姓名"), 64)
    id_number = forms.CharField(label=_("身份证号"), required=False,
                                widget=forms.TextInput(attrs={"maxlength": 18, "autocomplete": "off"}))
    phone = forms.CharField(label=_("联系电话"), required=False,
                            widget=forms.TextInput(attrs={"maxlength": 20, "autocomplete": "off",
                                                          "inputmode": "tel"}))
    gender = forms.ChoiceField(label=_("性别"), choices=Resident.Gender.choices, required=False)
    birth_year = forms.CharField(label=_("出生年份"), required=False,
                                 widget=forms.TextInput(attrs={"maxlength": 4, "inputmode": "numeric"}))
    relation = _text(_("与户主关系"), 20)
    care_categories = _care_field()
    note = _text(_("备注"), 300)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the stored numbers are never put in the form: blank keeps them
            for name in ("id_number", "phone"):
                self.fields[name].help_text = KEEP_HELP


class MoveOutForm(forms.Form):
    moved_out_on = forms.DateField(label=_("迁出日期"), required=False, widget=DateInput())
    moved_out_reason = _text(_("迁出原因"), 200)
