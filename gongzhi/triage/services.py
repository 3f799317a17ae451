"""Triage inside the platform: runs at intake, keeps hot issues and alerts, trains the classifier.

The analysis itself is pure Python in this package (classifier, duplicates, hotissues, risk);
this module adapts appeals to plain data, keeps the in-process indexes warm and writes the results
through the services that own the rows.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery, UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext

from gongzhi.appeals import services as appeal_services
from gongzhi.appeals.models import Appeal, Category, Status
from gongzhi.core.errors import ActionRefused

from .alerts import raise_alert
from .suggesting import maybe_auto_dispatch, returned_by, routing_feedback, suggestions_for  # noqa: F401
from .models import Alert, ClassifierVersion, HotIssue

log = logging.getLogger(__name__)
MODELS_DIR = Path(settings.DATA_DIR) / "models"
WINDOW_DAYS = 365
HIGH_RISK = 70
MODEL_CHECK_SECONDS = 10.0  # how stale this process's view of the active model and categories may be
ROUTING_CHECK_SECONDS = 300.0  # how stale this process's routing feedback (accepted/returned counts) may be
TRAIN_LIMIT = 50_000  # the most recent closed appeals: enough to learn from, bounded at city scale
# Several app processes each keep their own indexes; before filing an appeal a process files the ones
# the others took in since it last looked: every appeal above its highest known id less this margin
# (ids are drawn before commit, so a later id may commit first; this many may be in flight at once).
CATCH_UP_MARGIN = 256


def _plain(appeal: Appeal):
    from .duplicates import Appeal as PlainAppeal

    return PlainAppeal(
        id=str(appeal.pk), text=f"{appeal.title}\n{appeal.content}",
        time=timezone.localtime(appeal.received_at).replace(tzinfo=None),
        user=appeal.appellant_phone or (f"user:{appeal.appellant_user_id}" if appeal.appellant_user_id else None),
        title=appeal.title,
    )


def _plain_row(pk, title, content, received_at, phone, user_id):
    from .duplicates import Appeal as PlainAppeal

    return PlainAppeal(id=str(pk), text=f"{title}\n{content}",
                       time=timezone.localtime(received_at).replace(tzinfo=None),
                       user=phone or (f"user:{user_id}" if user_id else None), title=title)


def _features(plain):
    """The text analysis an appeal needs for both indexes, done once and outside any lock."""
    from .hotissues import appeal_tokens
    from .places import extract_places

    return extract_places(plain.text), appeal_tokens(plain)


class _Built:
    """One pair of indexes over the last year, and which appeals it holds."""

    def __init__(self, duplicates, hot, members: set[str], high_water: int = 0):
        self.duplicates, self.hot, self.members = duplicates, hot, members
        self.high_water = max([high_water, *(int(m) for m in members)])  # the highest appeal id known
        self.passed: set[int] = set()  # ids seen by a catch-up that the window leaves out (merged, old)

    def add(self, plain, places, tokens):
        """File an appeal (intake); returns (duplicate candidates, its hot issue)."""
        from .places import place_keys

        if plain.id in self.members:  # filed before (a retried intake): look it up, do not count it twice
            found = [c for c in self.duplicates.query(plain, places=place_keys(places), limit=6) if c.id != plain.id]
            return found[:5], self.hot.issues.get(self.hot.issue_of.get(plain.id))
        self.members.add(plain.id)
        self.high_water = max(self.high_water, int(plain.id))
        duplicates = self.duplicates.check(plain, places=place_keys(places), limit=5)
        issue = self.hot.issues.get(self.hot.add(plain, places, tokens))
        return duplicates, issue


def _build(exclude_id: int | None = None) -> _Built:
    """Read the last year's appeals and index them (no lock held: requests go on meanwhile)."""
    from .duplicates import DuplicateIndex
    from .hotissues import HotIssueIndex
    from .places import place_keys

    since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
    high_water = Appeal.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rows = (Appeal.objects.filter(received_at__gte=since).exclude(status=Status.MERGED).exclude(pk=exclude_id)
            .order_by("received_at", "id")
            .values_list("id", "title", "content", "received_at", "appellant_phone", "appellant_user_id"))
    plain = [_plain_row(*row) for row in rows.iterator(chunk_size=2000)]
    features = [_features(p) for p in plain]
    duplicates, hot = DuplicateIndex(window_days=WINDOW_DAYS), HotIssueIndex()
    for p, (places, _tokens) in zip(plain, features):
        duplicates.add(p, places=place_keys(places))
    hot.rebuild(plain, [f[0] for f in features], [f[1] for f in features])
    return _Built(duplicates, hot, {p.id for p in plain}, high_water)


