from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def send_broadcast(broadcast_id: int) -> int:
    from .actions import deliver_broadcast

    return deliver_broadcast(broadcast_id)


@db_periodic_task(crontab(minute="*/15"))
def rollup_chat_days():
    from .metrics import rollup

    return rollup()


@db_periodic_task(crontab(minute="*/10"))
def trim_outbox():
    """Live-event outbox rows (no-Redis mode) older than ten minutes: the ASGI processes' relays
    pushed them long ago; they trim too, this covers the time no server runs."""
    from .events import trim_outbox

    return trim_outbox()
