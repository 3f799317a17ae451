"""Place extraction from Chinese appeal text.

Appeals name where the problem is (district, road, 小区, school, company); matching those names is
what separates "same problem, same place" from "same kind of problem elsewhere". Rules plus jieba:
anonymised admin prefixes (A市, A3区, A7县) are cut out first, because jieba glues them to the next
word ("县泉塘"); then a jieba word ending in a place suffix is extended leftwards over name-like words,
using jieba's own part-of-speech dictionary (a dict lookup, not the slow HMM tagger) to stop at
verbs, pronouns and particles.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Place", "extract_places", "place_keys", "shared_places", "normalise", "cut_words"]


@dataclass(frozen=True)
class Place:
    name: str  # normalised surface form, e.g. "魅力之城小区"
    kind: str  # city | district | township | street | road | community | school | company | hospital

    @property
    def key(self) -> str:
        """Matching key: the name without a generic community suffix ("魅力之城小区" -> "魅力之城")."""
        for suffix in ("小区", "社区"):
            if self.name.endswith(suffix) and len(self.name) > len(suffix) + 1:
                return self.name[: -len(suffix)]
        return self.name


# Suffix -> kind, longest first so "街道" wins over "道", "大道" over "道".
_SUFFIXES: list[tuple[str, str]] = sorted([
    ("街道", "street"), ("大道", "road"), ("路", "road"), ("街", "road"), ("巷", "road"), ("大桥", "road"),
    ("小区", "community"), ("花园", "community"), ("苑", "community"), ("公寓", "community"),
    ("村", "community"), ("社区", "community"), ("家园", "community"), ("新城", "community"),
    ("大厦", "community"), ("广场", "community"), ("山庄", "community"), ("新村", "community"),
    ("学校", "school"), ("中学", "school"), ("小学", "school"), ("大学", "school"), ("学院", "school"),
    ("幼儿园", "school"), ("附中", "school"), ("一中", "school"), ("二中", "school"),
    ("公司", "company"), ("厂", "company"), ("集团", "company"), ("物业", "company"), ("市场", "company"),
    ("医院", "hospital"), ("卫生院", "hospital"), ("镇", "township"), ("乡", "township"),
], key=lambda kv: -len(kv[0]))

# Words that end in a suffix but name no particular place on their own.
_GENERIC = {
    "道路", "马路", "公路", "铁路", "线路", "思路", "出路", "网路", "一路", "路", "街", "巷", "村", "镇",
    "乡", "厂", "小区", "社区", "花园", "公寓", "学校", "中学", "小学", "大学", "学院", "幼儿园", "公司",
    "医院", "集团", "物业", "市场", "广场", "大厦", "农村", "乡村", "城乡", "乡镇", "城镇", "街道", "新城",
    "家园", "大道", "工厂", "老街", "上街", "当街", "沿街", "临街", "半路", "走路", "修路", "过马路",
    "高速公路", "环路", "门路", "套路", "电路", "水路", "陆路", "来路", "去路", "同路", "分公司", "子公司",
    "总公司", "菜市场", "农贸市场", "房地产市场", "人才市场", "市场", "驾校", "母校", "本村", "全村",
    "该村", "我村", "各村", "邻村", "同村", "全镇", "该镇", "本镇", "乡下", "老乡", "家乡", "下乡",
    "故乡", "城市", "出厂", "进厂", "建厂", "药厂", "水泥路", "泥巴路", "大马路", "小路", "土路", "山路",
    "走路", "上路", "在路", "让路", "带路", "引路", "开路", "拦路", "堵路", "封路", "绕路", "小巷",
}

_BARE_SUFFIXES = {suffix for suffix, _ in _SUFFIXES} | {"新村"}

# Neighbouring words that never belong to a place name.
_STOP_WORDS = {
    "附近", "周边", "旁边", "对面", "门口", "我们", "我", "你们", "他们", "这个", "那个", "这里", "那里",
    "该", "本", "此", "各", "每", "整个", "所有", "多个", "一个", "位于", "地处", "在", "的", "了", "和",
    "与", "及", "或", "是", "到", "从", "对", "向", "把", "被", "给", "至", "由", "请", "关于", "反映",
    "投诉", "举报", "咨询", "建议", "希望", "我家", "住在", "其", "这条", "那条", "一条", "条", "这家",
    "那家", "一家", "家", "几个", "目前", "现在", "今年", "去年", "没有", "不", "也", "都", "就", "还",
    "又", "很", "太", "已", "已经", "一直", "严重", "市", "区", "县", "省", "为", "因", "由于", "所以",
    "但", "但是", "而", "并", "且", "以及", "等", "如", "像", "往", "去", "来", "上", "下", "里", "中",
    "很多", "许多", "一些", "这些", "那些", "利用", "通过", "所在", "整条", "这所", "那所", "一所",
    "内", "外", "前", "后", "旁", "边", "东", "西", "南", "北", "新", "老", "大", "小", "好", "多",
}
_NAME_TAGS = {"n", "ns", "nz", "nr", "nrt", "nrfg", "nt", "ng", "j", "i", "l", "s", "m", "vn",
              "b", "f", "t", "eng", "?", "x", "mq", "nl", "ag", "tg", "zg"}
_INNER_OK = {"之"}
_VERB_ENDINGS = set("进入到出在了过着向往给")
_LEADING_PREPOSITIONS = set("离距在向往从到至近临靠对给把被和与及跟隔")  # particles allowed inside a name: 魅力之城

_ADMIN_RE = re.compile(r"([A-Z][0-9]{0,2})(市|区|县)")
_SPLIT_RE = re.compile(r"[\s,.;:!?()\[\]{}<>\"'，。；：！？、（）【】《》“”‘’…—\-~·/\\|]+")
_CJK_NAME_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]+$")
_NOT_DISTRICT = ("小区", "社区", "校区", "园区", "景区", "城区", "片区", "辖区", "学区", "市区", "郊区",
                 "山区", "老区", "新区", "库区", "街区", "营区", "厂区", "矿区", "院区", "管区", "地区",
                 "住宅区", "生活区", "居住区", "开发区", "示范区", "功能区", "服务区", "商业区", "工业区",
                 "保护区", "试验区", "风景区", "旅游区", "安置区", "小区县")
_MAX_NAME_CHARS = 14


def normalise(text: str) -> str:
    """NFKC folds full-width letters and digits (Ａ５区 -> A5区) so names compare equal."""
    return unicodedata.normalize("NFKC", text or "").replace("\u200b", "")


@lru_cache(maxsize=1)
def _tagger():
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba, jieba.posseg.dt.word_tag_tab


def cut_words(text: str) -> list[str]:
    """``jieba.lcut(text)`` (HMM on), with each block of Chinese, letters and digits cut once per
    process and remembered. jieba cuts a text block by block, each on its own, so this is the same
    list; but the place finder and the topic words of hot issues cut the same sentences of every
    appeal (its title three times), and appeals repeat stock sentences, so half the cutting was
    done twice."""
    jieba, _tags = _tagger()
    out: list[str] = []
    for block in jieba.re_han_default.split(text):
        if not block:
            continue
        out.extend(_cut_block(block) if jieba.re_han_default.match(block) else jieba.lcut(block))
    return out


@lru_cache(maxsize=16384)
def _cut_block(block: str) -> tuple[str, ...]:
    return tuple(_tagger()[0].lcut(block))


_SUFFIX_KIND = dict(_SUFFIXES)
_SUFFIX_LENGTHS = sorted({len(suffix) for suffix in _SUFFIX_KIND}, reverse=True)


def _suffix_kind(word: str) -> tuple[str, str] | None:
    """The longest place suffix the word ends in (one dict lookup per suffix length)."""
    for n in _SUFFIX_LENGTHS:
        if len(word) >= n:
            kind = _SUFFIX_KIND.get(word[-n:])
            if kind is not None:
                return word[-n:], kind
    return None


def _name_like(word: str, tags: dict) -> bool:
    if word in _STOP_WORDS or not _CJK_NAME_RE.match(word):
        return False
    tag = tags.get(word, "?")
    if tag == "?" and len(word) == 2 and word[-1] in _VERB_ENDINGS:
        return False  # unknown words like "排进", "住进": a verb with its direction, not a name
    return tag in _NAME_TAGS


def _segment_places(segment: str, jieba, tags) -> list[Place]:
    words = cut_words(segment)
    found: list[Place] = []
    for i, word in enumerate(words):
        if (3 <= len(word) <= 4 and word[-1] in "区县" and tags.get(word, "?") in ("ns", "?")
                and not any(word.endswith(bad) for bad in _NOT_DISTRICT)):
            found.append(Place(word, "district"))  # real names in unanonymised text: 岳麓区
            continue
        hit = _suffix_kind(word)
        if hit is None:
            continue
        suffix, kind = hit
        if word in _GENERIC and word not in _BARE_SUFFIXES:
            continue  # "走路", "道路": a suffix by accident
        # A longer suffix word next in line ("东路" + "小区") is handled at that word.
        parts = [word]
        length = len(word)
        j = i - 1
        while j >= 0 and len(parts) < 4:
            prev = words[j]
            if prev in _INNER_OK and j - 1 >= 0 and _name_like(words[j - 1], tags):
                parts.insert(0, prev)
                length += len(prev)
                j -= 1
                continue
            if (len(prev) >= 3 and prev[0] in _LEADING_PREPOSITIONS and tags.get(prev) is None
                    and _CJK_NAME_RE.match(prev)):
                if prev[1] not in "路街道村区县":  # "临路建" is "next to the road, build", no name
                    parts.insert(0, prev[1:])  # jieba glued a preposition to the name: "离丽发" + "新城"
                    length += len(prev) - 1
                break
            if not _name_like(prev, tags) or length + len(prev) > _MAX_NAME_CHARS:
                break
            # Do not swallow a preceding place ("劳动东路" before "魅力之城小区" stays separate),
            # but keep community-like words inside a name ("丽发新城小区").
            if len(prev) >= 3 and prev[-1] in "区县":
                break  # a district before a street is a separate place
            prev_hit = _suffix_kind(prev)
            if prev_hit and (prev_hit[1] != "community" or (prev not in _GENERIC and len(prev) > 2)):
                break
            parts.insert(0, prev)
            length += len(prev)
            j -= 1
        name = "".join(parts)
        if name in _GENERIC or name in _STOP_WORDS:
            continue
        stem = name[: -len(suffix)]
        if len(stem) < 2 or stem.isdigit():
            continue
        if kind in ("road", "township", "company") and len(stem) < 2:
            continue
        if kind == "road" and len(parts) == 1 and name[-1] in "路街" and len(name) == 2:
            continue
        found.append(Place(name, kind))
    # "丽发新城" is found at "新城" and again inside "丽发新城小区": keep the longer.
    return [p for p in found if not any(p.name != q.name and p.name in q.name for q in found)]


def extract_places(text: str) -> list[Place]:
    """Places named in the text, in order of first mention, each once."""
    text = normalise(text)
    jieba, tags = _tagger()
    places: list[Place] = []
    for m in _ADMIN_RE.finditer(text):
        places.append(Place(m.group(0), "city" if m.group(2) == "市" else "district"))
    cleaned = _ADMIN_RE.sub("|", text)
    for segment in _SPLIT_RE.split(cleaned.replace("|", " ")):
        if len(segment) >= 2:
            places.extend(_segment_places(segment, jieba, tags))
    seen: set[Place] = set()
    unique: list[Place] = []
    for place in places:
        if place not in seen:
            seen.add(place)
            unique.append(place)
    return unique


# Kinds precise enough to say "the same place": a whole district or city is not.
SPECIFIC_KINDS = frozenset({"street", "road", "community", "school", "company", "hospital", "township"})


def place_keys(places: list[Place], specific_only: bool = True) -> set[str]:
    """Keys used to compare two appeals' places."""
    return {p.key for p in places if not specific_only or p.kind in SPECIFIC_KINDS}


def shared_places(a: set[str], b: set[str]) -> set[str]:
    """Keys of ``a`` that match one of ``b``, where a name inside a longer one matches
    ("经济学院" and "涉外经济学院", "惟盛园" and "惟盛园安置小区")."""
    if not a or not b:
        return set()
    exact = a & b
    if len(exact) == len(a):
        return exact
    return exact | {x for x in a - exact if len(x) >= 3 and any(len(y) >= 3 and (x in y or y in x) for y in b)}