class _Indexes:
    """The duplicate and hot-issue indexes of this process over the last year.

    `gongzhi serve` and `gongzhi worker` build them before they take work (`warm`); elsewhere the
    first intake builds them. A build never holds the lock requests use: a rebuild makes a new pair
    beside the one in use, replays what intake filed meanwhile and swaps it in, so a request waits
    for a build only when this process has no index at all yet (and then only one build runs).
    """

    def __init__(self):
        self.lock = threading.RLock()  # held for index reads and writes only: no database work inside
        self._build_lock = threading.Lock()  # one build at a time
        self.current: _Built | None = None
        self._filed_meanwhile: list | None = None  # (plain, places, tokens) filed while a build runs
        self.classifier = None
        self.classifier_version = None
        self.classifier_checked = 0.0
        self._roots = None
        self._routing = None
        self._build_started = float("-inf")
        # Appeals this process received whose own intake triage is running: that intake files them,
        # so a concurrent catch-up leaves them alone (else it would read and analyse them again).
        self.in_flight: set[int] = set()

    @property
    def duplicates(self):
        return self.current.duplicates if self.current else None

    @property
    def hot(self):
        return self.current.hot if self.current else None

    def reset(self):
        with self.lock:
            self.current = None
            self.classifier = self.classifier_version = None
            self.classifier_checked, self._roots, self._routing = 0.0, None, None

    def ensure(self, exclude_id: int | None = None) -> _Built:
        """The indexes, built first if this process has none; `exclude_id` (the appeal being
        received) is left out, as its caller files it."""
        current = self.current
        if current is not None:
            return current
        with self._build_lock:
            if self.current is None:
                self._swap_in(self._build_beside(exclude_id))
            return self.current

    def rebuild(self) -> _Built:
        """A fresh build from the database, swapped in for the one in use. A build that started
        after this was asked for (the worker's warm-up, another rebuild) is fresh enough: reused."""
        asked = time.monotonic()
        with self._build_lock:
            if self.current is not None and self._build_started >= asked:
                return self.current
            self._swap_in(self._build_beside(None))
            return self.current

    def _build_beside(self, exclude_id):
        with self.lock:
            self._build_started = time.monotonic()
            self._filed_meanwhile = []
        try:
            return _build(exclude_id)
        except BaseException:
            with self.lock:
                self._filed_meanwhile = None
            raise

    def _swap_in(self, built: _Built) -> None:
        with self.lock:
            for plain, places, tokens in self._filed_meanwhile or ():
                if plain.id not in built.members:
                    built.add(plain, places, tokens)
            self._filed_meanwhile = None
            self.current = built

    def catch_up(self, built: _Built, own: int | None = None) -> int:
        """File the appeals other processes took in since this one last looked, in id order (the
        database is what the processes share); returns how many. One indexed read of the newest ids."""
        # a plain statement: it returns up to CATCH_UP_MARGIN ids at every intake, which the ORM's
        # row iteration would turn into a millisecond of Python per request
        table, qn = Appeal._meta.db_table, connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {qn('id')} FROM {qn(table)} WHERE {qn('id')} > %s",
                           [built.high_water - CATCH_UP_MARGIN])
            ids = [row[0] for row in cursor.fetchall()]
        in_flight = self.in_flight
        unknown = [i for i in ids if i != own and i not in in_flight and str(i) not in built.members
                   and i not in built.passed]
        if not unknown:
            return 0
        since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
        rows = (Appeal.objects.filter(pk__in=unknown, received_at__gte=since).exclude(status=Status.MERGED)
                .order_by("id").values_list("id", "title", "content", "received_at", "appellant_phone",
                                            "appellant_user_id"))
        plain = [_plain_row(*row) for row in rows]
        features = [_features(p) for p in plain]  # outside the lock
        with self.lock:
            built.passed.update(set(unknown) - {int(p.id) for p in plain})
            for p, (places, tokens) in zip(plain, features):
                if p.id not in built.members:
                    if self._filed_meanwhile is not None:
                        self._filed_meanwhile.append((p, places, tokens))
                    built.add(p, places, tokens)
            built.high_water = max(built.high_water, *unknown)
        return len(plain)

    def file(self, plain, places, tokens):
        """Intake: duplicates of the appeal and the hot issue it joined (it is added to both)."""
        built = self.ensure(exclude_id=int(plain.id))
        self.catch_up(built, own=int(plain.id))
        with self.lock:
            if self._filed_meanwhile is not None:
                self._filed_meanwhile.append((plain, places, tokens))
            built = self.current or built
            duplicates, issue = built.add(plain, places, tokens)
            # what the database row needs, read while no other intake changes the issue
            seen = _IssueView(issue, plain) if issue is not None else None
        return duplicates, seen

    def query(self, plain, places):
        from .places import place_keys

        built = self.ensure()
        self.catch_up(built)
        with self.lock:
            return [c for c in built.duplicates.query(plain, places=place_keys(places), limit=6)
                    if c.id != plain.id][:5]

    def model(self):
        """The active classifier, loaded once per version; which version is active is read again
        at most every MODEL_CHECK_SECONDS (registering a model in this process takes effect at once)."""
        from .classifier import TextClassifier

        now = time.monotonic()
        with self.lock:
            if self.classifier_checked and now - self.classifier_checked < MODEL_CHECK_SECONDS:
                return self.classifier
        active = ClassifierVersion.objects.filter(active=True).only("version", "path").first()
        with self.lock:
            if active is None:
                self.classifier = self.classifier_version = None
                self.classifier_checked = now
                return None
            if active.version == self.classifier_version:
                self.classifier_checked = now
                return self.classifier
        loaded = TextClassifier.load(active.path)  # outside the lock: requests keep the model they have
        with self.lock:
            self.classifier, self.classifier_version, self.classifier_checked = loaded, active.version, now
            return loaded

    def forget_model(self) -> None:
        with self.lock:
            self.classifier_version = None
            self.classifier_checked = 0.0

    def root_categories(self) -> dict:
        """First-level categories by name, read at most every MODEL_CHECK_SECONDS."""
        return self._categories()[1]

    def categories(self) -> dict:
        """Categories by the label the classifier uses: a first level by its name, a second level
        by "first > second" (classifier.LEVEL_SEP), read at most every MODEL_CHECK_SECONDS."""
        return self._categories()[2]

    def _categories(self):
        from .classifier import LEVEL_SEP

        now = time.monotonic()
        cached = self._roots
        if cached is not None and now - cached[0] < MODEL_CHECK_SECONDS:
            return cached
        rows = list(Category.objects.filter(parent__parent__isnull=True).select_related("default_department", "parent"))
        roots = {c.name: c for c in rows if c.parent_id is None}
        by_label = {**{f"{c.parent.name}{LEVEL_SEP}{c.name}": c for c in rows if c.parent_id}, **roots}
        self._roots = (now, roots, by_label)
        return self._roots

    def routing(self) -> dict:
        """Routing feedback: {category id: {department id: (accepted, returned)}} over lead
        assignments of the last year, read at most every ROUTING_CHECK_SECONDS."""
        now = time.monotonic()
        cached = self._routing
        if cached is not None and now - cached[0] < ROUTING_CHECK_SECONDS:
            return cached[1]
        feedback = routing_feedback()
        self._routing = (now, feedback)
        return feedback


