"""Hot issues (热点问题): appeals about the same problem at the same place in the same period.

An appeal joins the best-matching open issue or starts a new one (single pass, in time order), so
intake stays in milliseconds; ``rebuild`` replays all appeals with document frequencies taken from
the whole set. Candidate issues come from inverted indexes (top topic words, place keys), never a
scan. The match score combines

* topic: cosine between the appeal's TF-IDF vector (jieba words, place names left out so that
  the place is counted once, below) and the issue centroid;
* place: a bonus for sharing a specific place (小区, road, school, company), a penalty when both
  name specific places and none is shared (same complaint, different 小区 = different issue);
* time: an issue only takes appeals within ``window_days`` of its last one, and the topic score is
  damped as the gap grows.

An appeal joins when topic (damped) + place term >= ``join_threshold`` (0.25): about the same
problem at the same place needs topic >= 0.15, with no place named 0.25, at another 小区 0.45.
The defaults were chosen on messages_with_support.csv with bench/hotissues.py (repeated postings
kept together vs subjects that agree within an issue).

Heat (热度), documented because supervisors will ask:
    heat = 10 * (ln(1+P) + 0.5*ln(1+V) + 0.3*ln(1+S)) * (0.5 + 0.5*R) * sqrt(min(G, 4))
with P distinct people, V appeals, S support votes, R = exp(-days since the last appeal / 90)
recency, G = (appeals in the last 14 days + 1) / (appeals in the 14 days before + 1) growth, all
measured at ``now`` (default: the latest appeal seen). People weigh more than volume because one
person posting ten times is not ten people; votes count less than either because they are cheap.
"""
from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from .duplicates import Appeal, normalise_user
from .places import Place, cut_words, extract_places, normalise, shared_places

__all__ = ["HotIssue", "HotIssueIndex", "GroupSignal", "Alert", "AlertThresholds", "group_signals",
           "alert_checks", "tokenize", "appeal_tokens"]

_STOP = set("""
领导 您好 你好 尊敬 请问 希望 问题 反映 我们 他们 你们 相关 部门 政府 谢谢 情况 没有 现在 一个 可以 什么
这个 那个 已经 进行 要求 市民 群众 目前 能够 是否 如何 为什么 怎么 非常 严重 我家 自己 以及 还是 但是 因为
所以 如果 这样 这些 那些 一直 很多 时候 今年 去年 之后 之前 同时 其中 通过 关于 对于 根据 或者 而且 然后
以后 一下 一些 不能 不是 没有 已经 还有 这里 那里 有关 工作 单位 人员 处理 解决 投诉 举报 咨询 建议 恳请
麻烦 请求 强烈 回复 答复 留言 感谢 书记 市长 局长 主任 得到 导致 造成 影响 存在 出现 发现 需要 应该 只能
只有 就是 不到 不会 不要 无法 加快 力度 步伐 有何 具体 行动 背景 每天 每次 几年 多年 一年 一次 反复 多次 本人 业主们 居民们 大家 附近 周边
""".split())
_WORD_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]+$")
_ADMIN_RE = re.compile(r"[A-Z][0-9]{0,2}[市区县]")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def appeal_tokens(appeal: Appeal, title_weight: int = 2) -> list[str]:
    """The subject states the problem in a dozen characters; long details dilute it, so it counts extra."""
    extra = tokenize(appeal.title) * title_weight if appeal.title else []
    return extra + tokenize(appeal.text)


def tokenize(text: str) -> list[str]:
    """Content words for topic similarity: jieba words of 2+ characters minus appeal boilerplate."""
    text = _ADMIN_RE.sub(" ", normalise(text))
    return [w for w in cut_words(text) if len(w) >= 2 and w not in _STOP and _WORD_RE.match(w)]


# --------------------------------------------------------------------------------------------
# group-incident signals
@dataclass(frozen=True)
class GroupSignal:
    kind: str  # petition | banner | blockade | siege | wages | self_harm | protest | many_people
    label: str  # Chinese label shown to supervisors
    text: str  # the words that matched


