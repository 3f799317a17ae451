"""The demo city's disputes and petitions, made through the real services: two screening campaigns
(one finished with late units, one running), disputes at every stage (reported, in mediation, one
overdue, agreed, reopened after a broken agreement, failed, failed and referred, closed), petitions at every
stage of the 信访工作条例 (with an extension, both reviews, 终结, group and repeat ones), a mediation
committee, and the petition officer's account (`petition`)."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from gongzhi.core.models import Grid, Region, Role, RoleAssignment, User
from gongzhi.disputes import petition_services as petitions
from gongzhi.disputes import screening, services, tasks
from gongzhi.disputes.kinds import ensure_default_kinds
from gongzhi.disputes.models import DisputeKind, MediationCommittee

from .organisation import DEMO_PASSWORD

CASES = [  # title, facts, kind, people, amount, parties
    ("楼上漏水邻里纠纷", "楼上卫生间漏水至楼下，多次协商未果，双方争吵。", "neighbour", 2, 3000,
     [("王建国", "13911112222"), ("李秀英", "13933334444")]),
    ("宅基地界址争议", "两户因宅基地界桩位置发生争执，一方扬言要拼命。", "housing_land", 2, None,
     [("陈有福", "13700001111"), ("陈有才", "13700002222")]),
    ("装修公司拖欠农民工工资", "三十余名农民工讨薪，称再不给钱就去上访、拉横幅。", "labour_wages", 32, 860000,
     [("刘大军", "13955556666"), ("某装饰工程有限公司", "")]),
    ("物业费与停车位纠纷", "业主与物业公司因停车位收费发生纠纷，十余户联名投诉。", "property_mgmt", 12, 24000,
     [("业主代表张红", "13811112222"), ("某物业服务有限公司", "")]),
    ("离婚后子女抚养费纠纷", "双方离婚后就子女抚养费支付发生争执。", "marriage_family", 2, 36000,
     [("赵丽", "13622223333"), ("孙强", "13622224444")]),
    ("电动车剐蹭赔偿纠纷", "小区内电动车与行人剐蹭，就赔偿金额协商不成。", "traffic", 2, 2500,
     [("周大爷", ""), ("吴小军", "13588889999")]),
    ("网购家电退货纠纷", "消费者与本地商家就退货运费和折旧发生争执。", "consumer", 2, 4200,
     [("郑女士", "13566667777"), ("某电器商行", "")]),
    ("手术后并发症赔偿纠纷", "患者家属认为医院存在过错，要求赔偿，情绪激动。", "medical", 6, 300000,
     [("患者家属钱某", "13511110000"), ("某区人民医院", "")]),
]


def _party_rows(parties):
    return [{"name": name, "phone": phone, "kind": "organisation" if "公司" in name or "商行" in name else "person"}
            for name, phone in parties]


def build_demo_disputes(now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    ensure_default_kinds(DisputeKind)
    kinds = {k.code: k for k in DisputeKind.objects.all()}
    supervisor, mediator, leader = (User.objects.get(username=u) for u in ("supervisor", "mediator", "leader"))
    district = Region.objects.filter(level=Region.Level.DISTRICT).first()
    subdistrict = Region.objects.filter(level=Region.Level.SUBDISTRICT).order_by("path").first()

    officer, _ = User.objects.get_or_create(username="petition", defaults={
        "display_name": "钱红梅", "password": make_password(DEMO_PASSWORD)})
    RoleAssignment.objects.get_or_create(user=officer, role=Role.PETITION_OFFICER, region=district)
    committee, _ = MediationCommittee.objects.get_or_create(name=f"{subdistrict.name}人民调解委员会",
                                                            defaults={"region": subdistrict})
    committee.members.add(mediator)

    # Screening: a finished campaign (some units reported, some late) and a running one.
    today = timezone.localdate(now)
    finished = screening.launch(actor=supervisor, title="国庆节前矛盾纠纷大排查", starts_on=today - dt.timedelta(days=20),
                                ends_on=today - dt.timedelta(days=6), regions=[subdistrict],
                                kinds=[kinds["neighbour"], kinds["labour_wages"], kinds["property_mgmt"]])
    running = screening.launch(actor=supervisor, title="岁末年初矛盾纠纷排查化解", starts_on=today,
                               ends_on=today + dt.timedelta(days=10), regions=[district],
                               kinds=list(kinds.values()))
    finished_tasks = list(finished.tasks.select_related("grid", "community"))
    disputes = []
    for i, (title, facts, kind, people, amount, parties) in enumerate(CASES):
        task = finished_tasks[i] if i < min(2, len(finished_tasks)) else None  # the older ones walked in
        if task is not None and task.assignee is not None:
            task = screening.report_findings(task, task.assignee, [{
                "title": title, "facts": facts, "kind": kinds[kind], "people_involved": people, "amount": amount,
                "parties": _party_rows(parties)}])
            disputes.append(task.findings.get())
        else:
            grid = Grid.objects.order_by("code")[i % Grid.objects.count()]
            disputes.append(services.report(actor=mediator, title=title, facts=facts, kind=kinds[kind], grid=grid,
                                            region=None, people_involved=people, amount=amount, source="walk_in",
                                            parties=_party_rows(parties), at=now - dt.timedelta(days=45 - i)))
    for task in finished_tasks[2:4]:
        screening.report_nothing(task, task.assignee or supervisor)

    # Disputes at every stage: [0] reported, [1] mediating, [2] overdue in mediation, [3] agreed and
    # signed, [4] reopened after a broken agreement, [5] failed and referred, [6] closed.
    d = disputes
    services.accept(d[1], mediator, at=now - dt.timedelta(days=5))
    services.record_session(d[1], mediator, held_at=now - dt.timedelta(days=3), place="社区调解室",
                            participants="双方当事人、调解员", record="双方陈述，初步同意现场勘界。")
    services.accept(d[2], mediator, at=now - dt.timedelta(days=40))
    for i in (3, 4, 6):
        services.accept(d[i], mediator, at=now - dt.timedelta(days=30))
        services.record_session(d[i], mediator, held_at=now - dt.timedelta(days=25), place="社区调解室",
                                participants="双方当事人、调解员", record="经调解双方达成一致。")
        services.settle(d[i], mediator, outcome="调解成功", terms="一方一次性支付赔偿款\n双方不再就此事发生争执",
                        performance="协议签订后十日内付清", at=now - dt.timedelta(days=24))
    services.follow_up(d[4], mediator, kept=False, note="对方未按期付款", at=now - dt.timedelta(days=2))
    services.follow_up(d[6], mediator, kept=True, note="已付清")
    services.close(d[6], mediator)
    services.accept(d[5], mediator, at=now - dt.timedelta(days=20))
    services.fail(d[5], mediator, outcome="双方分歧过大，调解不成")
    services.refer(d[5], mediator, kind="court", body="区人民法院诉调对接中心", note="诉调对接")
    services.accept(d[7], mediator, at=now - dt.timedelta(days=12))
    services.fail(d[7], mediator, outcome="家属坚持诉讼，待移交医调委或法院")

    # Petitions at every stage.
    region = Region.objects.filter(level=Region.Level.COMMUNITY).order_by("path").first()

    def petition(days_ago, subject, **kw):
        data = dict(actor=officer, channel="letter", received_at=now - dt.timedelta(days=days_ago),
                    petitioner_name="信访人", subject=subject, content=subject + "，请求依法处理。", region=region)
        data.update(kw)
        return petitions.register(**data)

    petition(3, "小区噪声扰民长期未解决", channel="online", petitioner_name="黄女士", petitioner_phone="13400001111")
    petition(20, "道路施工影响出行", channel="phone", petitioner_name="何先生", petitioner_phone="13400002222")  # overdue
    group = petition(10, "征地补偿款未足额发放", channel="visit", petitioner_name="村民代表马某", people_count=8,
                     petitioner_phone="13400003333")
    group.disputes.add(d[2])
    petitions.accept(group, officer, at=now - dt.timedelta(days=9))
    extended = petition(80, "拆迁安置房分配不公", petitioner_name="冯某", petitioner_phone="13400004444")
    petitions.accept(extended, officer, at=now - dt.timedelta(days=78))
    petitions.extend(extended, officer, extra_days=30, reason="需会同多部门核查安置档案", approved_by=leader)
    answered = petition(50, "养老保险待遇核定有误", petitioner_name="卫某", petitioner_phone="13400005555")
    petitions.accept(answered, officer, at=now - dt.timedelta(days=48))
    petitions.answer(answered, officer, opinion="经核查，待遇核定符合规定。", at=now - dt.timedelta(days=10))
    reviewing = petition(120, "宅基地审批未予答复", petitioner_name="陈有福", petitioner_phone="13700001111")
    reviewing.disputes.add(d[1])
    petitions.accept(reviewing, officer, at=now - dt.timedelta(days=118))
    petitions.answer(reviewing, officer, opinion="已按程序办理。", at=now - dt.timedelta(days=70))
    petitions.request_review(reviewing, officer, at=now - dt.timedelta(days=50))
    concluded = petition(200, "企业改制职工安置补偿", petitioner_name="孔某", petitioner_phone="13400006666",
                         petitioner_id_number="330102196001011234")
    petitions.accept(concluded, officer, at=now - dt.timedelta(days=198))
    petitions.answer(concluded, officer, opinion="按改制方案执行。", at=now - dt.timedelta(days=150))
    petitions.request_review(concluded, officer, at=now - dt.timedelta(days=140))
    petitions.review(concluded, officer, opinion="维持原处理意见。", at=now - dt.timedelta(days=115))
    petitions.request_reexam(concluded, officer, at=now - dt.timedelta(days=100))
    petitions.reexamine(concluded, officer, opinion="复核维持，信访事项终结。", at=now - dt.timedelta(days=75))
    petition(2, "企业改制职工安置补偿", petitioner_name="孔某", petitioner_phone="13400006666",
             petitioner_id_number="330102196001011234")  # flagged: a matter already concluded
    declined = petition(30, "要求撤销法院生效判决", petitioner_name="严某")
    petitions.decline(declined, officer, reason="属诉讼事项，告知通过法定途径解决。")

    counts = tasks.run_sweeps(now)
    return {"campaigns": 2, "disputes": len(disputes), "petitions": petitions.Petition.objects.count(),
            "running_tasks": running.tasks.count(), **counts}
