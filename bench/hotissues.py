"""Hot issues on messages_with_support.csv (4,326 real messages, the 2020 Teddy Cup C problem 2 file).

Prints the top issues for inspection by eye, then two proxy measures of cluster quality:

* repeated-posting gold (the duplicate gold of bench/duplicates.py: same subject, or near-identical
  text at the same place): share of gold pairs put in the same issue (pair recall), and purity of
  each issue with respect to the connected components of those pairs;
* a written judgement rule for the top 10 issues, applied to every member: a member is on-topic when
  its subject or text names the issue's place, AND it contains one of the issue's 3 strongest topic
  words. (Rule written before looking at the scores: a supervisor reading the list would call a
  member off-topic if it is about a different place or a different problem.)
* subject agreement, for every issue of 2+ appeals, ours and the baseline's alike: a member agrees
  when its subject (留言主题) shares a content word with the subject of another member of its issue,
  place names not counted. "A7县小塘路还修吗" and "小塘路超市门口音响太吵" share only the road: same
  place, different problem, so they do not agree. Synonyms ("捆绑车位" / "强制购买车位" share 车位,
  but "噪音" / "扰民" share nothing) make this a lower bound.

Speed: full build (features + rebuild) and the per-add latency of the incremental index for the last
300 appeals, against a naive baseline measured in the same run: TF-IDF cosine over all pairs plus
connected components above a threshold (the all-pairs clustering), and for a single add, comparing
the new appeal with every earlier appeal. Last line: key=value summary.
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from duplicates import appeals_of, gold_pairs, load  # noqa: E402

from gongzhi.triage.hotissues import HotIssueIndex, appeal_tokens, tokenize  # noqa: E402
from gongzhi.triage.places import extract_places, place_keys  # noqa: E402


def subject_agreement(groups: list[list[int]], appeals, places_keys) -> float:
    """Share of members of multi-appeal groups whose subject shares a non-place word with another's."""
    subject_words = [set(tokenize(a.title)) for a in appeals]
    agree = total = 0
    for members in groups:
        if len(members) < 2:
            continue
        keys = set().union(*(places_keys[i] for i in members))
        words = [{w for w in subject_words[i] if not any(w in k or k in w for k in keys)} for i in members]
        for j, mine in enumerate(words):
            total += 1
            agree += any(mine & other for k, other in enumerate(words) if k != j)
    return agree / total if total else 0.0


