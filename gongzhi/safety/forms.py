"""Forms of the safety pages. They only parse and check input; services do the work."""
from __future__ import annotations


from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import DateInput, DateTimeInput
from gongzhi.core.models import Region

from .models import IncidentStatus, IncidentType, Premises

DATE = DateInput()
DATETIME = DateTimeInput()


class TypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"　{obj.label}" if obj.parent_id else obj.label


def type_field(required=True, label=_("类别")):
    return TypeChoiceField(IncidentType.objects.filter(active=True).select_related("parent").order_by("order", "code"),
                           required=required, label=label, empty_label=_("全部") if not required else "---------")


class IncidentForm(forms.Form):
    type = type_field()
    occurred_at = forms.DateTimeField(label=_("发案时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    lat = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)
    premises = forms.ChoiceField(label=_("发案部位"), choices=Premises.choices, initial=Premises.UNKNOWN)
    region = forms.ModelChoiceField(Region.objects.all(), label=_("辖区(无坐标时)"), required=False)
    summary = forms.CharField(label=_("简要案情"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError(_("经纬度须同时填写"))
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("新状态"), choices=IncidentStatus.choices)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class IncidentFilter(forms.Form):
    type = type_field(required=False)
    region = forms.ModelChoiceField(Region.objects.all(), label=_("辖区"), required=False, empty_label=_("全部"))
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *IncidentStatus.choices], required=False)
    start = forms.DateField(label=_("起"), required=False, widget=DATE)
    end = forms.DateField(label=_("止"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期"))
        return data


class NearRepeatForm(forms.Form):
    at = forms.DateField(label=_("日期"), required=False, widget=DATE)
    radius_m = forms.IntegerField(label=_("半径(米)"), min_value=50, max_value=2000, initial=200, required=False)
    window_days = forms.IntegerField(label=_("预警期(天)"), min_value=1, max_value=60, initial=14, required=False)
    region = forms.ModelChoiceField(Region.objects.all(), label=_("辖区"), required=False, empty_label=_("全部"))


def parse_shifts(text: str) -> list[tuple[int, int]]:
    """"6-14,14-22,22-6" -> [(6, 14), (14, 22), (22, 6)]; even hours only (2-hour windows)."""
    out = []
    for part in (text or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            a, b = (int(x) for x in part.replace("～", "-").replace("~", "-").split("-"))
        except ValueError:
            raise forms.ValidationError(_("班次格式应为 6-14,14-22,22-6")) from None
        if not (0 <= a < 24 and 0 <= b <= 24) or a % 2 or b % 2 or a == b % 24:
            raise forms.ValidationError(_("班次须为 0-24 之间的偶数整点，且起止不同"))
        out.append((a, b))
    if not out:
        raise forms.ValidationError(_("至少填写一个班次"))
    return out


class ForecastForm(forms.Form):
    until = forms.DateField(label=_("预测起始日"), required=False, widget=DATE)
    type = type_field(required=False)
    region = forms.ModelChoiceField(Region.objects.all(), label=_("辖区"), required=False, empty_label=_("全部"))
    cells = forms.IntegerField(label=_("显示热点数"), min_value=5, max_value=500, initial=50, required=False)


class PatrolForm(forms.Form):
    units = forms.IntegerField(label=_("巡逻组数"), min_value=1, max_value=100, initial=6)
    shifts = forms.CharField(label=_("班次(时)"), initial="6-14,14-22,22-6", max_length=100)
    windows = forms.IntegerField(label=_("每组巡逻时段数(每段2小时)"), min_value=1, max_value=12, initial=3)

    def clean_shifts(self):
        return parse_shifts(self.cleaned_data["shifts"])


class BulletinForm(forms.Form):
    day = forms.DateField(label=_("通报日期"), widget=DATE)
    regenerate = forms.BooleanField(label=_("重新生成"), required=False)

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("不能为将来的日期生成通报"))
        return day


class InformantForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    phone = forms.CharField(label=_("电话"), max_length=32, required=False)
    contact = forms.CharField(label=_("其他联系方式"), max_length=200, required=False)
    region = forms.ModelChoiceField(Region.objects.all(), label=_("所属辖区"), required=False)


class ReportForm(forms.Form):
    content = forms.CharField(label=_("情况"), widget=forms.Textarea, max_length=4000)
    address = forms.CharField(label=_("地点"), max_length=200, required=False)
    lat = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)
    occurred_at = forms.DateTimeField(label=_("发生时间"), required=False, widget=DATETIME,
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


class CodeReportForm(ReportForm):
    code = forms.CharField(label=_("提交码"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"}))

    field_order = ["code", "content", "address", "occurred_at", "lat", "lon"]


class ConvertForm(forms.Form):
    action = forms.ChoiceField(choices=[("incident", _("立为警情")), ("lead", _("转为线索")), ("dismiss", _("不予采用"))])
    type = type_field(required=False)
    premises = forms.ChoiceField(label=_("发案部位"), choices=Premises.choices, initial=Premises.UNKNOWN, required=False)
    note = forms.CharField(label=_("研判意见"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("action") == "incident" and not data.get("type"):
            self.add_error("type", _("立为警情须选择类别"))
        return data
