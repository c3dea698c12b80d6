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
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gongzhi", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
