from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ProposalCategory


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; what they contain is checked by the service (core.uploads)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/gif"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120)
    text = forms.CharField(label=_("建议内容"), widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ModelChoiceField(label=_("类别"), queryset=ProposalCategory.objects.filter(active=True),
                                      empty_label=None)
    place = forms.CharField(label=_("地点（选填）"), max_length=200, required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    photos = MultipleFileField(label=_("照片（选填，最多 5 张）"), required=False)
    anonymous = forms.BooleanField(label=_("公开时不显示我的名字"), required=False)


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("手机号码"), max_length=20)


class CodeForm(forms.Form):
    phone = forms.CharField(widget=forms.HiddenInput)
    code = forms.CharField(label=_("短信验证码"), max_length=6)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("您的意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)
    anonymous = forms.BooleanField(label=_("公开时不显示我的名字"), required=False)


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("答复结果"), choices=[("adopted", _("采纳")), ("partly_adopted", _("部分采纳")),
                                                           ("not_adopted", _("未采纳"))])
    text = forms.CharField(label=_("答复意见和理由"), widget=forms.Textarea(attrs={"rows": 5}))
