"""The sentences triage's analysis writes (risk reasons, hot-issue alert reasons and titles, reply
quality), registered with core.reasons so pages show them in the reader's language. The analysis
modules stay free of Django; the wording here must follow theirs (risk.py, hotissues.py,
reply_quality.py, services.py), and tests/triage/test_reasons.py checks each one renders."""
from django.utils.translation import gettext_noop as N

from gongzhi.core import reasons

# The labels the templates fill in (risk's safety kinds, escalation and vulnerable groups;
# hotissues' group signals): marked so the catalogue has them.
LABELS = (
    N("燃气泄漏"), N("火灾"), N("触电"), N("坍塌"), N("溺水"), N("爆炸"), N("有人受伤"), N("中毒"),
    N("上访"), N("媒体曝光"), N("诉讼"),
    N("老人"), N("残疾人"), N("孕妇"), N("儿童"), N("农民工"), N("病患"), N("困难群众"),
    N("集体上访"), N("拉横幅"), N("堵路"), N("围堵"), N("讨薪"), N("跳楼/轻生"), N("游行/罢工"), N("人数众多"),
)

# Fixed sentences, translated as they stand.
FIXED = (
    N("答复时间早于诉求时间，请核对"), N("仅有套话，未回应诉求"), N("答复过短"),
    N("未说明核查情况（经查/经核实）"), N("未说明具体措施"), N("未说明处理结果"), N("未提供联系电话或承办单位"),
)


def register() -> None:
    reasons.register_fixed(*FIXED)
    add = reasons.register
    # risk.py
    add(r"安全隐患：(?P<kind>.+?)（“(?P<words>.*)”）", N("安全隐患：%(kind)s（“%(words)s”）"), ("kind",))
    add(r"情绪激烈：(?P<words>.+)", N("情绪激烈：%(words)s"))
    add(r"表达不满：(?P<words>.+)", N("表达不满：%(words)s"))
    add(r"含自伤/轻生表述：“(?P<words>.*)”", N("含自伤/轻生表述：“%(words)s”"))
    add(r"含暴力/威胁表述：“(?P<words>.*)”", N("含暴力/威胁表述：“%(words)s”"))
    add(r"扬言(?P<label>上访|媒体曝光|诉讼)：“(?P<words>.*)”", N("扬言%(label)s：“%(words)s”"), ("label",))
    add(r"重复来信(?P<n>\d+)次", N("重复来信%(n)s次"))
    add(r"群体性风险信号：(?P<label>.+?)（“(?P<words>.*)”）", N("群体性风险信号：%(label)s（“%(words)s”）"), ("label",))
    add(r"涉及弱势群体：(?P<groups>.+)", N("涉及弱势群体：%(groups)s"), ("groups",))
    # hotissues.alert_checks
    add(r"(?P<days>\d+)天内新增(?P<n>\d+)件诉求（阈值(?P<limit>\d+)）", N("%(days)s天内新增%(n)s件诉求（阈值%(limit)s）"))
    add(r"涉及(?P<n>\d+)名不同诉求人（阈值(?P<limit>\d+)）", N("涉及%(n)s名不同诉求人（阈值%(limit)s）"))
    add(r"累计(?P<n>\d+)件诉求（阈值(?P<limit>\d+)）", N("累计%(n)s件诉求（阈值%(limit)s）"))
    add(r"出现群体性风险信号：(?P<label>.+?)（“(?P<words>.*)”）", N("出现群体性风险信号：%(label)s（“%(words)s”）"),
        ("label",))
    # reply_quality
    add(r"未回应诉求关键词：(?P<words>.+)", N("未回应诉求关键词：%(words)s"))
    add(r"答复未提及诉求地点（(?P<place>.+)）", N("答复未提及诉求地点（%(place)s）"))
    add(r"答复用时(?P<days>\d+)个工作日", N("答复用时%(days)s个工作日"))
    # services: the titles of the alerts triage raises (the rest is the appeal's or hot issue's title)
    add(r"安全隐患（(?P<kinds>[^）]+)）：(?P<title>.*)", N("安全隐患（%(kinds)s）：%(title)s"), ("kinds",))
    add(r"高风险诉求：(?P<title>.*)", N("高风险诉求：%(title)s"))
    add(r"热点升温：(?P<title>.*)", N("热点升温：%(title)s"))
    add(r"群体性风险信号：(?P<title>.*)", N("群体性风险信号：%(title)s"))
    # services: the note of the triage event in an appeal's history
    add(r"风险评分(?P<score>\d+)：(?P<reasons>.+)", N("风险评分%(score)s：%(reasons)s"), sentences=("reasons",))
