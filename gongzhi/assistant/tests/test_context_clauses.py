"""Long and chatty questions: context told before the question ("我妈七十五了，…") and short
colloquial questions that match their entry clearly but loosely are answered; chatter that only
looks like them is still declined."""

from __future__ import annotations

import pytest

from gongzhi.assistant.engine import Engine, question_clauses
from gongzhi.assistant.kb import default_engine
from gongzhi.nlp.text import normalize


@pytest.fixture(scope="module")
def engine() -> Engine:
    return default_engine()


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("我妈七十五了，社区有没有上门做饭的服务", "社区有没有上门做饭的服务"),
        ("我是外地来的，去年交了社保，能转回去吗", "能转回去吗"),
        # one clause, a first clause that asks, or no question at all: unchanged
        ("社区有没有上门做饭的服务", "社区有没有上门做饭的服务"),
        ("低保怎么申请，要带什么材料", "低保怎么申请,要带什么材料"),
        ("我妈七十五了，腿脚不好", "我妈七十五了,腿脚不好"),
    ],
)
def test_question_clauses(text: str, asked: str) -> None:
    assert question_clauses(normalize(text)) == asked


def test_context_first_question_is_answered(engine: Engine) -> None:
    # the whole message scores below the threshold (生日 / 十八岁 are unmatched); its question
    # clause alone is covered by the entry
    text = "孩子刚过完十八岁生日，兵役那个登记是必须的吗"
    reply = engine.answer(text)
    assert reply.kind == "answer"
    assert reply.entry_id == "bingyi-001"
    # … and it is the context mechanism that answers it
    saved = engine.config
    try:
        engine.config = saved.with_(context_clauses=False, gate_p=0.0)  # gate: see below
        assert engine.answer(text).kind == "unknown"
    finally:
        engine.config = saved


def test_clear_loose_match_is_answered(engine: Engine) -> None:
    # below the threshold, but every content word is in the entry and it wins clearly
    reply = engine.answer("退了休医疗保险还用交不")
    assert reply.kind == "answer"
    assert reply.entry_id == "shebao-010"
    assert reply.score < engine.config.threshold
    saved = engine.config
    try:
        engine.config = saved.with_(clear_conf=0.0)
        assert engine.answer("退了休医疗保险还用交不").kind == "unknown"
    finally:
        engine.config = saved


@pytest.mark.parametrize(
    "text",
    [
        # long chatty out-of-scope messages, context first
        "我家孩子上三年级了，数学老是考不好，怎么辅导",  # "怎么辅导" alone says too little
        "我今天心情不好，跟老公吵了一架，晚饭吃什么好",
        "我儿子今年考上大学了，暑假想带他出去旅游，哪里好玩",
        "我最近老失眠，晚上睡不着，吃什么能改善",
        "我老公脾气不好，每天回家就玩手机，怎么办",
        "最近股票跌得厉害，我买的那只还要不要拿着",
        # short everyday questions close to the threshold
        "今年春节是几号",
        "手机老是卡怎么办",
        "电动牙刷哪个牌子好",
    ],
)
def test_chatty_out_of_scope_is_declined(engine: Engine, text: str) -> None:
    assert engine.answer(text).kind == "unknown"


@pytest.mark.parametrize(
    "question", ["哪家奶茶好喝", "附近哪家火锅好吃", "今天多少度", "京东买的耳机怎么样"]
)
def test_goods_and_food_chatter_is_still_declined(engine, question):
    reply = engine.answer(question)
    assert reply.kind == "unknown" and reply.entry_id is None


def test_a_purchase_dispute_is_not_taken_for_chatter(engine):
    from gongzhi.assistant.engine import out_of_scope_words

    assert out_of_scope_words(normalize("冰箱坏了商家不给修怎么办")) == []
    assert out_of_scope_words(normalize("冰箱哪个牌子好")) == ["冰箱"]
    assert out_of_scope_words(normalize("孩子近视多少度要配眼镜")) == []
    reply = engine.answer("冰箱坏了商家不给修怎么办")
    assert reply.kind == "answer" and reply.entry_id.startswith("shichang-")


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("退伍兵想学个电工，政府有免费的班吗，去哪报", "bingyi-023"),
        ("天冷了，桥洞下面睡着个流浪的老头，我能做点啥", "jiuzhu-037"),
    ],
)
def test_long_story_questions_pass_the_answerability_gate(
    engine: Engine, text: str, entry: str
) -> None:
    # their story words (电工, 班, 桥洞, 老头) are nowhere in the entry: the word-level tests
    # decline them; the gate weighs the clear win and the long message and answers
    reply = engine.answer(text)
    assert (reply.kind, reply.entry_id) == ("answer", entry)
    norm = normalize(text)
    hits, asked, conf = engine.ranked(norm, engine.search(norm, k=6))
    features = engine.gate_features(norm, asked, hits, conf)
    assert engine.gate(features) >= engine.config.gate_p
    saved = engine.config
    try:
        engine.config = saved.with_(gate_p=0.0)
        assert engine.answer(text).kind == "unknown"
    finally:
        engine.config = saved


def test_the_gate_never_answers_out_of_scope_words_or_short_chatter(engine: Engine) -> None:
    saved = engine.config
    try:
        engine.config = saved.with_(gate_p=0.01)  # the gate would let nearly anything through
        for text in ("哪家奶茶好喝", "明天出门要带伞吗", "淘宝退货运费谁出，商家说要我自己出钱"):
            assert engine.answer(text).kind == "unknown", text
    finally:
        engine.config = saved