_NUM = r"(?:[0-9]{2,}|数十|几十|上百|数百|几百|上千|数千|近百|百余|千余|近千|[二三四五六七八九]十多?|一百多?)"
_SIGNALS: list[tuple[str, str, re.Pattern]] = [
    ("petition", "集体上访", re.compile(r"集体上访|集体信访|联名上访|组织上访|群体上访|集体到.{0,6}上访|群访|越级上访|进京上访")),
    ("banner", "拉横幅", re.compile(r"[拉挂打举扯]起?(?:了)?横幅|[拉挂打举]条幅|标语牌")),
    ("blockade", "堵路", re.compile(r"堵路|堵塞道路|堵住道路|拦路|封堵道路|堵门|堵住大门|堵了大门|拦车|堵铁路|卧轨")),
    ("siege", "围堵", re.compile(r"围堵|围攻|包围|静坐|聚集|冲击政府|冲击.{0,4}机关|打砸")),
    ("wages", "讨薪", re.compile(r"讨薪|讨要工资|追讨工资|拖欠.{0,6}工资|欠薪|工资.{0,6}(?:拖欠|不发|未发|没发|拿不到)|讨要.{0,4}工钱")),
    ("self_harm", "跳楼/轻生", re.compile(r"跳楼|跳河|跳桥|自杀|轻生|寻死|喝农药|服毒|自焚|以死相逼|以死明志|不想活|活不下去|同归于尽")),
    ("protest", "游行/罢工", re.compile(r"游行|示威|罢工|罢课|罢市|集会")),
    ("many_people", "人数众多", re.compile(
        _NUM + r"(?:名|户|人|位|家|个)(?:业主|村民|居民|工人|农民工|职工|员工|学生|家长|老人|群众|住户|购房者|投资人|受害人|师生)?"
        r"|全体(?:业主|村民|居民|职工|员工|工人|家长|住户)|众多(?:业主|村民|居民|受害者|群众)|广大(?:业主|受害者|村民)"
        r"|大批(?:业主|村民|群众|工人)|上百名?|成百上千")),
]
_MANY_MIN = 20  # "12户" is not a crowd; "185户居民" is


def _count_of(text: str) -> int | None:
    m = re.match(r"[0-9]+", text)
    return int(m.group(0)) if m else None


def group_signals(text: str) -> list[GroupSignal]:
    """Words that show an individual problem turning collective (防止个别问题群体化)."""
    text = normalise(text)
    found: list[GroupSignal] = []
    for kind, label, pattern in _SIGNALS:
        for m in pattern.finditer(text):
            word = m.group(0)
            if kind == "many_people":
                n = _count_of(word)
                if n is not None and (n < _MANY_MIN or re.match(r"[0-9]+(?:个)$", word)):
                    continue
                # years and amounts: "2019年" never reaches here, but "100家" of shops is fine
            if kind == "siege" and word in ("包围", "聚集") and not re.search(
                    r"(?:人|群众|业主|村民|工人)[^，。]{0,6}" + word + "|" + word + r"[^，。]{0,6}(?:政府|门口|大门|办公)", text):
                continue  # "聚集区", "包围圈" without people or a government door are not a crowd
            found.append(GroupSignal(kind, label, word))
            break
    return found


# --------------------------------------------------------------------------------------------
_PLACE_RANK = {"community": 0, "school": 1, "hospital": 1, "company": 2, "road": 3, "street": 3,
               "township": 4, "district": 5, "city": 6}
_TITLE_EXACT_UP_TO = 64  # members; above it the title is re-chosen over all members when the issue doubles


