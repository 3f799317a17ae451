"""The appeals part of the demo city: its category tree, and three months of appeals.

Appeals are not written into tables directly: they go through gongzhi.appeals.services, in time
order, with the services' clock (`services._now`) moved back to the moment of each action, so every
appeal carries a coherent history (received, dispatched, returned, acknowledged, extended, urged,
replied late or on time, rated, reopened, merged, closed) and the same checks a real one would pass.
Hooks of other apps (triage, alerts …) are switched off while the history is written, so the story
does not depend on which apps are installed; they back-fill from the data afterwards (builder.py).
"""
from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.utils import timezone
from shapely.geometry import Point

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Assignment, Category
from gongzhi.core import hooks
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.deadlines import DueState
from gongzhi.core.workdays import WorkCalendar

from . import photos as demo_photos
from .appeal_texts import (
    BUSINESS, CATEGORIES, CLOSINGS, COMPANIES, DURATIONS, FINDINGS, HOSPITALS, IMPACTS, OPENINGS, REQUESTS, RIVERS,
    SCHOOLS, SHOPS,
)
from .organisation import City
from .people import id_number, person_name, phone

# Departments often confused with each other: the source of wrong dispatches and returns (退单).
CONFUSED_WITH = {
    "ZJJ": "CGJ", "CGJ": "ZJJ", "HBJ": "CGJ", "SCJ": "WJW", "WJW": "SCJ", "JTJ": "GAJ", "GAJ": "JTJ",
    "SW": "ZJJ", "GD": "ZJJ", "RQ": "YJJ", "MZJ": "@office", "@office": "MZJ", "@station": "@office",
    "RSJ": "SCJ", "JYJ": "WLJ", "WLJ": "JYJ",
}


# ------------------------------------------------------------------ the category tree

CONFIDENTIAL = {"JJ"}  # the roots whose appeals are never published

def build_categories(city: City) -> None:
    """The two-level category tree with each leaf's department and time limits; fills city.leaves."""
    for code, name, dept, ack_hours, days, weight, children in CATEGORIES:
        # 纪检监察: reports about officials are never published (gongzhi.core.publication).
        root = Category.objects.create(name=name, code=code, default_department=city.departments[dept],
                                       ack_hours=ack_hours, handle_days=days, confidential=code in CONFIDENTIAL)
        for child in children:
            sub_code, sub_name, sub_dept, sub_days, urgent_prone, templates = child
            dept_code = sub_dept or dept
            default = city.departments["GAJ" if dept_code == "@station" else "JD1" if dept_code == "@office" else dept_code]
            leaf = Category.objects.create(
                name=sub_name, code=sub_code, parent=root, default_department=default,
                ack_hours=min(ack_hours, 8) if urgent_prone else ack_hours, handle_days=sub_days or days,
                urgent_ack_hours=1 if urgent_prone else 2, urgent_handle_days=1 if urgent_prone else 3,
                confidential=code in CONFIDENTIAL)
            city.leaves.append((leaf, dept_code, child))
            city.leaf_weights.append(weight / len(children))


# ------------------------------------------------------------------ the historical clock

@contextmanager
def historical_clock(services):
    """Let the services believe it is `clock.now` (set before each action), with hooks off and the
    working-day calendar read once; restores everything after."""
    clock = _Clock()
    saved = (services._now, services.calendar)
    services._now = lambda: clock.now
    # The calendar overrides do not change while the demo is written: read them once, not per deadline.
    calendar = WorkCalendar.current()
    services.calendar = lambda: calendar
    try:
        with hooks.muted():
            yield clock
    finally:
        services._now, services.calendar = saved


@dataclass
class _Clock:
    now: dt.datetime = field(default_factory=timezone.now)


# ------------------------------------------------------------------ the appeals' story

@dataclass
class Story:
    """What will happen to one appeal (decided up front, played out in time order)."""
    index: int
    received_at: dt.datetime
    grid: object
    leaf: tuple
    channel: str
    urgency: str
    appellant: tuple          # (name, phone, id number, user or None)
    anonymous: bool
    profile: str              # normal, late, stuck, never_ack, extension, invalid, duplicate, pending
    wrong_first: bool = False
    assisting: bool = False
    no_rating: bool = False
    dissatisfied_rounds: int = 0
    round: int = 0
    appeal: object = None
    text: tuple = ()          # (title, content, location_text, lat, lon, measure)
    duplicate_of: "Story | None" = None