def main() -> None:
    rows = load("messages_with_support.csv")
    appeals = appeals_of(rows)
    for a, r in zip(appeals, rows):
        a.support = int(r["点赞数"] or 0)
    t0 = time.perf_counter()
    places = [extract_places(a.text) for a in appeals]
    tokens = [appeal_tokens(a) for a in appeals]
    feat_s = time.perf_counter() - t0
    index = HotIssueIndex()
    t0 = time.perf_counter()
    ranked = index.rebuild(appeals, places, tokens)
    cluster_s = time.perf_counter() - t0
    build_s = feat_s + cluster_s
    multi = [i for i in ranked if i.size >= 2]
    print(f"{len(appeals)} appeals -> {len(index.issues)} issues, {len(multi)} with 2+ appeals; "
          f"features {feat_s:.1f}s (jieba, places) + clustering {cluster_s:.2f}s")

    by_id = {a.id: a for a in appeals}
    print("\nTop 10 hot issues:")
    on_topic_total = members_total = 0
    for rank, issue in enumerate(multi[:10], 1):
        terms = issue.top_terms(3)
        place = issue.place
        key = place.removesuffix("小区") if len(place) > 3 else place
        ok = sum(1 for m in issue.members
                 if key in by_id[m].text and any(t in by_id[m].text for t in terms))
        on_topic_total += ok
        members_total += issue.size
        print(f"{rank:2d}. heat {issue.heat(index._latest):5.1f} size {issue.size:3d} people {issue.distinct_people:3d} "
              f"votes {issue.support:4d} {issue.start:%Y-%m-%d}..{issue.end:%Y-%m-%d} [{place}] {issue.title}"
              f"  on-topic {ok}/{issue.size}")
        for t in issue.titles[:3]:
            print(f"        - {t}")
    coherence = on_topic_total / members_total

    places_keys = [place_keys(p) for p in places]
    g1, g2, gold = gold_pairs(appeals, places_keys)
    ids = [a.id for a in appeals]
    pos = {m: i for i, m in enumerate(ids)}
    same = sum(1 for a, b in gold if index.issue_of[a] == index.issue_of[b])
    pair_recall = same / len(gold)
    rr = [pos[a] for a, _ in gold] + [pos[b] for _, b in gold]
    cc = [pos[b] for _, b in gold] + [pos[a] for a, _ in gold]
    graph = sp.csr_matrix((np.ones(len(rr)), (rr, cc)), shape=(len(ids), len(ids)))
    _, comp = connected_components(graph, directed=False)
    in_gold = {m for pair in gold for m in pair}
    majority = labelled = 0
    for issue in index.issues.values():
        labels = [comp[pos[m]] for m in issue.members if m in in_gold]
        if len(labels) >= 2:
            majority += Counter(labels).most_common(1)[0][1]
            labelled += len(labels)
    purity = majority / labelled
    groups = [[pos[m] for m in issue.members] for issue in index.issues.values()]
    agreement = subject_agreement(groups, appeals, places_keys)
    print(f"\nrepeated-posting gold: {len(gold)} pairs; same issue for {pair_recall:.3f}; purity {purity:.3f} "
          f"(a hot issue may rightly hold several repost groups); top-10 members on-topic by the written rule "
          f"{coherence:.3f}; subject agreement {agreement:.3f}")

    # incremental adds vs the naive scan of every earlier appeal
    order = sorted(range(len(appeals)), key=lambda i: appeals[i].time)
    head, tail = order[:-300], order[-300:]
    inc = HotIssueIndex()
    inc.rebuild([appeals[i] for i in head], [places[i] for i in head], [tokens[i] for i in head])
    add_times = []
    for i in tail:
        t0 = time.perf_counter()
        inc.add(appeals[i], places[i], tokens[i])
        add_times.append(time.perf_counter() - t0)
    add_ms = 1e3 * float(np.mean(add_times))
    add_full = []
    for i in tail[:100]:  # with features, i.e. what an intake pays
        t0 = time.perf_counter()
        inc.add(appeals[i].__class__(appeals[i].id + "x", appeals[i].text, appeals[i].time, appeals[i].user,
                                     appeals[i].title))
        add_full.append(time.perf_counter() - t0)
    add_full_ms = 1e3 * float(np.mean(add_full))

    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=lambda toks: toks, sublinear_tf=True)
    t0 = time.perf_counter()
    x = vec.fit_transform(tokens)
    sims = (x @ x.T).toarray()
    stamps = np.array([a.time.timestamp() for a in appeals])
    sims[np.abs(stamps[:, None] - stamps[None, :]) > 90 * 86400] = 0
    _, naive_labels = connected_components(sp.csr_matrix(sims >= 0.5), directed=False)
    naive_cluster_s = time.perf_counter() - t0
    naive_s = naive_cluster_s + feat_s
    naive_same = sum(1 for a, b in gold if naive_labels[pos[a]] == naive_labels[pos[b]])
    sizes = Counter(naive_labels)
    naive_groups: dict[int, list[int]] = {}
    for i, label in enumerate(naive_labels):
        naive_groups.setdefault(int(label), []).append(i)
    naive_agreement = subject_agreement(list(naive_groups.values()), appeals, places_keys)
    print(f"naive all-pairs clustering (cosine >= 0.5 within 90 days, connected components): clustering "
          f"{naive_cluster_s:.2f}s vs ours {cluster_s:.2f}s (features {feat_s:.1f}s shared), largest cluster "
          f"{max(sizes.values())}, gold pairs together {naive_same / len(gold):.3f}, subject agreement {naive_agreement:.3f}")
    xs = x[[o for o in head]]
    naive_add = []
    for i in tail:
        t0 = time.perf_counter()
        q = x[i]
        s = (xs @ q.T).toarray().ravel()
        s[np.abs(stamps[head] - stamps[i]) > 90 * 86400] = 0
        int(np.argmax(s))
        naive_add.append(time.perf_counter() - t0)
    naive_add_ms = 1e3 * float(np.mean(naive_add))
    print(f"per add: index {add_ms:.2f} ms (features given), {add_full_ms:.2f} ms with place/word extraction; "
          f"naive scan of {len(head)} earlier appeals {naive_add_ms:.2f} ms (grows with the archive, the index does not)")
    print(f"build_s={build_s:.2f} cluster_s={cluster_s:.2f} naive_cluster_s={naive_cluster_s:.2f} "
          f"add_ms={add_ms:.3f} add_with_features_ms={add_full_ms:.2f} naive_add_ms={naive_add_ms:.3f} "
          f"add_speedup={naive_add_ms / add_ms:.1f} issues_2plus={len(multi)} pair_recall={pair_recall:.3f} "
          f"naive_pair_recall={naive_same / len(gold):.3f} purity={purity:.3f} top10_on_topic={coherence:.3f} "
          f"subject_agreement={agreement:.3f} naive_subject_agreement={naive_agreement:.3f}")


if __name__ == "__main__":
    main()
