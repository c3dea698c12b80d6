"""The `gongzhi` console command: every Django management command plus Gongzhi's own
(`serve`, `seed`, `stats`, `classifier …`). `gongzhi help` lists them."""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    if argv and argv[0] == "classifier":
        try:
            from gongzhi.nlp.cli import main as nlp_main
        except ImportError:
            print("gongzhi: the classifier module is not installed", file=sys.stderr)
            return 2
        return nlp_main(argv)
    if argv and argv[0] == "ask":
        return _ask(argv)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gongzhi", *argv])
    return 0


def _ask(argv: list[str]) -> int:
    """`gongzhi ask`: answers from the database's published knowledge base when the configured
    database is migrated, else from the shipped starter knowledge base."""
    import django

    django.setup()
    from gongzhi.assistant import service
    from gongzhi.assistant.cli import main as ask_main

    return ask_main(argv, engine_factory=service.engine)


if __name__ == "__main__":
    sys.exit(main())