@dataclass
class HotIssue:
    """One issue. Every read a new member triggers (size, people, heat, place, title, terms, the
    alert counts) costs O(log n) or amortised O(1) in the issue's size n: an intake that joins an
    issue of 2,000 appeals costs what one that joins an issue of 2 does."""

    id: int
    members: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)  # kept sorted: windows are counted by bisection
    users: set[str] = field(default_factory=set)
    support: int = 0
    places: Counter = field(default_factory=Counter)  # place key -> appeals naming it
    place_names: dict = field(default_factory=dict)  # place key -> (kind, display name)
    centroid: dict = field(default_factory=dict)
    norm2: float = 0.0
    vectors: list[dict] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    anonymous: int = 0  # members without a user key: each counts as a person of their own
    last_join_new_person: bool = True  # whether the latest member added a person to the count
    # (-count, first mention, key) for every place, in order: the most named places come first
    _place_order: list = field(default_factory=list, repr=False)
    _first_seen: dict = field(default_factory=dict, repr=False)  # place key -> order of first mention
    _indexed_terms: set = field(default_factory=set, repr=False)  # where the index lists this issue
    _indexed_places: set = field(default_factory=set, repr=False)
    _title: tuple = field(default=(0, 0, 0), repr=False)  # (size at the last full pass, members checked, best)
    _terms: tuple = field(default=(0, 0, ()), repr=False)  # (size, k, terms)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def distinct_people(self) -> int:
        return len(self.users) + self.anonymous

    # -- places -----------------------------------------------------------------------------
    def _count_place(self, key: str, kind: str, name: str) -> None:
        """One more member names this place: its count and its position in the order move together."""
        first = self._first_seen.setdefault(key, len(self._first_seen))
        self.place_names.setdefault(key, (kind, name))
        old = self.places[key]
        if old:
            del self._place_order[bisect_left(self._place_order, (-old, first, key))]
        self.places[key] = old + 1
        insort(self._place_order, (-(old + 1), first, key))

    def _reorder_places(self) -> None:
        """After counts changed wholesale (two issues merged)."""
        self._first_seen = {k: i for i, k in enumerate(self.place_names)}
        self._place_order = sorted((-c, self._first_seen[k], k) for k, c in self.places.items())

    def _named_at_least(self, need: float):
        """The places named by at least `need` members, most named first (a prefix of the order)."""
        for neg, _first, key in self._place_order:
            if -neg < need:
                return
            yield key, -neg

    @property
    def place(self) -> str:
        """The place most members name; among equals the more specific (a 小区 before a road before a district)."""
        if not self._place_order:
            return ""
        top = -self._place_order[0][0]
        tied = [k for k, _ in self._named_at_least(top)]
        best = min(tied, key=lambda k: _PLACE_RANK.get(self.place_names[k][0], 6))
        return self.place_names[best][1]

    def core_places(self, kinds) -> set[str]:
        """Places a good share of the members name: what the issue is about, not every aside."""
        need = max(1.0, 0.25 * self.size)
        return {k for k, _ in self._named_at_least(need) if self.place_names[k][0] in kinds}

    # -- subject and terms ------------------------------------------------------------------
    def _closeness(self, i: int, norm: float) -> float:
        return sum(w * self.centroid.get(t, 0.0) for t, w in self.vectors[i].items()) / norm

    @property
    def title(self) -> str:
        """The subject of the member closest to the centroid: a real sentence, not a word list.

        Exact while the issue is small; above that, new members are compared with the current
        choice as they come, and all members again whenever the issue has doubled (amortised O(1)
        a member): the centroid of a large issue moves little with one more appeal."""
        n = len(self.vectors)
        if not n:
            return ""
        norm = math.sqrt(self.norm2) or 1.0
        full_at, checked, best = self._title
        if n <= _TITLE_EXACT_UP_TO or n >= 2 * full_at or best >= n:
            best = max(range(n), key=lambda i: (self._closeness(i, norm), -i))
            self._title = (n, n, best)
        elif checked < n:
            score = self._closeness(best, norm)
            for i in range(checked, n):
                s = self._closeness(i, norm)
                if s > score:
                    best, score = i, s
            self._title = (full_at, n, best)
        return self.titles[best]

    def top_terms(self, k: int = 5) -> list[str]:
        """The centroid's heaviest terms, re-ranked when the issue has grown by a sixteenth since."""
        size, cached_k, terms = self._terms
        if cached_k == k and terms and self.size - size < max(1, size // 16):
            return list(terms)
        # nlargest keeps equal weights in insertion order, as a stable sort would
        terms = tuple(t for t, _ in heapq.nlargest(k, self.centroid.items(), key=lambda kv: kv[1]))
        self._terms = (self.size, k, terms)
        return list(terms)

    # -- time -------------------------------------------------------------------------------
    def count_between(self, after: datetime, until: datetime) -> int:
        """Members with after < time <= until (bisection over the sorted times)."""
        return bisect_right(self.times, until) - bisect_right(self.times, after)

    def heat(self, now: datetime | None = None) -> float:
        now = now or self.end
        if now is None:
            return 0.0
        people = self.distinct_people
        recency = math.exp(-max(0.0, (now - self.end).total_seconds()) / 86400 / 90) if self.end else 0.0
        recent = self.count_between(now - timedelta(days=14), now)
        before = self.count_between(now - timedelta(days=28), now - timedelta(days=14))
        growth = (recent + 1) / (before + 1)
        base = math.log1p(people) + 0.5 * math.log1p(self.size) + 0.3 * math.log1p(max(0, self.support))
        return 10 * base * (0.5 + 0.5 * recency) * math.sqrt(min(growth, 4.0))


@dataclass
class Alert:
    kind: str  # growth | people | size | group_signal
    message: str  # Chinese, for the supervisor


@dataclass
class AlertThresholds:
    window_days: int = 7
    growth: int = 5  # appeals within the window
    distinct_people: int = 10
    size: int = 30


def alert_checks(issue: HotIssue, thresholds: AlertThresholds | None = None, now: datetime | None = None,
                 texts: list[str] | None = None) -> list[Alert]:
    """Why this issue should reach a supervisor now; empty when it should not."""
    th = thresholds or AlertThresholds()
    now = now or issue.end
    alerts: list[Alert] = []
    if now is not None:
        recent = issue.count_between(now - timedelta(days=th.window_days), now)
        if recent >= th.growth:
            alerts.append(Alert("growth", f"{th.window_days}天内新增{recent}件诉求（阈值{th.growth}）"))
    if issue.distinct_people >= th.distinct_people:
        alerts.append(Alert("people", f"涉及{issue.distinct_people}名不同诉求人（阈值{th.distinct_people}）"))
    if issue.size >= th.size:
        alerts.append(Alert("size", f"累计{issue.size}件诉求（阈值{th.size}）"))
    for text in texts or []:
        for sig in group_signals(text):
            alerts.append(Alert("group_signal", f"出现群体性风险信号：{sig.label}（“{sig.text}”）"))
    return alerts


# --------------------------------------------------------------------------------------------
# 街道 and 镇 are administrative areas: sharing one does not make two problems the same place.
_SPECIFIC = {"road", "community", "school", "company", "hospital"}
_PHYSICAL = {"road", "community", "school", "hospital"}


class HotIssueIndex:
    """Incremental clustering of appeals into hot issues."""

    def __init__(self, window_days: float = 90, join_threshold: float = 0.25, place_bonus: float = 0.1,
                 place_penalty: float = 0.2, max_terms: int = 40, probe_terms: int = 8,
                 merge_threshold: float | None = 0.5, merge_place_bonus: float = 0.15,
                 place_words_in_topic: bool = False):
        self.window = timedelta(days=window_days)
        self.join_threshold = join_threshold
        self.place_bonus = place_bonus
        self.place_penalty = place_penalty
        self.max_terms = max_terms
        self.probe_terms = probe_terms
        self.merge_threshold = merge_threshold
        self.merge_place_bonus = merge_place_bonus
        self.place_words_in_topic = place_words_in_topic
        self.reset()

    def reset(self) -> None:
        self.issues: dict[int, HotIssue] = {}
        self.issue_of: dict[str, int] = {}
        self._df: Counter = Counter()
        self._n_docs = 0
        self._frozen_df: Counter | None = None
        self._by_term: dict[str, set[int]] = {}
        self._by_place: dict[str, set[int]] = {}
        self._latest: datetime | None = None

    # -- features ---------------------------------------------------------------------------
    def _vector(self, tokens: list[str]) -> dict[str, float]:
        df, n = (self._frozen_df, self._frozen_n) if self._frozen_df is not None else (self._df, self._n_docs)
        tf = Counter(tokens)
        vec = {t: (1 + math.log(c)) * (math.log((n + 1) / (df.get(t, 0) + 1)) + 1) for t, c in tf.items()}
        if len(vec) > self.max_terms:
            vec = dict(sorted(vec.items(), key=lambda kv: -kv[1])[: self.max_terms])
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {t: w / norm for t, w in vec.items()}

    # -- writes -----------------------------------------------------------------------------
    def add(self, appeal: Appeal, places: list[Place] | None = None, tokens: list[str] | None = None) -> int:
        """File the appeal under an issue (existing or new); returns the issue id."""
        if places is None:
            places = extract_places(appeal.text)
        if tokens is None:
            tokens = appeal_tokens(appeal)
        if not self.place_words_in_topic:
            tokens = self._without_place_words(tokens, places)
        if self._frozen_df is None:
            self._df.update(set(tokens))
            self._n_docs += 1
        vec = self._vector(tokens)
        specific = {p.key for p in places if p.kind in _SPECIFIC}
        physical = {p.key for p in places if p.kind in _PHYSICAL}
        districts = {p.key for p in places if p.kind == "district"}
        when = appeal.time

        candidates: set[int] = set()
        for term, _ in sorted(vec.items(), key=lambda kv: -kv[1])[: self.probe_terms]:
            candidates |= self._by_term.get(term, set())
        for key in specific:
            candidates |= self._by_place.get(key, set())

        best, best_score = None, self.join_threshold
        for iid in candidates:
            issue = self.issues[iid]
            gap = self._gap(issue, when)
            if gap is None:
                continue
            norm = math.sqrt(issue.norm2) or 1.0
            topic = sum(w * issue.centroid.get(t, 0.0) for t, w in vec.items()) / norm
            issue_specific = issue.core_places(_SPECIFIC)
            score = topic * (1.0 - 0.5 * gap / self.window.total_seconds())
            if specific and issue_specific:
                if shared_places(specific, issue_specific):
                    score += self.place_bonus
                elif physical and issue.core_places(_PHYSICAL):
                    # Companies only earn the bonus: appeals name developers, banks and property
                    # firms in passing, so a different company is no proof of a different problem.
                    score -= self.place_penalty
            issue_districts = issue.core_places({"district"})
            if districts and issue_districts and not districts & issue_districts:
                score -= self.place_penalty / 2
            if score > best_score:
                best, best_score = iid, score
        if best is None:
            best = len(self.issues) + 1
            while best in self.issues:
                best += 1
            self.issues[best] = HotIssue(best)
        self._join(self.issues[best], appeal, places, vec)
        self.issue_of[str(appeal.id)] = best
        if when is not None and (self._latest is None or when > self._latest):
            self._latest = when
        return best

    @staticmethod
    def _without_place_words(tokens: list[str], places: list[Place]) -> list[str]:
        """Topic is the problem, not the place: place names are scored by the place term alone, or
        two different problems at one 小区 would look alike twice over."""
        names = [p.name for p in places if p.kind in _SPECIFIC or p.kind in ("street", "township")]
        if not names:
            return tokens
        return [t for t in tokens if not any(t in n for n in names)]

    def _gap(self, issue: HotIssue, when: datetime | None) -> float | None:
        """Seconds from the issue's period to the appeal, or None when outside the window."""
        if when is None or not issue.times:
            return 0.0
        start, end = issue.start, issue.end
        if start <= when <= end:
            return 0.0
        gap = (when - end) if when > end else (start - when)
        return gap.total_seconds() if gap <= self.window else None

    def _join(self, issue: HotIssue, appeal: Appeal, places: list[Place], vec: dict[str, float]) -> None:
        issue.members.append(str(appeal.id))
        issue.titles.append(appeal.title or appeal.text[:40])
        if appeal.time is not None:
            if not issue.times or appeal.time >= issue.times[-1]:
                issue.times.append(appeal.time)  # the usual case: appeals come in time order
            else:
                insort(issue.times, appeal.time)
            issue.start = appeal.time if issue.start is None else min(issue.start, appeal.time)
            issue.end = appeal.time if issue.end is None else max(issue.end, appeal.time)
        user = normalise_user(appeal.user)
        issue.last_join_new_person = not user or user not in issue.users
        if user:
            issue.users.add(user)
        else:
            issue.anonymous += 1
        issue.support += int(appeal.support or 0)
        for p in {p.key: p for p in places}.values():
            issue._count_place(p.key, p.kind, p.name)
            if p.kind in _SPECIFIC:
                self._by_place.setdefault(p.key, set()).add(issue.id)
                issue._indexed_places.add(p.key)
        for t, w in vec.items():
            old = issue.centroid.get(t, 0.0)
            issue.centroid[t] = old + w
            issue.norm2 += (old + w) ** 2 - old * old
        issue.vectors.append(vec)
        for t, _ in heapq.nlargest(self.probe_terms, vec.items(), key=lambda kv: kv[1]):
            self._by_term.setdefault(t, set()).add(issue.id)
            issue._indexed_terms.add(t)

    def rebuild(self, appeals: list[Appeal], places: list[list[Place]] | None = None,
                tokens: list[list[str]] | None = None) -> list[HotIssue]:
        """Cluster a whole set afresh (the nightly task): time order, document frequencies of all of it."""
        self.reset()
        places = places if places is not None else [extract_places(a.text) for a in appeals]
        tokens = tokens if tokens is not None else [appeal_tokens(a) for a in appeals]
        for toks, pl in zip(tokens, places):
            self._df.update(set(toks if self.place_words_in_topic else self._without_place_words(toks, pl)))
        self._n_docs = len(appeals)
        self._frozen_df, self._frozen_n = self._df, self._n_docs
        order = sorted(range(len(appeals)), key=lambda i: (appeals[i].time or datetime.min, str(appeals[i].id)))
        for i in order:
            self.add(appeals[i], places[i], tokens[i])
        self._frozen_df = None  # later intake keeps counting
        if self.merge_threshold is not None:
            self._merge_pass()
        return self.ranked()

    def _merge_pass(self) -> None:
        """Join issues the single pass split (its result depends on arrival order): similar centroids,
        overlapping periods, no clash of core places. Candidates come from the term index."""
        order = sorted(self.issues, key=lambda i: -self.issues[i].size)
        for iid in order:
            issue = self.issues.get(iid)
            if issue is None:
                continue
            cands: set[int] = set()
            for t in issue.top_terms(self.probe_terms):
                cands |= self._by_term.get(t, set())
            best, best_score = None, self.merge_threshold
            for cid in cands:
                other = self.issues.get(cid)
                if other is None or cid == iid:
                    continue
                if other.start - issue.end > self.window or issue.start - other.end > self.window:
                    continue
                mine, theirs = issue.core_places(_PHYSICAL), other.core_places(_PHYSICAL)
                shared = shared_places(mine, theirs)
                if mine and theirs and not shared:
                    continue
                dot = sum(w * other.centroid.get(t, 0.0) for t, w in issue.centroid.items())
                cos = dot / ((math.sqrt(issue.norm2) * math.sqrt(other.norm2)) or 1.0)
                if shared:
                    cos += self.merge_place_bonus
                if cos > best_score:
                    best, best_score = cid, cos
            if best is not None:
                self._absorb(self.issues[best], issue)

    def _absorb(self, into: HotIssue, issue: HotIssue) -> None:
        into.members += issue.members
        into.titles += issue.titles
        into.times = sorted(into.times + issue.times)
        if into.times:
            into.start, into.end = into.times[0], into.times[-1]
        into.users |= issue.users
        into.anonymous += issue.anonymous
        into.support += issue.support
        into.places.update(issue.places)
        for k, v in issue.place_names.items():
            into.place_names.setdefault(k, v)
        into._reorder_places()
        into._title = into._terms = (0, 0, 0)
        for t, w in issue.centroid.items():
            old = into.centroid.get(t, 0.0)
            into.centroid[t] = old + w
            into.norm2 += (old + w) ** 2 - old * old
        into.vectors += issue.vectors
        for m in issue.members:
            self.issue_of[m] = into.id
        for index, keys, into_keys in ((self._by_term, issue._indexed_terms, into._indexed_terms),
                                       (self._by_place, issue._indexed_places, into._indexed_places)):
            for key in keys:
                ids = index[key]
                ids.discard(issue.id)
                ids.add(into.id)
            into_keys |= keys
        del self.issues[issue.id]

    # -- reads ------------------------------------------------------------------------------
    def ranked(self, min_size: int = 1, now: datetime | None = None) -> list[HotIssue]:
        """Issues hottest first."""
        now = now or self._latest
        issues = [i for i in self.issues.values() if i.size >= min_size]
        return sorted(issues, key=lambda i: (-i.heat(now), -i.size, i.id))

    def heat(self, issue_id: int, now: datetime | None = None) -> float:
        return self.issues[issue_id].heat(now or self._latest)
