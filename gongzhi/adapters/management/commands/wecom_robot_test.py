from django.core.management.base import BaseCommand, CommandError

from gongzhi.adapters.wecom import RobotError, config, robot_broadcast


class Command(BaseCommand):
    help = "Post a test notice to a WeCom group robot (default: GONGZHI_WECOM_ROBOT_URL)."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="robot webhook URL (…/cgi-bin/webhook/send?key=…)")
        parser.add_argument("--title", default="共治平台测试消息")
        parser.add_argument("--body", default="企业微信群机器人已接通，广播通知会同步发到这个群。")

    def handle(self, *args, **opts):
        url = opts["url"] or config().robot_url
        if not url:
            raise CommandError("give --url or set GONGZHI_WECOM_ROBOT_URL")
        try:
            robot_broadcast(opts["title"], opts["body"], url)
        except RobotError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS("robot message sent"))
