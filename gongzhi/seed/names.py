"""Realistic fictitious people: Chinese names, checksum-valid ID numbers, mobile numbers."""

from __future__ import annotations

import datetime as dt
import random

from gongzhi.core.identity import id_check_digit

# Common surnames, roughly in order of frequency (weights fall off with rank).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫"
    "孔向汤葛殷倪缪储芮濮"
)
SURNAME_WEIGHTS = [1.0 / (i + 8) for i in range(len(SURNAMES))]
GIVEN_M = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋勋志国建文斌海峰春晨阳博睿轩泽宏"
)
GIVEN_F = "芳娜敏静丽艳娟霞秀玲桂英红梅琳婷雪慧颖倩洁莉萍燕琴云莹悦涵欣怡佳雨晴思梦瑶琪可心诗馨婧"

# Region codes (first six digits): Qixia District for registered residents; others for the
# floating population and students.
QIXIA = "320113"
OTHER_REGIONS = (
    "320102",
    "320104",
    "320105",
    "320106",
    "320111",
    "320114",
    "320115",
    "320116",
    "320117",
    "320118",
    "320205",
    "320311",
    "320412",
    "320506",
    "320602",
    "320703",
    "320812",
    "320902",
    "321002",
    "321102",
    "321202",
    "321302",
    "340102",
    "340202",
    "340302",
    "340403",
    "341102",
    "341202",
    "341302",
    "342501",
    "370102",
    "410102",
    "420102",
    "430102",
    "510104",
    "360102",
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "183",
    "186",
    "187",
    "188",
    "189",
    "191",
    "195",
    "198",
    "199",
)


class PersonFactory:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self._ids: set[str] = set()

    def name(self, gender: str) -> str:
        r = self.rng
        s = r.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
        pool = GIVEN_M if gender == "M" else GIVEN_F
        n = 1 if r.random() < 0.3 else 2
        return s + "".join(r.choice(pool) for _ in range(n))

    def id_number(self, region: str, born: dt.date, gender: str) -> str:
        r = self.rng
        while True:
            seq = r.randrange(0, 1000)
            if (seq % 2 == 1) != (gender == "M"):
                seq = (seq + 1) % 1000
            first17 = f"{region}{born:%Y%m%d}{seq:03d}"
            v = first17 + id_check_digit(first17)
            if v not in self._ids:
                self._ids.add(v)
                return v

    def birth_date(self, min_age: int, max_age: int, today: dt.date) -> dt.date:
        days = self.rng.randrange(min_age * 365, max_age * 365)
        return today - dt.timedelta(days=days)

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(0, 10**8):08d}"
