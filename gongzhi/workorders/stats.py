from .models import WorkOrder


def stats() -> dict:
    return {"work_orders": WorkOrder.objects.count()}