class _IssueView:
    """A hot issue as it stood right after an appeal joined it (the index changes on): what its
    database row needs, every figure O(1) or O(log n) in the issue's size."""

    def __init__(self, issue, plain):
        from .hotissues import alert_checks

        self._issue = issue
        self.key = int(issue.members[0])
        self.size = issue.size
        self.title = issue.title
        self.place = issue.place
        self.start, self.end = issue.start, issue.end
        self.distinct_people = issue.distinct_people
        self.new_person = issue.last_join_new_person
        self.heat = round(issue.heat(), 3)
        self.terms = issue.top_terms(8)
        self.alert_reasons = [a.message for a in alert_checks(issue, now=plain.time) if a.kind != "group_signal"]

    def all_members(self) -> list[int]:
        """Every member's id: O(size), read only when the issue's row is first written."""
        with INDEXES.lock:
            return [int(m) for m in self._issue.members]


INDEXES = _Indexes()


def warm() -> None:
    """Build this process's indexes and load the active classifier before it takes work, so no
    request waits for them (`gongzhi serve` and `gongzhi worker` call this before they start)."""
    from .hotissues import _jieba

    _jieba()
    INDEXES.ensure()
    INDEXES.model()


def on_intake(appeal: Appeal) -> None:
    """Classify, find duplicates, score risk, update hot issues; dispatch when confident enough.

    When the analysis fails the appeal is marked (triage.failed): staff see "智能分析失败" on its page
    and in the queue, and `gongzhi triage backlog` analyses it again."""
    INDEXES.in_flight.add(appeal.pk)
    try:
        with transaction.atomic():
            _analyse(appeal, fresh=True)
    except Exception as exc:
        log.exception("triage of appeal %s failed", appeal.pk)
        _mark_failed(appeal, exc)
    finally:
        INDEXES.in_flight.discard(appeal.pk)


