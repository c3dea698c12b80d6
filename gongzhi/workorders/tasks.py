"""Periodic jobs on the task queue (huey): `gongzhi run_huey` runs them."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .sweep import sweep


@db_periodic_task(crontab(minute="*/5"))
def sweep_orders():
    return sweep()
