"""The forms of the emergency office's registers: they read and type-check what was typed and offer
only what the reader may choose (regions in their scope, active staff); the rules are registry's."""
from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongzhi.core.forms import DateTimeInput
from gongzhi.core.models import Department, Grid, Role

from . import registry
from .models import Device, Item, Movement, Unit, Warehouse


def staff_users():
    """Active people who hold a staff role (a citizen's account is no unit contact, member or plan owner)."""
    staff_roles = [r for r in Role.values if r != Role.CITIZEN]
    return get_user_model().objects.filter(is_active=True, roles__role__in=staff_roles).distinct().order_by("username")


class ScopedForm(forms.Form):
    """A form whose region choices are the reader's (registry.regions_for)."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "region" in self.fields:
            self.fields["region"].queryset = registry.regions_for(user)


class UnitForm(ScopedForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("单位类型"), choices=Unit.Kind.choices)
    region = forms.ModelChoiceField(label=_("所属区域"), queryset=None)
    department = forms.ModelChoiceField(label=_("对应部门"), queryset=Department.objects.all(), required=False)
    contact = forms.ModelChoiceField(label=_("负责人"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = staff_users()


class TaskTemplateForm(forms.Form):
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.all())
    title = forms.CharField(label=_("任务"), max_length=200)
    hours = forms.IntegerField(label=_("时限（小时）"), min_value=1, max_value=720, initial=2)


class TeamForm(ScopedForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    region = forms.ModelChoiceField(label=_("所属区域"), queryset=None)
    specialty = forms.CharField(label=_("专业"), max_length=60, required=False)


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("队员"), queryset=None)
    skills = forms.CharField(label=_("技能"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_users()


class ShiftForm(forms.Form):
    user = forms.ModelChoiceField(label=_("值班人员"), queryset=None)
    starts_at = forms.DateTimeField(label=pgettext_lazy("shift", "开始时间"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeInput())
    order = forms.IntegerField(label=_("升级顺序（0 为第一）"), min_value=0, max_value=99, initial=0)

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(pk__in=team.members.values("user_id")) if team else staff_users()
        self.fields["user"].queryset = users


class DeviceForm(ScopedForm):
    code = forms.SlugField(label=_("设备编码"), max_length=64,
                           help_text=_("设备上报的主题为 gongzhi/sensors/{编码}/events"))
    kind = forms.ChoiceField(label=_("类型"), choices=Device.Kind.choices)
    name = forms.CharField(label=_("名称"), max_length=100)
    region = forms.ModelChoiceField(label=_("所属区域"), queryset=None)
    grid = forms.ModelChoiceField(label=_("网格"), queryset=Grid.objects.all(), required=False)
    owner = forms.ModelChoiceField(label=_("责任部门"), queryset=Department.objects.all(), required=False)
    lat = forms.FloatField(label=_("纬度"), min_value=-90, max_value=90, required=False)
    lon = forms.FloatField(label=_("经度"), min_value=-180, max_value=180, required=False)
    threshold = forms.FloatField(label=_("报警阈值"), required=False,
                                 help_text=_("读数达到或超过阈值即报警；留空则只按设备的报警消息"))
    on_alarm = forms.ChoiceField(label=_("报警处置"), choices=Device.OnAlarm.choices)


class WarehouseForm(ScopedForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    region = forms.ModelChoiceField(label=_("所属区域"), queryset=None)
    lat = forms.FloatField(label=_("纬度"), min_value=-90, max_value=90, required=False)
    lon = forms.FloatField(label=_("经度"), min_value=-180, max_value=180, required=False)


class ItemForm(forms.Form):
    name = forms.CharField(label=_("物资"), max_length=100)
    unit = forms.CharField(label=_("计量单位"), max_length=16, initial="件")


class MovementForm(forms.Form):
    kind = forms.ChoiceField(label=_("出入库类型"), choices=Movement.Kind.choices)
    item = forms.ModelChoiceField(label=_("物资"), queryset=Item.objects.all())
    quantity = forms.IntegerField(label=_("数量（盘点时为实有数）"), min_value=0)
    to_warehouse = forms.ModelChoiceField(label=_("调入仓库"), queryset=None, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, user=None, warehouse=None, **kwargs):
        super().__init__(*args, **kwargs)
        others = Warehouse.objects.restrict(user) if user is not None else Warehouse.objects.all()
        self.fields["to_warehouse"].queryset = others.exclude(pk=getattr(warehouse, "pk", None))
