import importlib
import json

from django.apps import apps
from django.core.management.base import BaseCommand


def collect() -> dict:
    out: dict = {}
    for app in apps.get_app_configs():
        if not app.name.startswith("gongzhi."):
            continue
        try:
            mod = importlib.import_module(f"{app.name}.stats")
        except ModuleNotFoundError:
            continue
        out.update(mod.stats())
    return out


class Command(BaseCommand):
    help = "Print counts of the district's data (one JSON object with --json)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        data = collect()
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            for k, v in data.items():
                self.stdout.write(f"{k:<16} {v:>10,}")