def _mark_failed(appeal: Appeal, exc: Exception) -> None:
    try:
        # what the analysis set on the instance was rolled back with it: the row as it stands
        appeal.refresh_from_db()
        with transaction.atomic():
            appeal_services.record_triage(appeal, {"failed": {"at": timezone.now().isoformat(timespec="seconds"),
                                                              "error": type(exc).__name__}})
    except Exception:  # the database itself is failing: the log line above is all there is
        log.exception("could not mark appeal %s as not triaged", appeal.pk)


def triage_backlog() -> int:
    """Analyse appeals waiting for dispatch that never went through intake triage (imports, the
    demo's history) or whose triage failed: suggestions, duplicates and risk for the dispatcher;
    nothing is dispatched."""
    count = 0
    for appeal in Appeal.objects.filter(status=Status.RECEIVED).order_by("received_at"):
        triage = appeal.triage or {}
        if not triage.get("risk") or triage.get("failed"):
            _analyse(appeal, fresh=False)
            count += 1
    return count


def prepare_demo() -> None:
    """After the demo's history: a classifier trained on its closed appeals, and the queue triaged."""
    train_from_database()
    triage_backlog()


def _analyse(appeal: Appeal, *, fresh: bool) -> None:
    from .hotissues import group_signals
    from .risk import score_risk

    plain = _plain(appeal)
    places, tokens = _features(plain)
    issue = None
    if fresh:
        duplicates, issue = INDEXES.file(plain, places, tokens)
    else:
        duplicates = INDEXES.query(plain, places)
    dup_rows = []
    # most appeals have no candidate: then no query is built at all (an empty IN is compiled before
    # Django finds it matches nothing)
    known = {str(a.pk): a for a in Appeal.objects.filter(pk__in=[int(c.id) for c in duplicates])
             .exclude(status=Status.MERGED).only("id", "tracking_number", "title", "status", "received_at")
             } if duplicates else {}
    for cand in duplicates:
        other = known.get(cand.id)
        if other is not None and (fresh or other.received_at <= appeal.received_at):
            dup_rows.append({"id": other.pk, "tracking_number": other.tracking_number, "title": other.title,
                             "similarity": round(cand.similarity, 3), "reason": cand.explain(),
                             "status": other.status})
    suggestions = suggestions_for(appeal)
    repeat_contacts = sum(1 for c in duplicates if "same_user" in c.reasons)
    text = f"{appeal.title}\n{appeal.content}"
    risk = score_risk(text, repeat_contacts=repeat_contacts, extra_safety=settings.GONGZHI.get("SAFETY_WORDS") or ())
    found = {"suggestions": suggestions, "duplicates": dup_rows, "risk": {"score": risk.score, "reasons": risk.reasons},
             "failed": None}
    if issue is not None:
        found["hot_issue"] = issue.key
    appeal = appeal_services.record_triage(
        appeal, found, risk_score=risk.score, urgency=risk.urgency,
        note=f"风险评分{risk.score}：{'；'.join(risk.reasons[:3])}" if risk.score >= HIGH_RISK or risk.safety else "",
    )
    signals = group_signals(text)
    if signals:
        raise_alert(Alert.Kind.GROUP_SIGNAL, f"群体性风险信号：{appeal.title}",
                    [f"{s.label}（“{s.text}”）" for s in signals], appeal=appeal, region=appeal.region,
                    level=Alert.Level.RED if len(signals) >= 2 else Alert.Level.ORANGE)
    if risk.safety:  # a danger to life: the region's supervisors are told at intake
        raise_alert(Alert.Kind.HIGH_RISK, f"安全隐患（{'、'.join(risk.safety)}）：{appeal.title}", risk.reasons,
                    appeal=appeal, region=appeal.region, level=Alert.Level.RED)
    elif risk.score >= HIGH_RISK and not signals:
        raise_alert(Alert.Kind.HIGH_RISK, f"高风险诉求：{appeal.title}", risk.reasons, appeal=appeal,
                    region=appeal.region, level=Alert.Level.ORANGE)
    if fresh:
        maybe_auto_dispatch(appeal, suggestions)
    if issue is not None:
        # Last: the issue's row stays locked until this transaction ends, and many intakes join one issue.
        hot = _persist_issue(issue, appeal)
        if issue.alert_reasons and hot.size >= 3:
            raise_alert(Alert.Kind.HOT_ISSUE, f"热点升温：{hot.title}", issue.alert_reasons, hot_issue=hot,
                        region=hot.region,
                        level=Alert.Level.ORANGE if hot.distinct_people >= 10 else Alert.Level.YELLOW)


