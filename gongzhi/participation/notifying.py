"""The wording of participation's messages (core.messages), in both languages."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core import messages


def register_wording() -> None:
    register = messages.register
    register("participation.code", label=_("手机验证码（公众参与）"),
             zh=("验证码", "您的验证码是 {{ code }}，{{ minutes }} 分钟内有效。如非本人操作，请忽略。"),
             en=("Your code", "Your code is {{ code }}, valid for {{ minutes }} minutes. If this was not you, ignore it."),
             sms_zh="【共治】验证码{{ code }}，{{ minutes }}分钟内有效。",
             sms_en="[Gongzhi] Code {{ code }}, valid {{ minutes }} min.")
    register("participation.proposal", label=_("金点子进展（告知建议人）"),
             zh=("您的建议有新进展：{{ number }}", "{{ text }}\n\n查看：{{ link }}"),
             en=("News of your proposal: {{ number }}",
                 "Your proposal \"{{ title }}\" ({{ number }}) is now: {{ status }}.\n\nSee it: {{ link }}"),
             sms_zh="【共治】{{ text }}", sms_en="[Gongzhi] Proposal {{ number }}: {{ status }}. {{ link }}")
    for key, label, en in (
        ("participation.assigned", _("金点子交办（答复部门）"), "A proposal to answer"),
        ("participation.qualified", _("金点子达到支持数（待交办）"), "A proposal reached its support threshold"),
        ("participation.overdue", _("金点子答复超期"), "A proposal's answer is overdue"),
        ("participation.hidden", _("内容被隐藏（告知发表人）"), "Your text was hidden"),
        ("participation.appeal_decided", _("审核申诉已处理"), "Your moderation appeal was decided"),
    ):
        register(key, label=label, zh=(str(label), "{{ text }}\n\n{{ link }}"), en=(en, "{{ text }}\n\n{{ link }}"),
                 staff=key in ("participation.assigned", "participation.qualified", "participation.overdue"))
