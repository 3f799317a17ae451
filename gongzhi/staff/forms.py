"""Forms of the staff pages. They only parse input; the services validate and decide."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.models import Category, Channel, Status, Urgency
from gongzhi.core.deadlines import DueState
from gongzhi.core.forms import DateInput
from gongzhi.core.models import Department, Region


def category_choices(top_only: bool = False):
    qs = Category.objects.filter(active=True).select_related("parent")
    if top_only:
        qs = qs.filter(parent__isnull=True)
    return [("", _("— 请选择 —"))] + [(c.pk, str(c)) for c in qs]


class IntakeFields(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    content = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    category = forms.TypedChoiceField(label=_("分类"), required=False, coerce=int, empty_value=None)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL, required=False)
    location_text = forms.CharField(label=_("地点"), max_length=300, required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()

    def clean_category(self):
        pk = self.cleaned_data.get("category")
        return Category.objects.filter(pk=pk).first() if pk else None


class DeskForm(IntakeFields):
    """电话受理: the phone number comes first, so earlier appeals show while the caller talks."""

    appellant_phone = forms.CharField(label=_("来电号码"), max_length=32, required=False)
    appellant_name = forms.CharField(label=_("来电人姓名"), max_length=64, required=False)
    anonymous = forms.BooleanField(label=_("来电人要求匿名"), required=False)
    appellant_id_number = forms.CharField(label=_("身份证号"), max_length=32, required=False)

    # Set by picking a suggested place (the gazetteer): the community or subdistrict it lies in.
    region = forms.IntegerField(required=False, widget=forms.HiddenInput)

    field_order = ["appellant_phone", "appellant_name", "title", "content", "category", "urgency",
                   "location_text", "anonymous", "appellant_id_number"]

    def clean_region(self):
        pk = self.cleaned_data.get("region")
        if not pk:
            return None
        region = Region.objects.filter(pk=pk, level__in=[Region.Level.SUBDISTRICT, Region.Level.COMMUNITY]).first()
        if region is None:
            raise forms.ValidationError(_("所选地点不存在，请重新选择"))
        return region


class DeskAnswerForm(DeskForm):
    """直接答复: the desk's fields plus the knowledge-base entry answered from (and its text, as edited)."""

    knowledge = forms.IntegerField(required=False, widget=forms.HiddenInput)
    answer_text = forms.CharField(label=_("答复内容"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def clean_knowledge(self):
        from gongzhi.appeals.models import KnowledgeEntry

        pk = self.cleaned_data.get("knowledge")
        entry = KnowledgeEntry.objects.filter(pk=pk, active=True).select_related("category").first() if pk else None
        if entry is None:
            raise forms.ValidationError(_("请先从右侧推荐中选择一条知识库答复"))
        return entry


class KnowledgeForm(forms.Form):
    question = forms.CharField(label=_("问题"), max_length=200, required=False)
    answer = forms.CharField(label=_("标准答复"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    keywords = forms.CharField(label=_("关键词"), max_length=300, required=False,
                               help_text=_("以空格或逗号分隔，来电内容含其中的词时推荐本条"))
    category = forms.TypedChoiceField(label=_("分类"), required=False, coerce=int, empty_value=None)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()

    def clean_category(self):
        pk = self.cleaned_data.get("category")
        return Category.objects.filter(pk=pk).first() if pk else None


class GridReportForm(IntakeFields):
    grid = forms.TypedChoiceField(label=_("网格"), coerce=int, required=False)
    photo = forms.FileField(label=_("现场照片"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}))

    field_order = ["grid", "title", "content", "location_text", "category", "urgency", "photo"]

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.grids = {g.pk: g for g in grids}
        self.fields["grid"].choices = [
            (g.pk, gettext("%(grid)s（%(community)s）") % {"grid": g.name, "community": g.community}) for g in grids]
        if grids:
            self.fields["grid"].initial = grids[0].pk


OPEN = "open"  # the status filter's value for every status still worked on (OPEN_STATUSES)


class AppealFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词/受理编号"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    category = forms.TypedChoiceField(label=_("分类"), required=False, coerce=int, empty_value=None)
    department = forms.TypedChoiceField(label=_("主办单位"), required=False, coerce=int, empty_value=None)
    due_state = forms.ChoiceField(label=_("时限"), required=False)
    channel = forms.ChoiceField(label=_("渠道"), required=False)
    region = forms.TypedChoiceField(label=_("区域"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=_("受理日期起"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("受理日期止"), required=False, widget=DateInput())
    urgency = forms.ChoiceField(label=_("紧急程度"), required=False)
    returned = forms.ChoiceField(label=_("退单"), required=False)
    due_before = forms.DateField(label=_("办理时限不晚于"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    sort = forms.ChoiceField(label=_("排序"), required=False)

    def __init__(self, *args, **kwargs):
        from .queues import sort_choices

        super().__init__(*args, **kwargs)
        blank = [("", _("全部"))]
        self.fields["urgency"].choices = blank + list(Urgency.choices)
        self.fields["returned"].choices = blank + [("yes", _("退过单")), ("no", _("未退单"))]
        self.fields["sort"].choices = [("", _("受理时间（新的在前）"))] + [
            (value, (_("%(column)s ↓") if value.startswith("-") else _("%(column)s ↑")) % {"column": label})
            for value, label in sort_choices()]
        self.fields["status"].choices = blank + [(OPEN, _("未办结（全部在办）"))] + list(Status.choices)
        self.fields["due_state"].choices = blank + list(DueState.choices)
        self.fields["channel"].choices = blank + list(Channel.choices)
        self.fields["category"].choices = blank + [(c.pk, str(c)) for c in Category.objects.select_related("parent")]
        self.fields["department"].choices = blank + list(Department.objects.values_list("pk", "name"))
        self.fields["region"].choices = blank + [
            (r.pk, ("　" * max(0, r.path.count("/") - 2)) + r.name)
            for r in Region.objects.exclude(level=Region.Level.CITY)
        ]

    def described_filters(self) -> list[tuple[str, str]]:
        """(field name, the chosen value as shown) for each filter in use, for a printed list's header."""
        if not (self.is_bound and self.is_valid()):
            return []
        out = []
        for name, value in self.cleaned_data.items():
            if value in (None, "") or name == "sort":
                continue
            field = self.fields[name]
            if hasattr(field, "choices"):
                value = dict(field.choices).get(value, dict(field.choices).get(str(value), value))
            out.append((name, str(value)))
        return out
