"""ASGI entry: HTTP through Django, WebSockets through Channels (routes added by modules)."""

import gc
import os

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
django_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from gongzhi.chat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Everything loaded so far (Django, the apps, the URL and WebSocket routes: ~90,000 objects)
# lives as long as the process. Freezing it keeps the collector's full passes, which stop the
# event loop and every socket with it, from walking it again and again (benchmarks/realtime.py:
# full passes of 100-200 ms with 500 sockets).
gc.freeze()
