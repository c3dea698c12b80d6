import time

from django.core.management.base import BaseCommand, CommandError

from gongzhi.seed.builder import DEMO_PASSWORD, SCALES, Builder, district_exists


class Command(BaseCommand):
    help = "Build the demo district (small: seconds; seed: the seed article's full scale)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--random-seed", type=int, default=2016)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, scale, random_seed, no_progress, **opts):
        if district_exists():
            self.stdout.write("The district is already seeded; nothing to do.")
            return
        from django.db import connection

        if "org_orgunit" not in connection.introspection.table_names():
            raise CommandError("The database is not migrated: run `gongzhi migrate` first.")
        t0 = time.monotonic()
        Builder(SCALES[scale], random_seed, progress=not no_progress, out=self.stdout).build()
        self.stdout.write(
            f"Seeded scale={scale} in {time.monotonic() - t0:.1f}s (demo password: {DEMO_PASSWORD})"
        )
