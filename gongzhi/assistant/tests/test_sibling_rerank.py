"""Sibling re-ranking of 小栖 (Engine._head_first / Engine.head_match): among close candidates,
the entry whose standard question asks what the message asks comes first."""

from __future__ import annotations

from gongzhi.assistant.engine import Config, Engine, _Hit
from gongzhi.nlp.text import normalize

# three siblings of one benefit: process / materials / amount, with similar questions that
# blur them (each mentions the benefit name only)
SIBLINGS = [
    {
        "id": "t-001",
        "topic": "测试",
        "question": "尊老金怎么申请？",
        "similar": ["尊老金的事", "尊老金找谁", "高龄老人尊老金"],
        "answer": "到社区申请。",
    },
    {
        "id": "t-002",
        "topic": "测试",
        "question": "申请尊老金要带什么材料？",
        "similar": ["尊老金", "尊老金问一下", "老人尊老金"],
        "answer": "身份证和户口簿。",
    },
    {
        "id": "t-003",
        "topic": "测试",
        "question": "尊老金每月发多少？",
        "similar": ["尊老金标准", "尊老金钱", "尊老金有多少"],
        "answer": "按年龄段发放。",
    },
    {
        "id": "t-004",
        "topic": "其他",
        "question": "慢性病可以一次多开几个月的药吗？",
        "similar": ["高血压开药", "糖尿病拿药"],
        "answer": "可以长处方。",
    },
]


def _engine(**overrides) -> Engine:
    return Engine.from_entries(SIBLINGS, **overrides)


def test_head_match_intent_share_uses_the_standard_question():
    eng = _engine()
    norm = normalize("尊老金要准备啥材料")
    shares = {eng.ids[i]: eng.head_match(norm, i)[1] for i in range(3)}
    assert shares == {"t-001": 0.0, "t-002": 1.0, "t-003": 0.0}


def test_head_match_content_share_is_idf_weighted_and_bounded():
    eng = _engine()
    norm = normalize("慢性病的药能多开吗")
    cov_right, _ = eng.head_match(norm, eng.by_id["t-004"])
    cov_other, _ = eng.head_match(norm, eng.by_id["t-001"])
    assert 0.0 < cov_right <= 1.0
    assert cov_other == 0.0


def test_close_sibling_asking_the_same_thing_comes_first():
    eng = _engine()
    norm = normalize("尊老金要准备啥材料")
    a, b, c = eng.by_id["t-001"], eng.by_id["t-002"], eng.by_id["t-003"]
    hits = [_Hit(a, 1.0, 0.5), _Hit(b, 0.95, 0.5), _Hit(c, 0.5, 0.3)]
    order = [eng.ids[h.index] for h in eng._head_first(hits, norm)]
    assert order == ["t-002", "t-001", "t-003"]


def test_runner_up_outside_the_margin_is_not_promoted():
    eng = _engine()
    norm = normalize("尊老金要准备啥材料")
    a, b = eng.by_id["t-001"], eng.by_id["t-002"]
    hits = [_Hit(a, 1.0, 0.5), _Hit(b, 0.6, 0.5)]  # below (1 - head_margin) x best
    assert [h.index for h in eng._head_first(hits, norm)] == [a, b]


def test_switched_off_keeps_the_order():
    eng = _engine(head_intent_weight=0.0, head_weight=0.0)
    norm = normalize("尊老金要准备啥材料")
    a, b = eng.by_id["t-001"], eng.by_id["t-002"]
    hits = [_Hit(a, 1.0, 0.5), _Hit(b, 0.95, 0.5)]
    assert eng._head_first(hits, norm) == hits


def test_defaults_are_the_measured_ones():
    cfg = Config()
    assert cfg.head_intent_weight > 0  # on: +5 answer questions on dev…unseen4
    assert cfg.head_weight == 0.0 and cfg.w_standard == 0.0  # measured no gain: off


def test_end_to_end_siblings_still_right():
    # passes with the re-ranking off too: a guard that it breaks no clear case
    eng = _engine()
    assert eng.answer("尊老金要准备啥材料").entry_id == "t-002"
    assert eng.answer("尊老金怎么去申请").entry_id == "t-001"
