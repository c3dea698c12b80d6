from .models import Message


def stats() -> dict:
    return {"messages": Message.objects.count()}
