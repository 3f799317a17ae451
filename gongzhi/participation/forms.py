from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import DateTimeInput, MultipleFileField

from .models import ProposalCategory, Survey


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120)
    text = forms.CharField(label=_("建议内容"), widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ModelChoiceField(label=_("类别"), queryset=ProposalCategory.objects.filter(active=True),
                                      empty_label=None)
    place = forms.CharField(label=_("地点（选填）"), max_length=200, required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    photos = MultipleFileField(label=_("照片（选填，最多 5 张）"), required=False, accept="image/jpeg,image/png,image/gif")
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


# ---------------------------------------------------------------- the drafters' forms

class ConsultationForm(forms.Form):
    """A consultation's own fields; its sections are rows of the page (DraftRows), any number."""

    title = forms.CharField(label=_("标题"), max_length=200)
    department = forms.ModelChoiceField(label=_("起草部门"), queryset=None, empty_label=None)
    introduction = forms.CharField(label=_("说明（选填）"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    closes_at = forms.DateTimeField(label=_("截止时间"), widget=DateTimeInput(),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(label=_("说明（选填）"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    mode = forms.ChoiceField(label=_("答卷方式"), choices=Survey.Mode.choices)
    department = forms.ModelChoiceField(label=_("发起部门"), queryset=None, required=False)
    closes_at = forms.DateTimeField(label=_("截止时间"), widget=DateTimeInput(),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])

    def __init__(self, *args, departments, department_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        field.queryset, field.required = departments, department_required
        if department_required:
            field.empty_label = None


MAX_ROWS = 60


def posted_rows(data, prefix: str, names: tuple[str, ...], checks: tuple[str, ...] = ()) -> list[dict]:
    """The rows a drafter's page posted as `<prefix>-<i>-<name>` (i below the posted `<prefix>-rows`),
    each a dict of its fields; the page adds a blank row with "add" and the services refuse what is
    wrong, naming the row."""
    try:
        count = min(int(data.get(f"{prefix}-rows") or 0), MAX_ROWS)
    except (TypeError, ValueError):
        count = 0
    rows = []
    for i in range(max(count, 0)):
        row = {name: str(data.get(f"{prefix}-{i}-{name}") or "") for name in names}
        row.update({name: bool(data.get(f"{prefix}-{i}-{name}")) for name in checks})
        rows.append(row)
    return rows
