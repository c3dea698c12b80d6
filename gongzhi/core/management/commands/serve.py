from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the site, API and WebSockets (ASGI, uvicorn) against the configured database."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument(
            "--ws",
            choices=["websockets", "websockets-sansio", "wsproto"],
            default="websockets-sansio",
            help="uvicorn's WebSocket protocol implementation (default: websockets-sansio, "
            "~10%% less server CPU per chat message than websockets and a lower p99, measured "
            "by benchmarks/realtime.py --ws)",
        )
        parser.add_argument(
            "--ws-deflate",
            action="store_true",
            help="accept permessage-deflate on WebSockets (off: chat frames are a few hundred "
            "bytes, and compressing them cost ~25%% of the server's CPU per message, measured)",
        )

    def handle(self, *args, host, port, workers, ws, ws_deflate, **opts):
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
            ws=ws,
            ws_per_message_deflate=ws_deflate,
        )
