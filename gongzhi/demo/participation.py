"""The demo city's public participation, made through the real services under a moving clock:
proposals at every stage (collecting support, waiting to be given out, waiting for an answer, one
answer overdue, adopted with progress, partly adopted, not adopted, done, one hidden by a moderator
and appealed), an open consultation with comments and replies and a reported one, and an open
survey with answers (verified) and a closed poll (anonymous). Residents who support and answer are
citizen accounts (resident01 …) with the demo password; `citizen` is the proposer."""
from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from gongzhi.core.models import Department, Region, Role, RoleAssignment, User
from gongzhi.participation import consultations, moderation, services, surveys, tasks
from gongzhi.participation.categories import ensure_default_categories
from gongzhi.participation.models import Moderation, ProposalCategory, SensitiveWord
from gongzhi.participation.verification import Voter

from . import photos as demo_photos
from .organisation import DEMO_PASSWORD

RESIDENTS = 40
PROPOSALS = [  # title, text, category, place, stage
    ("东湖公园增设儿童游乐区", "公园南门草坪闲置，周末孩子多却没有游乐设施，建议增设滑梯、秋千和沙坑。", "urban", "open"),
    ("老旧小区加装电梯", "柳岸小区多为六层楼，老人上下楼困难，建议统一规划加装电梯并给予补贴。", "community", "qualified"),
    ("学校门口设置护学岗", "实验小学放学时段车流大，建议设置护学岗和临时停车区，保障学生安全。", "transport", "assigned"),
    ("河道两侧增设夜间照明", "滨河步道晚上很黑，散步的人多，存在安全隐患，建议增设路灯。", "environment", "overdue"),
    ("社区开设老年食堂", "独居老人吃饭难，建议在社区活动中心开设老年食堂，提供助餐服务。", "community", "adopted"),
    ("增设公交微循环线路", "新城片区距离地铁站较远，建议开通连接地铁站的社区微循环公交。", "transport", "partly"),
    ("菜市场改为24小时营业", "上班族下班晚，菜市场关门早，建议改为24小时营业。", "community", "rejected"),
    ("垃圾分类投放点加装洗手池", "投放点没有洗手的地方，建议加装洗手池，方便居民分类投放后清洁。", "environment", "done"),
    ("图书馆周末延长开放时间", "区图书馆周末下午五点闭馆，学生和上班族希望延长到晚上九点。", "education", "open"),
    ("小区周边增设共享单车停放点", "地铁口单车乱停，建议划定停放区并安排专人管理。", "transport", "open"),
]


def _resident(i: int) -> User:
    user, made = User.objects.get_or_create(username=f"resident{i:02d}", defaults={
        "display_name": f"居民{i:02d}", "password": make_password(DEMO_PASSWORD)})
    if made:
        RoleAssignment.objects.create(user=user, role=Role.CITIZEN)
    return user


