"""What the public may see of an appeal: one scrubbing for every public output (the open-data files,
the Open311 feed), so that no channel publishes more than another.

- free text: phone, ID and plate numbers (core.pii.scrub_text); house, building, unit and room
  numbers ("幸福路12号3单元501室" -> "幸福路*号*单元*室", core.pii.mask_address); the appellant's
  stored name wherever it appears, and a name the writer gives in the text ("我叫王小明", "本人王小明，",
  "联系人：王小明") -> "[姓名]", which also covers anonymous appeals, where no name is stored;
- the place: the same, on the location text;
- coordinates: rounded to three decimals (about 100 m), never the exact point;
- the words an administrator hides (GONGZHI_PUBLICATION_HIDDEN_WORDS: slurs, names of people under
  investigation …) -> "＊＊" in every public text.

And *whether* a case may be published at all, one rule for every public output (may_publish, and
its query form publishable_q, which a test keeps equal): never a case of a confidential category
(纪检监察 …) nor one a moderator withheld; a case a moderator approved at once; any other only once
it is GONGZHI_PUBLICATION_DELAY_DAYS old (default 3), so junk that nobody reviewed in time is not
published the day it came in either, but a moderator has those days to withhold it.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .pii import mask_address, scrub_text

NAME = "[姓名]"
HIDDEN = "＊＊"
COORDINATE_DECIMALS = 3

_HAN = "\u4e00-\u9fff"
# Names are found by the words that introduce them, and only when they start with a common surname
# ("我叫了物业好几次" is not a name; "我叫王小明" is).
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
             "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
             "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
             "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简"
             "车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄"
             "丛仲虞敖巩明佘池查麻苑迟邝诸")
# Words after which a name follows at once ("我叫王小明"), and labels that need a colon or 是/为
# ("联系人：王小明"; "联系人不接电话" is no name).
_INTRODUCERS = "我叫|我名叫|我的名字叫|我的名字是|我的名字|名字叫|本人叫|本人名叫|我的姓名是|本人姓名是?"
_LABELS = "姓名|联系人|反映人|投诉人|举报人|诉求人|来电人|当事人"
# After a name: one of these words, or anything not Chinese (punctuation, digits, the end).
_AFTER_NAME = "住在是家的今现系电手联身户"
# One flat alternation of words, each starting with a literal character: the regex engine then skips
# ahead to the places where a cue can start (ten times faster than nested groups on a long text).
_CUES = "|".join([rf"{word}\s*" for word in _INTRODUCERS.split("|")]
                 + [rf"{word}\s*(?:[:：]|是|为)\s*" for word in _LABELS.split("|")])
_CUED_NAME_RE = re.compile(
    rf"(?P<cue>{_CUES})"
    rf"(?P<name>[{_SURNAMES}](?:[{_HAN}](?=[{_AFTER_NAME}]|[^{_HAN}]|$)|[{_HAN}]{{1,3}}(?=[^{_HAN}]|$)|[{_HAN}]{{2}}))")
# "我是王小明，" / "本人王小明，": these words are common before other things ("我是王府井的商户"), so here a
# name counts only when punctuation or the end follows it.
_SELF_NAME_RE = re.compile(rf"(?P<cue>我是|本人)(?P<name>[{_SURNAMES}][{_HAN}]{{1,2}})(?=[^{_HAN}]|$)")


def _blank_cued(match: re.Match) -> str:
    return match.group("cue") + NAME


class Review(models.TextChoices):
    """A case's publication review (公开审核)."""

    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("准予公开")
    WITHHELD = "withheld", _("不予公开")


def _rules() -> dict:
    return getattr(settings, "GONGZHI", {})


def delay() -> dt.timedelta:
    """How old an unreviewed case must be before it is published (GONGZHI_PUBLICATION_DELAY_DAYS)."""
    return dt.timedelta(days=max(int(_rules().get("PUBLICATION_DELAY_DAYS", 3)), 0))


_WORD_SOURCES: list = []


def register_hidden_words(source) -> None:
    """Add a source of hidden words besides the setting: `source()` returns words (an app's list an
    administrator edits, e.g. participation's sensitive words); it should be cheap (cached)."""
    if source not in _WORD_SOURCES:
        _WORD_SOURCES.append(source)


def hidden_words() -> list[str]:
    """The words no public text carries (GONGZHI_PUBLICATION_HIDDEN_WORDS and the registered
    sources), longest first."""
    words = set(_rules().get("PUBLICATION_HIDDEN_WORDS", ()))
    for source in _WORD_SOURCES:
        words.update(source())
    return sorted({w for w in words if w}, key=len, reverse=True)


def hidden_words_in(text: str | None) -> list[str]:
    """The hidden words `text` contains (a moderator looks at such a text before it is public)."""
    lowered = (text or "").lower()
    return [w for w in hidden_words() if w.lower() in lowered]


def may_publish(*, review: str, received_at: dt.datetime | None, confidential: bool,
                now: dt.datetime | None = None) -> bool:
    """The rule (see the module's docstring): may this case appear in public output now?"""
    if confidential or review == Review.WITHHELD:
        return False
    if review == Review.APPROVED:
        return True
    return received_at is not None and received_at <= (now or timezone.now()) - delay()


def publishable_q(now: dt.datetime | None = None, *, review: str = "publication",
                  received_at: str = "received_at", confidential: str | None = "category__confidential") -> Q:
    """may_publish as a query filter, on the model's field names (the appeals' by default;
    `confidential` None: a model that has no confidential cases)."""
    cutoff = (now or timezone.now()) - delay()
    secret = ~Q(**{confidential: True}) if confidential else Q()
    return (secret & ~Q(**{review: Review.WITHHELD})
            & (Q(**{review: Review.APPROVED}) | Q(**{f"{received_at}__lte": cutoff})))


def hide_words(text: str) -> str:
    words = hidden_words()
    if not words:
        return text
    return re.sub("|".join(re.escape(w) for w in words), HIDDEN, text, flags=re.IGNORECASE)


def public_text(text: str | None, names: Iterable[str] = ()) -> str:
    """Free text as the public may read it (see the module's docstring)."""
    if not text:
        return ""
    text = hide_words(text)
    for name in names:
        if name and len(name) >= 2:
            text = text.replace(name, NAME)
    text = _CUED_NAME_RE.sub(_blank_cued, text)
    text = _SELF_NAME_RE.sub(_blank_cued, text)
    return mask_address(scrub_text(text))


def public_coordinate(value: float | None) -> float | None:
    return round(value, COORDINATE_DECIMALS) if value is not None else None


@dataclass(frozen=True, slots=True)
class PublicAppeal:
    title: str
    content: str
    location: str
    lat: float | None
    lon: float | None


def public_appeal(*, title: str = "", content: str = "", location_text: str = "", lat: float | None = None,
                  lon: float | None = None, appellant_name: str = "") -> PublicAppeal:
    """The public fields of one appeal, from its stored ones: the only way an appeal's text and place
    leave the platform without a login."""
    names = (appellant_name.strip(),) if appellant_name else ()
    return PublicAppeal(title=public_text(title, names), content=public_text(content, names),
                        location=public_text(location_text, names),
                        lat=public_coordinate(lat), lon=public_coordinate(lon))