class AppealsHistory:
    """Plans `appeals` stories over the 90 days up to `now`, then plays every action in time order."""

    def __init__(self, city: City, rng: random.Random, appeals: int, now: dt.datetime, out=print):
        self.city, self.rng, self.n, self.now, self.out = city, rng, appeals, now, out
        self.services = services
        self.cal = WorkCalendar.current()
        self.queue: list = []
        self.seq = itertools.count()
        self.stats = Counter()
        self.seen_overdue: set[int] = set()
        u = city.users
        self.operator, self.dispatcher, self.supervisor = u["operator"], u["dispatcher"], u["supervisor"]
        self.leader, self.citizen = u["leader"], u["citizen"]
        self.appellants = self._appellants()
        self.photo_replies = 0
        self.photo_rng = random.Random(13)  # its own stream: the photos do not change the rest of the demo

    # -------------------------------------------------------------- time helpers
    def at(self, when: dt.datetime, action, *args) -> None:
        if when <= self.now:
            heapq.heappush(self.queue, (when, next(self.seq), action, args))
        else:
            self.stats["not_yet"] += 1

    def office(self, when: dt.datetime) -> dt.datetime:
        """The same moment if it is within office hours on a working day, else the next opening."""
        local = timezone.localtime(when)
        if self.cal.is_workday(local.date()) and dt.time(8, 30) <= local.time() <= dt.time(17, 30):
            return when
        day = local.date() if local.time() < dt.time(8, 30) else local.date() + dt.timedelta(days=1)
        while not self.cal.is_workday(day):
            day += dt.timedelta(days=1)
        opening = dt.datetime.combine(day, dt.time(8, 30), tzinfo=local.tzinfo)
        return opening + dt.timedelta(minutes=self.rng.randrange(0, 120))

    def later(self, when: dt.datetime, hours_low: float, hours_high: float, office: bool = True) -> dt.datetime:
        t = when + dt.timedelta(hours=self.rng.uniform(hours_low, hours_high))
        return self.office(t) if office else t

    # -------------------------------------------------------------- people and places
    def _appellants(self) -> list[tuple]:
        rng = self.rng
        pool = [(person_name(rng), phone(rng), id_number(rng) if rng.random() < 0.15 else "", None)
                for _ in range(max(50, int(self.n * 0.75)))]
        pool.insert(0, ("林晓雨", self.citizen.phone, "", self.citizen))
        return pool

    def pick_appellant(self) -> tuple:
        # A few people call again and again (the operator desk shows their history); most once.
        if self.rng.random() < 0.02:
            return self.appellants[0]
        i = int(len(self.appellants) * (self.rng.random() ** 1.6))
        return self.appellants[min(i, len(self.appellants) - 1)]

    def place(self, grid) -> tuple[str, str, float, float, dict]:
        info, rng = self.city.grid_info[grid.pk], self.rng
        road, road2 = rng.sample(info["roads"], 2)
        compound = rng.choice(info["compounds"])
        community = info["community"].name
        kind = rng.random()
        if kind < 0.45:
            full = f"{community}{compound}{rng.randrange(1, 30)}幢{rng.randrange(1, 5)}单元"
            short = compound
        elif kind < 0.65:
            full, short = f"{road}{rng.randrange(1, 400)}号", road
        elif kind < 0.8:
            full, short = f"{road}与{road2}交叉口", f"{road}{road2}路口"
        else:
            spot = rng.choice(["东门", "南门", "菜市场旁", "公交站附近", "地下车库", "小广场"])
            full, short = f"{compound}{spot}", compound
        minx, miny, maxx, maxy = info["shape"].bounds
        for _ in range(50):
            lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if info["shape"].contains(Point(lon, lat)):
                break
        slots = {"where": short, "place": full, "road": road, "compound": compound, "community": community,
                 "n": rng.randrange(2, 9), "company": rng.choice(COMPANIES), "shop": rng.choice(SHOPS),
                 "school": rng.choice(SCHOOLS), "hospital": rng.choice(HOSPITALS), "river": rng.choice(RIVERS),
                 "biz": rng.choice(BUSINESS)}
        return full, short, round(lat, 6), round(lon, 6), slots

    def write(self, story: Story) -> None:
        rng = self.rng
        _leaf, _dept, child = story.leaf
        title_t, problem_t, measure = rng.choice(child[5])
        full, _short, lat, lon, slots = self.place(story.grid)
        problem = problem_t.format(**slots)
        opening = rng.choice(OPENINGS).format(**slots)
        content = f"{opening}{problem}，{rng.choice(DURATIONS)}。{rng.choice(IMPACTS)}{rng.choice(REQUESTS)}"
        if story.channel == "phone":
            content = f"来电人反映：{content}"
        elif story.channel == "grid":
            content = f"网格巡查发现：{problem}。已拍照留存，请相关部门处理。"
        story.text = (title_t.format(**slots), content, full, lat, lon, measure.format(**slots))

    # -------------------------------------------------------------- plan
    def plan(self) -> list[Story]:
        rng, stories = self.rng, []
        start = self.now - dt.timedelta(days=90)
        channels = [("web", 33), ("phone", 42), ("mini_program", 10), ("grid", 10), ("letter", 2), ("visit", 3)]
        for i in range(self.n):
            # More appeals lately (a growing platform) and in the day time.
            day_offset = 90 * (rng.random() ** 0.85)
            day = (start + dt.timedelta(days=day_offset)).date()
            hour = rng.choices(range(24), weights=[1, 1, 1, 1, 1, 2, 3, 5, 9, 12, 12, 10, 8, 10, 11, 11, 10, 9, 8, 8, 7, 5, 3, 2])[0]
            received = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60))))
            if received > self.now:
                received = self.now - dt.timedelta(minutes=rng.randrange(5, 600))
            channel = rng.choices([c for c, _ in channels], weights=[w for _, w in channels])[0]
            leaf = rng.choices(self.city.leaves, weights=self.city.leaf_weights)[0]
            urgent_prone = leaf[2][4]
            urgency = rng.choices(["normal", "urgent", "critical"],
                                  weights=[60, 30, 10] if urgent_prone else [95, 4.5, 0.5])[0]
            appellant = self.pick_appellant()
            if channel != "web" and appellant[3] is not None:
                appellant = (appellant[0], appellant[1], appellant[2], None)
            anonymous = channel in ("web", "mini_program") and appellant[3] is None and rng.random() < 0.12
            age_days = (self.now - received).total_seconds() / 86400
            r = rng.random()
            if age_days < 1.5 and r < 0.5:
                profile = "pending"
            elif r < 0.02:
                profile = "invalid"
            elif r < 0.06:
                profile = "extension"
            elif r < 0.16:
                profile = "late"
            elif r < 0.19:
                profile = "stuck"
            elif r < 0.21:
                profile = "never_ack"
            else:
                profile = "normal"
            story = Story(index=i, received_at=received, grid=rng.choice(self.city.grids), leaf=leaf, channel=channel,
                          urgency=urgency, appellant=appellant, anonymous=anonymous, profile=profile,
                          wrong_first=rng.random() < 0.06, assisting=rng.random() < 0.1,
                          no_rating=rng.random() < 0.07)
            s = rng.random()
            story.dissatisfied_rounds = 0 if s < 0.88 else 1 if s < 0.97 else 3
            stories.append(story)
        stories.sort(key=lambda s: s.received_at)
        for i, story in enumerate(stories):
            story.index = i
        # Repeats: about 4% of appeals are the same problem reported again by someone else soon after.
        for story in stories[10:]:
            if rng.random() < 0.04:
                earlier = [s for s in stories[max(0, story.index - 40): story.index]
                           if s.received_at < story.received_at and s.profile not in ("duplicate", "invalid")]
                if earlier:
                    story.profile, story.duplicate_of = "duplicate", rng.choice(earlier)
                    story.grid, story.leaf = story.duplicate_of.grid, story.duplicate_of.leaf
        if stories:
            stories[-1].profile, stories[-1].duplicate_of = "pending", None  # the newest waits for the dispatcher
        for story in stories:
            self.write(story)
        return stories

    # -------------------------------------------------------------- actions
    def run(self) -> Counter:
        stories = self.plan()
        for story in stories:
            self.at(story.received_at, self.receive, story)
        first = min(s.received_at for s in stories) if stories else self.now
        # The worker sweeps every few minutes; three times a day is enough for a believable history.
        day = timezone.localtime(first).date()
        while day <= timezone.localtime(self.now).date():
            for hour in (1, 13):
                sweep = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
                if first < sweep <= self.now:
                    self.at(sweep, self.sweep, sweep)
            day += dt.timedelta(days=1)
        svc = self.services
        with historical_clock(svc) as clock:
            while self.queue:
                when, _seq, action, args = heapq.heappop(self.queue)
                clock.now = when
                try:
                    action(*args)
                except (ActionRefused, FieldErrors):
                    self.stats[f"refused:{action.__name__}"] += 1
                    self.stats["refused"] += 1  # the appeal moved on meanwhile (e.g. urging a replied one)
            # Bring the deadline states up to the present.
            clock.now = self.now
            svc.sweep_deadlines(now=self.now)
        return self.stats

    def department_for(self, story: Story, code: str):
        sub = self.city.grid_info[story.grid.pk]["sub"]
        if code == "@station":
            code = f"PCS{sub + 1}"
        elif code == "@office":
            code = f"JD{sub + 1}"
        return self.city.departments[code]

    def receive(self, story: Story) -> None:
        svc, rng = self.services, self.rng
        title, content, location, lat, lon, _ = story.text
        name, phone_number, id_no, owner = story.appellant
        actor = None
        if story.channel in ("phone", "letter", "visit"):
            actor = self.operator
        elif story.channel == "grid":
            actor = self.city.grid_workers[story.grid.pk]
        with_category = story.channel in ("phone", "grid", "visit") or rng.random() < 0.3
        typed_only = story.channel in ("phone", "letter") and rng.random() < 0.3  # no map point, text only
        if story.duplicate_of is not None:
            title = story.duplicate_of.text[0]
            content = f"{rng.choice(['再次反映：', '同一问题：', '', '又来了，'])}{story.duplicate_of.text[1]}"
            location, lat, lon = story.duplicate_of.text[2], story.duplicate_of.text[3], story.duplicate_of.text[4]
        anonymous = story.anonymous or story.channel == "grid"
        appeal, _code = svc.receive(
            channel=story.channel, title=title, content=content, actor=actor,
            category=story.leaf[0] if with_category else None, urgency=story.urgency,
            location_text=location, lat=None if typed_only else lat, lon=None if typed_only else lon,
            region=self.city.grid_info[story.grid.pk]["community"] if typed_only else None,
            anonymous=anonymous, appellant_name="" if anonymous else name,
            appellant_phone="" if anonymous else phone_number, appellant_id_number="" if anonymous else id_no,
            appellant_user=owner if story.channel == "web" else None, run_hooks=False,
        )
        story.appeal = appeal
        self.stats["received"] += 1
        t = story.received_at
        if story.profile == "pending":
            return
        if story.profile == "duplicate":
            self.at(self.later(t, 0.2, 3), self.merge, story)
        elif story.profile == "invalid":
            self.at(self.later(t, 0.2, 4), self.close_invalid, story)
        else:
            delay = (0.05, 0.5) if story.urgency != "normal" else (0.2, 5)
            self.at(self.later(t, *delay, office=story.urgency == "normal"), self.dispatch, story, story.wrong_first)

    def merge(self, story: Story) -> None:
        target = story.duplicate_of.appeal
        if target is None or target.pk is None:
            return
        target.refresh_from_db(fields=["status"])
        if self.services.merge_refusal(target):  # answered or closed meanwhile: dispatched as a new appeal
            self.dispatch(story, False)
            return
        self.services.merge(story.appeal, target, self.dispatcher, reason="同一地点同一问题的重复诉求")
        self.stats["merged"] += 1

    def close_invalid(self, story: Story) -> None:
        reason = self.rng.choice(["诉求内容不清且无法联系诉求人，不予受理", "属于咨询类问题，已当场解答", "不属于本平台受理范围，已告知诉求人通过诉讼途径解决"])
        self.services.close(story.appeal, self.operator, reason)

    def dispatch(self, story: Story, wrong: bool) -> None:
        leaf, dept_code, _child = story.leaf
        correct = self.department_for(story, dept_code)
        lead = correct
        if wrong:
            lead = self.department_for(story, CONFUSED_WITH.get(dept_code, "CGJ" if dept_code != "CGJ" else "ZJJ"))
            if lead.pk == correct.pk:
                lead = self.city.departments["ZFB"]
        assisting = []
        if story.assisting and not wrong:
            sub = self.city.grid_info[story.grid.pk]["sub"]
            office = self.city.departments[f"JD{sub + 1}"]
            if office.pk != lead.pk:
                assisting.append(office)
        instructions = self.rng.choice(["请按时限办理并答复群众", "请尽快核实处理", "", "请实地核查后答复", "涉及多部门，请主办单位牵头"])
        story.appeal = self.services.dispatch(story.appeal, self.dispatcher, lead, assisting,
                                             category=leaf if story.appeal.category_id is None else None,
                                             instructions=instructions)
        now = self.services._now()
        handler = self.city.handlers[lead.pk]
        if wrong:
            self.at(self.later(now, 1, 20), self.return_wrong, story, handler, correct)
            return
        self.schedule_acknowledge(story, now)
        for dept in assisting:
            if self.rng.random() < 0.75:
                self.at(self.later(now, 0.5, 24), self.acknowledge_assist, story, dept)

    def schedule_acknowledge(self, story: Story, now: dt.datetime) -> None:
        appeal = story.appeal
        ack_hours = ((appeal.ack_due_at - now).total_seconds() / 3600) if appeal.ack_due_at else 24
        if story.profile == "never_ack" and story.round == 0:
            return
        if story.profile == "stuck" or self.rng.random() < 0.08:
            when = self.later(now, ack_hours * 1.1, ack_hours * 3 + 24)  # late acknowledgement
        else:
            when = self.later(now, 0.1, max(0.3, ack_hours * 0.8), office=appeal.urgency == "normal")
        self.at(when, self.acknowledge, story)

    def return_wrong(self, story: Story, handler, correct) -> None:
        assignment = story.appeal.assignments.filter(state=Assignment.State.PENDING, role=Assignment.Role.LEAD).first()
        if assignment is None:
            return
        self.services.return_assignment(assignment, handler, f"经核实，该事项不属于我单位职责范围，建议转{correct.name}办理")
        self.stats["returned"] += 1
        self.at(self.later(self.services._now(), 0.3, 4), self.dispatch, story, False)

    def acknowledge(self, story: Story) -> None:
        appeal = story.appeal
        assignment = appeal.assignments.filter(state=Assignment.State.PENDING, role=Assignment.Role.LEAD).first()
        if assignment is None:
            return
        handler = self.city.handlers[assignment.department_id]
        self.services.acknowledge(assignment, handler)
        now = self.services._now()
        window = max(1.0, (appeal.due_at - now).total_seconds() / 3600) if appeal.due_at else 72
        if story.profile == "extension" and story.round == 0:
            self.at(self.later(now, 4, max(5, window * 0.4)), self.request_extension, story, handler)
            reply_at = appeal.due_at + dt.timedelta(hours=self.rng.uniform(8, 60))
        elif story.profile == "late" and story.round == 0:
            reply_at = appeal.due_at + dt.timedelta(hours=self.rng.uniform(4, 120))
        elif story.profile == "stuck" and story.round == 0:
            reply_at = appeal.due_at + dt.timedelta(days=self.rng.uniform(10, 40))
        else:
            reply_at = now + dt.timedelta(hours=window * self.rng.uniform(0.1, 0.9))
        reply_at = self.office(reply_at)
        if self.rng.random() < 0.5 and reply_at > now + dt.timedelta(hours=2):
            note_at = self.office(now + (reply_at - now) * self.rng.uniform(0.1, 0.7))
            if note_at < reply_at:
                self.at(note_at, self.note, story, handler)
        self.at(reply_at, self.reply, story, handler)

    def acknowledge_assist(self, story: Story, dept) -> None:
        assignment = story.appeal.assignments.filter(state=Assignment.State.PENDING, department=dept).first()
        if assignment is not None:
            self.services.acknowledge(assignment, self.city.handlers[dept.pk])

    def note(self, story: Story, handler) -> None:
        text = self.rng.choice(["已安排工作人员到现场核实情况", "已联系诉求人了解具体情况", "已约谈相关责任单位",
                                "正在协调相关方制定处理方案", "已现场查看并拍照取证"])
        self.services.add_note(story.appeal, handler, text)

    def request_extension(self, story: Story, handler) -> None:
        days = self.rng.choice([3, 5, 5, 10])
        reason = self.rng.choice(["需等待第三方检测结果", "涉及多个部门协调，需要更多时间", "施工需等待天气条件允许", "需要召开业主大会表决"])
        ext = self.services.request_extension(story.appeal, handler, days, reason)
        self.at(self.later(self.services._now(), 1, 20), self.decide_extension, ext, self.rng.random() < 0.8)

    def decide_extension(self, ext, approve: bool) -> None:
        note = "同意延期，请在新时限内办结" if approve else "理由不充分，请按原时限办理"
        self.services.decide_extension(ext, self.supervisor, approve, note)
        self.stats["extensions_approved" if approve else "extensions_rejected"] += 1

    def reply(self, story: Story, handler) -> None:
        rng = self.rng
        appeal = story.appeal
        measure = story.text[5]
        local = timezone.localtime(self.services._now())
        text = (f"您好！您反映的“{appeal.title}”问题已收悉。{local.month}月{local.day}日，我单位工作人员进行了核查，"
                f"{rng.choice(FINDINGS)}。处理情况：{measure}。{rng.choice(CLOSINGS)}")
        if story.round > 0:
            text = "针对您再次反映的情况，" + text
        resolved = rng.random() < 0.88
        photos = {}
        if resolved and self.photo_replies < demo_photos.MAX_REPLIES_WITH_PHOTOS and self.photo_rng.random() < 0.15:
            photos = demo_photos.before_and_after(self.photo_rng, appeal.tracking_number)  # public: the citizen sees them
            self.photo_replies += 1
        answer = self.services.reply(appeal, handler, text, resolved=resolved, public_photos=bool(photos), **photos)
        if story.no_rating:
            return  # the follow-up window runs out; the nightly sweep closes it
        when = self.later(answer.created_at, 3, 96, office=False)
        by_phone = story.channel in ("phone", "letter", "visit") or appeal.anonymous or self.rng.random() < 0.3
        if by_phone:
            when = self.office(when)  # the operator's follow-up call
        elif timezone.localtime(when).hour < 7:
            when += dt.timedelta(hours=7)
        self.at(when, self.rate, story, by_phone)

    def rate(self, story: Story, by_phone: bool) -> None:
        rng = self.rng
        if story.round < story.dissatisfied_rounds:
            satisfaction = "dissatisfied"
        else:
            satisfaction = rng.choices(["satisfied", "basic", "dissatisfied"], weights=[74, 22, 4])[0]
        comment = {"satisfied": rng.choice(["", "处理及时，谢谢！", "问题解决了，很满意"]),
                   "basic": rng.choice(["", "问题解决了一部分", "处理有点慢"]),
                   "dissatisfied": rng.choice(["问题根本没解决", "只是敷衍了事", "现场根本没人来看过"])}[satisfaction]
        appeal = self.services.follow_up(story.appeal, satisfaction, actor=self.operator if by_phone else None,
                                         via="phone" if by_phone else "web", comment=comment)
        story.appeal = appeal
        self.stats[f"rated_{satisfaction}"] += 1
        if appeal.status == "dispatched":  # reopened (重办): the department gets it again
            story.round += 1
            self.stats["reopened"] += 1
            self.schedule_acknowledge(story, self.services._now())

    def sweep(self, when: dt.datetime) -> None:
        svc = self.services
        svc.sweep_deadlines(now=when)
        if timezone.localtime(when).hour < 4:
            self.stats["auto_closed"] += svc.auto_close_unrated(now=when)
        # Supervisors act on part of the newly late appeals: a supervision order or a leader's urge.
        late = Appeal.objects.filter(due_state=DueState.OVERDUE, status__in=["dispatched", "handling"]).exclude(
            pk__in=self.seen_overdue).values_list("pk", flat=True)
        for pk in list(late):
            self.seen_overdue.add(pk)
            r = self.rng.random()
            appeal = Appeal.objects.get(pk=pk)
            if r < 0.3:
                self.at(self.later(when, 1, 30), self.supervise, appeal)
            elif r < 0.4:
                self.at(self.later(when, 1, 30), self.leader_urge, appeal)

    def supervise(self, appeal) -> None:
        self.services.supervise(appeal, self.supervisor, "超期未办结，请主办单位说明原因并限期办结")
        self.stats["supervised"] += 1

    def leader_urge(self, appeal) -> None:
        self.services.urge(appeal, self.leader, "请抓紧办理，尽快答复群众")