def _aware(t):
    return timezone.make_aware(t) if t is not None and timezone.is_naive(t) else t


def _issue_fields(issue, region_id) -> dict:
    return dict(title=issue.title[:200], place=issue.place[:100], start=_aware(issue.start), end=_aware(issue.end),
                heat=issue.heat, terms=issue.terms, region_id=region_id)


def _persist_issue(issue: _IssueView, appeal: Appeal) -> HotIssue:
    """The appeal joins its hot issue's row: O(1) in the issue's size (the counts move by F()
    expressions, one membership row is inserted). The row is written whole only when the issue
    first reaches the database; the unique active key makes a concurrent second writer join the
    first one's row instead of creating another."""
    fields = _issue_fields(issue, appeal.region_id)
    if not fields["title"]:
        fields["title"] = appeal.title[:200]
    through = HotIssue.appeals.through
    person = int(issue.new_person)
    # An issue of one (this appeal, whose id is its key) has no row yet: it is written at once,
    # without first trying to count it into a row that is not there.
    alone = issue.size == 1 and issue.key == appeal.pk
    for attempt in range(3):
        if not (alone and attempt == 0):
            # Count first: the UPDATE locks the row (and waits for a rebuild's swap), so what it holds
            # cannot change before the membership below is checked and written.
            hot = _count_in(issue.key, person, fields)
            if hot is not None:
                if not _join(through, hot.pk, appeal.pk):
                    # already a member (a retried intake, or the rebuild took it in): counted once
                    HotIssue.objects.filter(pk=hot.pk).update(size=F("size") - 1,
                                                              distinct_people=F("distinct_people") - person)
                    hot.refresh_from_db(fields=["size", "distinct_people"])
                return hot
        members = _settled(issue.all_members(), appeal.pk)
        hot = _create_row(HotIssue(key=issue.key, size=len(members), distinct_people=issue.distinct_people, **fields))
        if hot is None:
            continue  # another connection created it in the meantime: join that row
        through.objects.bulk_create([through(hotissue_id=hot.pk, appeal_id=m) for m in members], ignore_conflicts=True)
        return hot
    raise RuntimeError(f"hot issue {issue.key} could be neither updated nor created")