def build_demo_participation(now: dt.datetime | None = None, seed: int = 2026) -> dict:
    now = now or timezone.now()
    rng = random.Random(seed)
    ensure_default_categories(ProposalCategory)
    communities = list(Region.objects.filter(level=Region.Level.COMMUNITY).order_by("path"))
    departments = {d.code: d for d in Department.objects.all()}
    housing, env, transport, urban_mgmt, education = (departments.get(c) for c in ("ZJJ", "HBJ", "JTJ", "CGJ", "JYJ"))
    category_department = {"urban": housing, "transport": transport, "environment": env, "community": None,
                           "education": education}
    for code, department in category_department.items():
        ProposalCategory.objects.filter(code=code).update(department=department, threshold=20)
    # 社区服务 has no default department: its proposals go to the dispatchers once supported enough.
    users = {u.username: u for u in User.objects.filter(username__in=("citizen", "operator", "dispatcher"))}
    proposer, operator, dispatcher = (users[n] for n in ("citizen", "operator", "dispatcher"))
    residents = [_resident(i) for i in range(1, RESIDENTS + 1)]
    SensitiveWord.objects.get_or_create(word="法轮功")

    def handler_of(department):
        return User.objects.filter(roles__role=Role.HANDLER, roles__department=department).first()

    made = {}
    photo_rng = random.Random(17)  # its own stream: the photos do not change the rest of the demo
    for i, (title, text, code, stage) in enumerate(PROPOSALS):
        category = ProposalCategory.objects.get(code=code)
        community = communities[i % len(communities)] if communities else None
        start = now - dt.timedelta(days=3 if stage in ("open", "assigned", "qualified") else 60 - i * 4)
        step = dt.timedelta(hours=2 if stage in ("open", "assigned", "qualified") else 6)
        author = proposer if i % 3 == 0 else residents[i]
        photos = demo_photos.before_and_after(photo_rng, f"proposal{i}")["before"] if i < 3 else []
        p = services.submit(Voter(user=author), title=title, text=text, category=category, region=community,
                            place=f"{community.name if community else ''}", anonymous=i % 4 == 1, at=start,
                            photos=photos)
        moderation.approve(moderation.case_of(Moderation.Item.PROPOSAL, p.pk), operator)
        supporters = {"open": rng.randint(3, 15), "qualified": 20, "assigned": 20, "overdue": 5}.get(stage, 20)
        others = [r for r in residents if r.pk != author.pk]
        for j, r in enumerate(others[:supporters]):
            p = services.support(p, Voter(user=r), at=start + step * (j + 1))
        if stage == "overdue":  # picked by the dispatcher; the bureau let the deadline pass
            p = services.assign(p, dispatcher, env, note="群众关注度高，请按时答复", at=now - dt.timedelta(days=30))
        department = p.department
        answered_at = start + dt.timedelta(days=12)
        if stage in ("adopted", "partly", "rejected", "done"):
            if department is None:
                p = services.assign(p, dispatcher, urban_mgmt, at=start + dt.timedelta(days=6))
                department = p.department
            handler = handler_of(department)
            outcome = {"adopted": "adopted", "done": "adopted", "partly": "partly_adopted", "rejected": "not_adopted"}[stage]
            answers = {
                "adopted": "建议很好。我单位已将该事项列入年度民生实事，正在选址和编制方案，预计三个月内实施。",
                "partly_adopted": "经调研，拟先开通高峰时段微循环线路，全天运营待客流评估后再定。",
                "not_adopted": "菜市场夜间营业需配套保洁和安保，经营户意愿低，暂不具备条件；已协调周边超市延长营业。",
            }
            p = services.answer(p, handler, outcome=outcome, text=answers[outcome], at=answered_at)
            if stage in ("adopted", "done"):
                p = services.report_progress(p, handler, "方案已确定，正在施工。", at=answered_at + dt.timedelta(days=10))
            if stage == "done":
                p = services.complete(p, handler, "已全部完成并投入使用。", at=answered_at + dt.timedelta(days=20))
        made[stage] = made.get(stage, 0) + 1
    tasks.run_sweeps(now)  # the overdue one is escalated

    # One hidden and appealed, one waiting in the queue with a sensitive word.
    hidden = services.submit(Voter(user=residents[0]), title="关于小区物业的意见",
                             text="物业经理张某某收钱不办事，电话13800001111，大家都去他家闹。",
                             category=ProposalCategory.objects.get(code="community"), at=now - dt.timedelta(days=3))
    case = moderation.hide(moderation.case_of(Moderation.Item.PROPOSAL, hidden.pk), operator, "含人身攻击和煽动内容")
    moderation.appeal(case, residents[0], "我反映的是事实，可以删掉过激的话。")
    services.submit(Voter(user=residents[1]), title="建议清理小广告", text="楼道里贴满小广告，还有法轮功传单，请清理。",
                    category=ProposalCategory.objects.get(code="community"), at=now - dt.timedelta(hours=5))

    # Consultations: one open with comments and replies, one reported.
    drafter = handler_of(housing)
    open_c = consultations.create(
        drafter, title="《共治示范区老旧小区改造实施方案（征求意见稿）》", department=housing,
        closes_at=now + dt.timedelta(days=14), at=now - dt.timedelta(days=7),
        introduction="为做好老旧小区改造工作，现公开征求社会各界意见，征求意见期为21天。",
        sections=[{"heading": "一、改造范围", "text": "2000年底前建成、基础设施老化的住宅小区。"},
                  {"heading": "二、改造内容", "text": "基础类：水电气管网、屋面防水；完善类：加装电梯、停车设施；提升类：养老托育设施。"},
                  {"heading": "三、资金筹措", "text": "政府补助、居民出资、社会资本参与相结合。"}])
    sections = list(open_c.sections.all())
    opinions = ["建议把加装电梯列为基础类，老人最需要。", "居民出资比例应当明确，按楼层分摊更公平。",
                "改造期间请安排好临时停车。", "建议增加无障碍坡道。", "希望公开每个小区的改造清单和进度。"]
    for k, opinion in enumerate(opinions):
        row = consultations.comment(sections[k % len(sections)], Voter(user=residents[k + 5]), opinion,
                                    at=now - dt.timedelta(days=6 - k))
        moderation.approve(moderation.case_of(Moderation.Item.COMMENT, row.pk), operator)
        if k == 1:
            reply = consultations.comment(sections[k % len(sections)], Voter(user=residents[20]), "同意，低层住户出资可以少一些。",
                                          parent=row, at=now - dt.timedelta(days=4))
            moderation.approve(moderation.case_of(Moderation.Item.COMMENT, reply.pk), operator)
    # A consultation in the past: created open, commented, then closed and reported.
    past = consultations.create(
        drafter, title="《住宅小区电动自行车停放充电管理办法（征求意见稿）》", department=housing,
        closes_at=now - dt.timedelta(days=10), at=now - dt.timedelta(days=40),
        sections=[{"heading": "第一条", "text": "禁止在楼道、楼梯间停放电动自行车或为其充电。"},
                  {"heading": "第二条", "text": "小区应当设置集中停放充电场所。"}])
    first, second = past.sections.all()
    a = consultations.comment(first, Voter(user=residents[30]), "建议明确违规停放的处理方式。", at=now - dt.timedelta(days=35))
    b = consultations.comment(second, Voter(user=residents[31]), "充电费用应当统一标准，不能乱收费。", at=now - dt.timedelta(days=30))
    c = consultations.comment(second, Voter(user=residents[32]), "建议每栋楼都建充电桩。", at=now - dt.timedelta(days=28))
    tasks.run_sweeps(now)  # its period is over: closed
    past.refresh_from_db()
    consultations.decide(a, drafter, "adopted")
    consultations.decide(b, drafter, "partly", "收费标准由物价部门指导，办法中写明须公示收费标准。")
    consultations.decide(c, drafter, "not_adopted", "部分小区场地不足，按“集中设置、就近方便”原则建设。")
    consultations.publish_report(past, drafter, "共收到意见3条，采纳1条、部分采纳1条，已据此修改第一条、第二条。",
                                 at=now - dt.timedelta(days=8))

    # Surveys: an open verified one with answers, a closed anonymous poll.
    survey = surveys.create(drafter, title="社区公园使用情况调查", department=housing, mode="verified",
                            closes_at=now + dt.timedelta(days=20), at=now - dt.timedelta(days=5), questions=[
                                {"kind": "single", "text": "您多久去一次社区公园？", "options": ["每天", "每周", "每月", "很少"]},
                                {"kind": "multiple", "text": "您希望增加哪些设施？", "options": ["座椅", "健身器材", "儿童游乐", "公厕", "照明"]},
                                {"kind": "scale", "text": "您对公园管理的满意度（1-5分）", "scale_max": 5},
                                {"kind": "text", "text": "其他建议", "required": False}])
    q = list(survey.questions.all())
    for k, r in enumerate(residents[:25]):
        surveys.answer(survey, Voter(user=r), {q[0].pk: rng.randrange(4), q[1].pk: rng.sample(range(5), rng.randint(1, 3)),
                                               q[2].pk: rng.randint(2, 5), q[3].pk: "希望多种树" if k % 7 == 0 else ""},
                       at=now - dt.timedelta(days=4, hours=k))
    poll = surveys.create(drafter, title="春节期间社区活动投票", department=housing, mode="anonymous",
                          closes_at=now - dt.timedelta(days=1), at=now - dt.timedelta(days=15),
                          questions=[{"kind": "single", "text": "您最想参加哪项活动？", "options": ["写春联", "包饺子", "游园会"]}])
    pq = poll.questions.get()
    for k in range(30):
        surveys.answer(poll, Voter(), {pq.pk: rng.randrange(3)}, at=now - dt.timedelta(days=10, hours=k))
    tasks.run_sweeps(now)  # the poll's closing date has passed

    # Drafts the bureau is still writing (on its staff pages, not yet public): a consultation and a survey.
    consultations.create(
        drafter, title="《东湖社区养老服务设施布局规划（草稿）》", department=housing, publish=False,
        closes_at=now + dt.timedelta(days=45), at=now - dt.timedelta(days=1),
        introduction="草稿，待完善后公开征求意见。",
        sections=[{"heading": "一、规划目标", "text": "到2028年，每个社区至少有一处日间照料中心。"},
                  {"heading": "二、设施布局", "text": "待补充。"}])
    surveys.create(drafter, title="老年助餐需求调查", department=housing, mode="verified", publish=False,
                   closes_at=now + dt.timedelta(days=30), at=now - dt.timedelta(hours=20), questions=[
                       {"kind": "single", "text": "您或家人是否需要助餐服务？", "options": ["需要", "暂不需要"]},
                       {"kind": "scale", "text": "您能接受的每餐价格（1=10元以下，5=25元以上）", "scale_max": 5}])
    return {"proposals": sum(made.values()) + 2, "consultations": 3, "surveys": 3}
