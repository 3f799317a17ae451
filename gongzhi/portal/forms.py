"""Public forms. They only parse input; gongzhi.appeals.services validates and decides."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.models import Category, Satisfaction
from gongzhi.core.forms import MultipleFileField


class SubmitForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200, required=False,
                            widget=forms.TextInput(attrs={"placeholder": _("一句话说明问题，如：小区电梯长期故障")}))
    content = forms.CharField(label=_("具体内容"), required=False,
                              widget=forms.Textarea(attrs={"rows": 6, "placeholder": _("请说明时间、地点、经过和您的诉求")}))
    category = forms.TypedChoiceField(label=_("问题类别（选填）"), required=False, coerce=int, empty_value=None)
    location_text = forms.CharField(label=_("地点"), max_length=300, required=False,
                                    widget=forms.TextInput(attrs={"placeholder": _("如：东湖社区3栋门前")}))
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    anonymous = forms.BooleanField(label=_("匿名反映（不留姓名和电话，将无法电话回访）"), required=False,
                                   widget=forms.CheckboxInput(attrs={"data-hides": "person-fields"}))
    appellant_name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    appellant_phone = forms.CharField(label=_("手机或电话"), max_length=32, required=False,
                                      widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    appellant_id_number = forms.CharField(label=_("身份证号（选填）"), max_length=32, required=False)
    appellant_email = forms.EmailField(label=_("电子邮箱（选填）"), max_length=254, required=False,
                                       widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    notify_me = forms.BooleanField(label=_("通过短信或邮件告知我受理编号、查询码和办理进展"), required=False, initial=True)
    attachments = MultipleFileField(label=_("图片或PDF附件（选填，最多5个）"), required=False,
                                  accept="image/jpeg,image/png,image/gif,application/pdf")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tops = Category.objects.filter(active=True, parent__isnull=True)
        self.fields["category"].choices = [("", _("不确定"))] + [(c.pk, c.name) for c in tops]

    def clean_category(self):
        pk = self.cleaned_data.get("category")
        return Category.objects.filter(pk=pk, active=True).first() if pk else None


class TrackForm(forms.Form):
    tracking_number = forms.CharField(label=_("受理编号"), max_length=32,
                                      widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("如：GZ20260101ABC234")}))
    access_code = forms.CharField(label=_("查询码"), max_length=16,
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("您对办理结果的评价"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    resolved = forms.TypedChoiceField(label=_("问题是否解决"), choices=[("1", _("已解决")), ("0", _("未解决"))],
                                      coerce=lambda v: v == "1", widget=forms.RadioSelect, required=False, empty_value=None)
    comment = forms.CharField(label=_("补充意见（选填）"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RecoverForm(forms.Form):
    tracking_number = forms.CharField(label=_("受理编号"), max_length=32,
                                      widget=forms.TextInput(attrs={"autocomplete": "off"}))
    contact = forms.CharField(label=_("提交时留的手机号或电子邮箱"), max_length=254,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))