def _count_in(key: int, person: int, fields: dict) -> HotIssue | None:
    """One more member for the active issue of `key`: its counts move by one and its figures are
    set, in one statement (UPDATE … RETURNING: the row as it now stands, no read after it). None
    when no active row has this key yet."""
    now = timezone.now()
    query = HotIssue.objects.filter(key=key, state=HotIssue.State.ACTIVE).query.chain(UpdateQuery)
    query.add_update_values({"size": F("size") + 1, "distinct_people": F("distinct_people") + person,
                             "updated_at": now, **fields})
    sql, params = query.get_compiler(connection.alias).as_sql()
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {qn('id')}, {qn('size')}, {qn('distinct_people')}", params)
        row = cursor.fetchone()
    if row is None:
        return None
    hot = HotIssue(key=key, state=HotIssue.State.ACTIVE, updated_at=now, **fields)
    hot.pk, hot.size, hot.distinct_people = row
    hot._state.adding, hot._state.db = False, connection.alias
    return hot


def _create_row(hot: HotIssue) -> HotIssue | None:
    """INSERT the issue's active row unless one with its key exists (… ON CONFLICT DO NOTHING
    RETURNING id: no savepoint around it, nothing to roll back); None when one does."""
    hot.updated_at = timezone.now()
    fields = [f for f in HotIssue._meta.concrete_fields if not f.primary_key]
    query = InsertQuery(HotIssue, on_conflict=OnConflict.IGNORE)
    query.insert_values(fields, [hot])
    [(sql, params)] = query.get_compiler(connection.alias).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {connection.ops.quote_name('id')}", params)
        row = cursor.fetchone()
    if row is None:
        return None
    hot.pk = row[0]
    hot._state.adding, hot._state.db = False, connection.alias
    return hot


def _join(through, hot_id: int, appeal_id: int) -> bool:
    """Insert the membership row unless it exists (one statement on the hot path of intake; the
    pair is unique). True when it was inserted."""
    table, qn = through._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {qn(table)} ({qn('hotissue_id')}, {qn('appeal_id')}) VALUES (%s, %s) "
                       f"ON CONFLICT DO NOTHING RETURNING {qn('id')}", [hot_id, appeal_id])
        return cursor.fetchone() is not None


def _settled(ids: list[int], own: int | None = None) -> list[int]:
    """The appeals among `ids` that exist and that no other transaction holds locked: a member in
    the middle of its own intake joins the row itself when it gets there (waiting for it here
    could deadlock with it)."""
    others = [i for i in ids if i != own]
    found = list(Appeal.objects.filter(pk__in=others).select_for_update(skip_locked=True, no_key=True)
                 .values_list("pk", flat=True)) if others else []
    return ([own] if own is not None and own in ids else []) + found


def train_from_database(min_per_class: int = 5, activate: bool = True) -> ClassifierVersion:
    """Train on recent closed appeals' final categories (their first-level names), register the model."""
    from .classifier import TextClassifier

    texts, labels = [], []
    rows = (Appeal.objects.filter(status=Status.CLOSED, category__isnull=False).select_related("category__parent")
            .order_by("-closed_at")[:TRAIN_LIMIT])
    for a in rows.iterator():
        texts.append(f"{a.title}\n{a.content}")
        labels.append(_label_of(a.category))
    labels = _enough_per_label(labels, min_per_class)
    counts = {label: labels.count(label) for label in set(labels)}
    keep = [i for i, label in enumerate(labels) if counts[label] >= min_per_class]
    if len({labels[i] for i in keep}) < 2:
        raise ActionRefused(gettext("已办结且已分类的诉求太少，至少需要两个类别、每类5件"))
    texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    return register_model(TextClassifier().fit(texts, labels), "database", len(texts), activate)


