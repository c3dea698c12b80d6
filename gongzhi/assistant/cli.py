"""`gongzhi ask` — ask 小栖 from the command line (no Django needed).

    gongzhi ask "社保怎么交" --json      # one JSON object
    gongzhi ask "社保怎么交"             # human-readable
    printf '社保怎么交\\n你好\\n' | gongzhi ask --json   # one JSON line per input line
    python -m gongzhi.assistant.cli ask "居住证怎么办" --fill community_name=仙林社区

JSON shape: {"kind", "text", "title", "category", "score", "entry_id"}. Nothing but the
answers is written to stdout (jieba's messages are silenced; errors go to stderr).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from .engine import PLACEHOLDERS, Reply

_BLANK = Reply(kind="unknown", text="请告诉我你想咨询的问题。", score=0.0)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gongzhi ask",
        description="Ask 小栖, the community assistant. Without a question, reads one question "
        "per line from standard input.",
    )
    p.add_argument("question", nargs="*", help="the question (words are joined with spaces)")
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument(
        "--fill",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"community detail for the answers' placeholders ({', '.join(PLACEHOLDERS)})",
    )
    p.add_argument(
        "--kb-dir", default=None, help="knowledge-base directory (default: the shipped one)"
    )
    return p


def _format_human(reply: Reply) -> str:
    head = {
        "answer": "回答",
        "handoff": "转人工/提交工单",
        "emergency": "紧急情况",
        "smalltalk": "小栖",
        "unknown": "暂时无法回答",
    }.get(reply.kind, reply.kind)
    lines = [f"【{head}】" + (f"{reply.title}" if reply.title else "")]
    if reply.kind == "handoff" and reply.category:
        lines.append(f"诉求类别：{reply.category}")
    lines.append(reply.text)
    if reply.suggestions:
        lines.append("你可能还想问：")
        lines.extend(f"  · {q}" for _eid, q in reply.suggestions)
    return "\n".join(lines)


def _emit(reply: Reply, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(reply.as_dict(), ensure_ascii=False) + "\n")
    else:
        out.write(_format_human(reply) + "\n\n")
    out.flush()


def main(argv: Sequence[str] | None = None, engine_factory=None) -> int:
    """Entry point; ``argv`` excludes the program name (``["ask", "问题", "--json"]``)."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in and args_in[0] == "ask":
        args_in = args_in[1:]
    try:
        args = _parser().parse_args(args_in)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)

    fill: dict[str, str] = {}
    for item in args.fill:
        key, sep, value = item.partition("=")
        if not sep or key not in PLACEHOLDERS:
            print(
                f"gongzhi ask: invalid --fill {item!r} (use KEY=VALUE, KEY one of "
                f"{', '.join(PLACEHOLDERS)})",
                file=sys.stderr,
            )
            return 2
        fill[key] = value

    logging.getLogger("jieba").setLevel(logging.WARNING)
    from .kb import KBError, default_engine, load_entries

    try:
        if args.kb_dir:
            from .engine import Engine

            engine = Engine.from_entries(load_entries(args.kb_dir))
        else:
            engine = (engine_factory or default_engine)()
    except KBError as exc:
        print(f"gongzhi ask: {exc}", file=sys.stderr)
        return 1

    out = sys.stdout
    if args.question:
        _emit(engine.answer(" ".join(args.question), fill=fill), args.json, out)
        return 0
    for line in sys.stdin:
        text = line.strip()
        reply = engine.answer(text, fill=fill) if text else _BLANK
        _emit(reply, args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
