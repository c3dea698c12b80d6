from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the site, API and WebSockets (ASGI, uvicorn) against the configured database."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, host, port, workers, **opts):
        import uvicorn

        self.stdout.write(f"Gongzhi serving on http://{host}:{port}/ (Ctrl+C to stop)")
        self.stdout.flush()
        uvicorn.run(
            "gongzhi.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            lifespan="off",
        )