def _label_of(category: Category) -> str:
    """The label the classifier learns: "first > second" for a second-level category (deeper ones
    count as their second level), the name for a first level."""
    from .classifier import LEVEL_SEP

    chain = [category]
    while chain[-1].parent_id:
        chain.append(chain[-1].parent)
    chain.reverse()
    return chain[0].name if len(chain) == 1 else f"{chain[0].name}{LEVEL_SEP}{chain[1].name}"


def _enough_per_label(labels: list[str], min_per_class: int) -> list[str]:
    """Second-level labels with fewer than ``min_per_class`` examples are learnt as their first level."""
    from .classifier import root_of

    counts = {label: labels.count(label) for label in set(labels)}
    return [label if counts[label] >= min_per_class else root_of(label) for label in labels]


def register_model(model, source: str, size: int, activate: bool = True) -> ClassifierVersion:
    version = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
    path = MODELS_DIR / f"classifier-{version}"
    model.save(path)
    import json

    report_path = path / "report.json"
    report = json.loads(report_path.read_text("utf-8")) if report_path.exists() else {}
    with transaction.atomic():
        if activate:
            ClassifierVersion.objects.filter(active=True).update(active=False)
        row = ClassifierVersion.objects.create(version=version, path=str(path), source=source, trained_on=size,
                                               report=report, active=activate)
    INDEXES.forget_model()
    return row


def rebuild_hot_issues() -> int:
    """Full rebuild: recluster the last year and replace the active hot issues.

    The clustering runs first, beside the indexes intake is using; the replacement is one short
    transaction that holds the table against concurrent writers (PostgreSQL: SHARE ROW EXCLUSIVE,
    SQLite: its one writer), so intake sees the old set or the new one, never a mix, and never two
    active rows for one issue. Intake meanwhile waits only for that transaction."""
    built = INDEXES.rebuild()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {HotIssue._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        with INDEXES.lock:  # what intake in this process filed up to now is in; later intake waits for the table
            ranked = [(_IssueView(issue, _last_member(issue)), [int(m) for m in issue.members])
                      for issue in built.hot.ranked(min_size=2)]
        HotIssue.objects.filter(state=HotIssue.State.ACTIVE, alerts__isnull=True).delete()
        HotIssue.objects.filter(state=HotIssue.State.ACTIVE).update(state=HotIssue.State.CLOSED)
        since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
        regions = dict(Appeal.objects.filter(received_at__gte=since).values_list("id", "region_id"))
        settled = set(_settled([m for _, members in ranked for m in members]))
        rows = [HotIssue(key=view.key, distinct_people=view.distinct_people, size=sum(m in settled for m in members),
                         **_issue_fields(view, regions.get(members[-1])))
                for view, members in ranked]
        HotIssue.objects.bulk_create(rows, batch_size=500)
        through = HotIssue.appeals.through
        through.objects.bulk_create([through(hotissue_id=row.pk, appeal_id=m)
                                     for row, (_, members) in zip(rows, ranked) for m in members if m in settled],
                                    batch_size=5000)
    return len(rows)


def _last_member(issue):
    from .duplicates import Appeal as PlainAppeal

    return PlainAppeal(id=issue.members[-1], text="", time=issue.end)


def score_reply(appeal: Appeal, reply) -> None:
    """Keep the reply-quality score with the reply, for evaluation and the handler's feedback."""
    from gongzhi.core.workdays import WorkCalendar

    from .reply_quality import score_reply as score

    cal = WorkCalendar.current()
    result = score(appeal_text=appeal.content, reply_text=reply.text, appeal_title=appeal.title,
                   appeal_time=appeal.received_at, reply_time=reply.created_at,
                   workdays=lambda a, b: cal.workdays_between(a, b))
    reply.quality = result.as_row()
    reply.save(update_fields=["quality"])
