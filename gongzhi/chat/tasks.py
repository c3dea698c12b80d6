from huey.contrib.djhuey import db_task


@db_task()
def send_broadcast(broadcast_id: int) -> int:
    from .actions import deliver_broadcast

    return deliver_broadcast(broadcast_id)
