"""Invented people of the demo city: names, mobile numbers and resident ID numbers.

Every value is made up; the ID numbers are well formed (checksum right) under an unassigned area code.
"""
from __future__ import annotations

import datetime as dt
import random

from gongzhi.core.validation import ID_CHECK, ID_WEIGHTS

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢钟"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红建国文斌志飞鹏晓雪梅琳海燕慧婷宇浩然欣怡子轩"
PHONE_PREFIXES = ["133", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "177",
                  "180", "186", "187", "188", "189", "199"]


def id_number(rng: random.Random) -> str:
    """A well-formed 18-digit resident ID (checksum right) with an unassigned area code."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    body = f"330199{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


def phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))

