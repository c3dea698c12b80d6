"""Behaviour of 小栖's answering engine (no Django; no wall-clock assertions)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from gongzhi.assistant import cli
from gongzhi.assistant.engine import (
    KINDS,
    Engine,
    Reply,
    detect_emergency,
    detect_handoff,
    detect_smalltalk,
    fill_placeholders,
)
from gongzhi.assistant.kb import KBError, default_engine, load_entries
from gongzhi.nlp.text import normalize

DATA = Path(__file__).resolve().parent.parent / "data" / "eval_questions.csv"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return default_engine()


# -- knowledge base loading ----------------------------------------------------------------


def test_shipped_kb_loads_and_is_valid():
    entries = load_entries()
    assert len(entries) >= 600
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    assert all(e["question"] and e["answer"] and isinstance(e["similar"], list) for e in entries)


def test_malformed_kb_file_raises_clear_error(tmp_path):
    (tmp_path / "a.json").write_text('[{"id": "x-1", "topic": "t"}]', encoding="utf-8")
    with pytest.raises(KBError, match=r"a\.json.*'question'"):
        load_entries(tmp_path)
    (tmp_path / "a.json").write_text("[{", encoding="utf-8")
    with pytest.raises(KBError, match="invalid JSON"):
        load_entries(tmp_path)


def test_unknown_placeholder_and_duplicate_id_rejected(tmp_path):
    entry = {"id": "x-1", "topic": "t", "question": "q?", "answer": "见{nope}", "similar": []}
    (tmp_path / "a.json").write_text(json.dumps([entry]), encoding="utf-8")
    with pytest.raises(KBError, match="unknown placeholder"):
        load_entries(tmp_path)
    entry["answer"] = "好"
    (tmp_path / "a.json").write_text(json.dumps([entry]), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps([entry]), encoding="utf-8")
    with pytest.raises(KBError, match="duplicate id"):
        load_entries(tmp_path)


# -- answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("灵活就业人员怎么交社保？", "shebao-022"),
        ("公租房咋申请", "wuye-015|jiuzhu-019"),
        ("办狗证需要准备啥材料", "yangquan-004"),
        ("失业金一个月能领多少钱", "jiuye-007"),
    ],
)
def test_kb_question_answered_with_right_entry(engine, question, expected):
    reply = engine.answer(question)
    assert isinstance(reply, Reply)
    assert reply.kind == "answer"
    assert reply.entry_id in expected.split("|")
    assert reply.title  # the matched standard question
    assert 0 < reply.score <= 1
    assert reply.text and "{" not in reply.text
    assert 2 <= len(reply.suggestions) <= 3
    assert all(eid != reply.entry_id for eid, _q in reply.suggestions)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("我是打零工的，灵活就业怎么交设保", "shebao-022"),  # 社保 → 设保
        ("居著证需要什么条件", "huji-026"),  # 居住证 → 居著证
        ("身分证丢了怎么补办", "huji-005"),  # 身份证 → 身分证
    ],
)
def test_typo_still_found(engine, question, expected):
    reply = engine.answer(question)
    assert (reply.kind, reply.entry_id) == ("answer", expected)


def test_follow_up_uses_context(engine):
    first = engine.answer("想办个狗证")
    assert first.kind == "answer" and first.context.get("entry_id")
    follow = engine.answer("要交钱吗", context=first.context)
    assert (follow.kind, follow.entry_id) == ("answer", "yangquan-005")
    # without the context the same words are too vague to answer
    assert engine.answer("要交钱吗").kind == "unknown"


def test_follow_up_chain_keeps_topic(engine):
    first = engine.answer("失业金怎么领")
    second = engine.answer("能领多久", context=first.context)
    assert second.entry_id == "jiuye-006"
    third = engine.answer("一个月多少钱", context=second.context)
    assert third.entry_id == "jiuye-007"


# -- emergencies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "number"),
    [
        ("家里着火了", "119"),
        ("闻到好大一股煤气味，是不是漏气了", "119"),
        ("有人触电了倒在地上", "120"),
        ("有个小孩掉河里了", "110"),
        ("我不想活了", "12356"),
        ("老公正在打我", "110"),
        ("我被困在电梯里出不来了", "119"),
    ],
)
def test_emergency_recognised_with_number(engine, question, number):
    reply = engine.answer(question)
    assert reply.kind == "emergency"
    assert number in reply.text


@pytest.mark.parametrize(
    "question", ["灭火器怎么用", "燃气报警器要装吗", "家里备些啥消防器材", "住高层万一着火怎么逃生"]
)
def test_safety_knowledge_questions_are_not_emergencies(engine, question):
    reply = engine.answer(question)
    assert reply.kind == "answer"
    assert reply.entry_id.startswith("xiaofang-")


def test_emergency_detector_directly():
    assert detect_emergency(normalize("楼下冒了好多黑烟，好像着火了")) == "fire"
    assert detect_emergency(normalize("灭火器怎么用")) is None
    assert detect_emergency(normalize("着火之后能马上回家吗")) is None


def test_every_emergency_in_eval_set_is_recognised(engine):
    with DATA.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["expected_kind"] == "emergency"]
    assert len(rows) >= 25
    missed = [r["question"] for r in rows if engine.answer(r["question"]).kind != "emergency"]
    assert missed == []


# -- smalltalk, out of scope, handoff ------------------------------------------------------


@pytest.mark.parametrize("question", ["你好", "谢谢", "你是谁", "再见", "👍"])
def test_smalltalk(engine, question):
    reply = engine.answer(question)
    assert reply.kind == "smalltalk"
    assert reply.text


def test_smalltalk_keeps_conversation_context(engine):
    first = engine.answer("想办个狗证")
    thanks = engine.answer("谢谢", context=first.context)
    assert thanks.context == first.context
    assert detect_smalltalk(normalize("你好，社保怎么交")) is None


@pytest.mark.parametrize(
    "question",
    ["明天南京天气怎么样", "茅台股票还能买吗", "红烧肉怎么做", "帮我写一篇关于春天的作文", ""],
)
def test_out_of_scope_is_unknown(engine, question):
    reply = engine.answer(question)
    assert reply.kind == "unknown"
    assert reply.entry_id is None and reply.title == ""
    if question:
        assert "12345" in reply.text


@pytest.mark.parametrize(
    ("question", "category"),
    [
        ("楼道灯坏了好几天了没人修", "物业服务"),
        ("小区门口垃圾堆成山了，臭气熏天", "环境卫生"),
        ("公司拖欠我们三个月工资了，老板躲着不见，请帮我们协调", "就业创业"),
    ],
)
def test_handoff_gets_category(engine, question, category):
    reply = engine.answer(question)
    assert reply.kind == "handoff"
    assert reply.category == category
    assert "工单" in reply.text


def test_question_about_a_problem_is_answered_not_handed_off(engine):
    assert not detect_handoff(normalize("楼下的KTV半夜吵得人睡不着怎么办"))
    assert detect_handoff(normalize("楼上天天半夜装修吵死了"))
    assert engine.answer("路灯不亮找谁修").kind == "answer"


# -- placeholders --------------------------------------------------------------------------


def test_placeholders_filled_from_fill(engine):
    fill = {
        "community_name": "仙林社区",
        "community_duty_phone": "025-12345678",
        "street_name": "仙林街道",
        "street_service_center": "仙林街道为民服务中心",
    }
    reply = engine.answer("什么样的家庭可以申请低保", fill=fill)
    assert reply.entry_id == "jiuzhu-001"
    assert "仙林社区居委会" in reply.text and "025-12345678" in reply.text
    assert "{" not in reply.text


def test_missing_placeholders_never_invented():
    text = (
        "可联系{community_name}居委会（电话：{community_duty_phone}），或到"
        "{street_name}{street_service_center}咨询，地址{community_office_address}。"
    )
    out = fill_placeholders(text, {})
    assert out == "可联系所在社区居委会，或到所在街道便民服务中心咨询。"
    partial = fill_placeholders(text, {"community_name": "马群社区", "street_name": "马群街道"})
    assert "马群社区居委会" in partial and "马群街道便民服务中心" in partial
    assert "{" not in partial and "电话" not in partial
    both = fill_placeholders(
        "{street_name}{street_service_center}",
        {"street_name": "尧化街道", "street_service_center": "尧化街道为民服务中心"},
    )
    assert both == "尧化街道为民服务中心"


def test_engine_from_small_entries_and_errors():
    entries = [
        {
            "id": "a-1",
            "topic": "甲",
            "question": "垃圾分几类？",
            "answer": "四类。",
            "similar": ["垃圾怎么分"],
            "keywords": ["垃圾分类"],
        },
        {
            "id": "a-2",
            "topic": "甲",
            "question": "电动车怎么上牌？",
            "answer": "去车管所。",
            "similar": [],
            "keywords": [],
        },
    ]
    eng = Engine.from_entries(entries)
    assert eng.answer("垃圾要怎么分").entry_id == "a-1"
    with pytest.raises(ValueError, match="duplicate"):
        Engine.from_entries(entries + [entries[0]])
    with pytest.raises(TypeError, match="unknown engine option"):
        Engine.from_entries(entries, nonsense=1)


def test_reply_kinds_are_known(engine):
    for q in ["你好", "社保怎么交", "楼道灯坏了好几天了没人修", "家里着火了", "股票怎么买"]:
        assert engine.answer(q).kind in KINDS


# -- command line --------------------------------------------------------------------------


def test_cli_json_one_object(capsys):
    assert cli.main(["ask", "公租房咋申请", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    obj = json.loads(out[0])
    assert set(obj) == {"kind", "text", "title", "category", "score", "entry_id"}
    assert obj["kind"] == "answer" and obj["title"] and isinstance(obj["score"], float)


def test_cli_reads_stdin_lines(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("你好\n\n楼道灯坏了好几天了没人修\n"))
    assert cli.main(["ask", "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert [x["kind"] for x in lines] == ["smalltalk", "unknown", "handoff"]
    assert lines[2]["category"] == "物业服务"
    assert lines[0]["category"] is None


def test_cli_human_readable(capsys):
    assert cli.main(["ask", "灭火器怎么用"]) == 0
    out = capsys.readouterr().out
    assert "灭火器" in out and not out.lstrip().startswith("{")
