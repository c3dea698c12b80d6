"""Binding an outside account with a one-time code, and opening work orders from a hand-off;
plus the web chat adapter and the dispatcher contract."""

import datetime as dt
import itertools
import re

import pytest
from django.utils import timezone
from wechatpy import parse_message

from gongzhi.adapters import base, binding
from gongzhi.adapters.models import BindCode, ChannelIdentity
from gongzhi.adapters.web import WebChatAdapter
from gongzhi.assistant.models import Exchange
from gongzhi.workorders.models import WorkOrder

from .conftest import WX_TOKEN, query, text_xml, url

OPENID = "oRitaOpenid00000000000000001"
HANDOFF = "小区垃圾桶满了三天都没人清运，臭死了"
MSG_IDS = itertools.count(5001)


class Chat:
    """Talks to /channels/wechat/ as one follower."""

    def __init__(self, client, openid=OPENID):
        self.client, self.openid = client, openid

    def say(self, text: str) -> str:
        xml = text_xml(self.openid, text, next(MSG_IDS))
        resp = self.client.post(url("/channels/wechat/", query(WX_TOKEN)), xml, "text/xml")
        assert resp.status_code == 200, resp.content
        return parse_message(resp.content).content


def code_for(client_for, name="rita") -> str:
    resp = client_for(name).post("/channels/bind/", {"action": "code"})
    assert resp.status_code == 200
    return re.search(r"绑定 (\d{6})", resp.content.decode()).group(1)


def test_bind_page_gives_a_code_that_binds_once(client, client_for, wechat, district):
    code = code_for(client_for)
    assert BindCode.objects.filter(user=district.users["rita"]).count() == 1
    assert code not in BindCode.objects.get().code_hash  # only a keyed hash is stored
    assert "绑定成功" in Chat(client).say(f"绑定 {code}")
    ident = ChannelIdentity.objects.get(channel="wechat", external_id=OPENID)
    assert ident.user == district.users["rita"] and ident.bound_at
    other = Chat(client, "oSomebodyElse000000000000001")
    assert "无效" in other.say(f"绑定{code}")  # used codes do not work again
    assert ChannelIdentity.objects.get(external_id=other.openid).user is None


def test_a_new_code_replaces_the_old_one(client_for, district):
    first = code_for(client_for)
    second = code_for(client_for)
    with pytest.raises(binding.BindError):
        binding.redeem("wechat", OPENID, first)
    assert binding.redeem("wechat", OPENID, second).user == district.users["rita"]


def test_expired_codes_do_not_bind(district):
    past = timezone.now() - dt.timedelta(hours=1)
    code, _expires = binding.issue_code(district.users["rita"], now=past)
    with pytest.raises(binding.BindError):
        binding.redeem("wechat", OPENID, code)
    assert not ChannelIdentity.objects.exclude(user=None).exists()


def test_guessing_is_rate_limited(district):
    code, _expires = binding.issue_code(district.users["rita"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(binding.MAX_FAILURES):
        with pytest.raises(binding.BindError):
            binding.redeem("wechat", OPENID, wrong)
    with pytest.raises(binding.BindError, match="次数过多"):
        binding.redeem("wechat", OPENID, code)  # even the right code, for a while
    assert binding.redeem("wechat", "oAnotherPhone", code).user == district.users["rita"]


def test_binding_again_from_a_new_phone_moves_the_binding(client_for, district):
    binding.redeem("wechat", "oOldPhone", code_for(client_for))
    binding.redeem("wechat", "oNewPhone", code_for(client_for))
    bound = ChannelIdentity.objects.exclude(user=None).values_list("external_id", flat=True)
    assert list(bound) == ["oNewPhone"]


def test_unbind_by_message_and_on_the_page(client, client_for, wechat, district):
    chat = Chat(client)
    chat.say(f"绑定 {code_for(client_for)}")
    assert "已解除" in chat.say("解绑")
    assert ChannelIdentity.objects.get(external_id=OPENID).user is None
    binding.redeem("wechat", OPENID, code_for(client_for))
    ident = ChannelIdentity.objects.get(external_id=OPENID)
    # somebody else cannot remove rita's binding …
    resp = client_for("alice").post("/channels/bind/", {"action": "unbind", "identity": ident.pk})
    assert resp.status_code == 404
    ident.refresh_from_db()
    assert ident.user == district.users["rita"]
    # … rita can
    resp = client_for("rita").post("/channels/bind/", {"action": "unbind", "identity": ident.pk})
    assert resp.status_code == 302
    ident.refresh_from_db()
    assert ident.user is None


def test_bind_page_needs_a_login(client, db):
    assert client.get("/channels/bind/").status_code == 302
    assert not BindCode.objects.exists()


def test_unbound_followers_are_asked_to_bind_before_submitting(client, wechat, district):
    chat = Chat(client)
    reply = chat.say(HANDOFF)
    assert "绑定" in reply and Exchange.objects.get().kind == "handoff"
    assert "绑定" in chat.say("提交")
    assert not WorkOrder.objects.exists()


def test_bound_resident_submits_a_work_order_synchronously(client, client_for, wechat, district):
    chat = Chat(client)
    chat.say(f"绑定 {code_for(client_for)}")
    reply = chat.say(HANDOFF)
    assert "回复「提交」" in reply
    ex = Exchange.objects.get(kind="handoff")
    assert ex.user == district.users["rita"] and ex.channel == "wechat"
    reply = chat.say("提交")
    order = WorkOrder.objects.get()
    assert order.number in reply
    assert order.reporter == district.resident_a and order.source_ref == f"assistant:{ex.pk}"
    ex.refresh_from_db()
    assert ex.work_order == order
    assert "描述" in chat.say("提交")  # nothing left to submit
    assert WorkOrder.objects.count() == 1


def test_submission_result_is_pushed_by_customer_service_message(
    client, client_for, wechat, district, fake_api
):
    wechat.GONGZHI_WECHAT_SECRET = "wx-secret"
    wechat.GONGZHI_WECHAT_API_BASE = fake_api.base
    chat = Chat(client)
    chat.say(f"绑定 {code_for(client_for)}")
    chat.say(HANDOFF)
    assert "稍后" in chat.say("提交")
    order = WorkOrder.objects.get()
    token, send = fake_api.calls
    assert token.path == "/cgi-bin/token" and token.query["secret"] == "wx-secret"
    assert send.path == "/cgi-bin/message/custom/send"
    assert send.json["touser"] == OPENID and send.json["msgtype"] == "text"
    assert order.number in send.json["text"]["content"]


def test_staff_without_a_resident_record_cannot_submit(client, client_for, wechat, district):
    chat = Chat(client)
    chat.say(f"绑定 {code_for(client_for, 'alice')}")
    chat.say(HANDOFF)
    assert "居民登记" in chat.say("提交")
    assert not WorkOrder.objects.exists()


def test_bound_user_questions_are_logged_as_theirs(client, client_for, wechat, district):
    chat = Chat(client)
    chat.say(f"绑定 {code_for(client_for)}")
    chat.say("居住证怎么签注")
    ex = Exchange.objects.get()
    assert ex.user == district.users["rita"] and ex.community == district.a


def test_web_chat_adapter(district):
    rita = district.users["rita"]
    reply = base.dispatch(WebChatAdapter.inbound(rita, "居住证怎么签注"))
    ex = Exchange.objects.get()
    assert (ex.channel, ex.user, ex.kind) == ("web", rita, "answer") and "签注" in reply
    msg = WebChatAdapter(rita).send_text(district.group_a.pk, "大家好")
    assert msg.group_id == district.group_a.pk and msg.text == "大家好"
    alice = district.users["alice"]
    assert WebChatAdapter(alice, [district.group_a.pk]).send_notice("通知", "内容") == 1
    assert district.group_a.notices.get().title == "通知"


def test_dispatcher_contract(db):
    with pytest.raises(ValueError):
        base.dispatch(base.InboundMessage("wechat", "o1", "", "sticker"))
    assert base.dispatch(base.InboundMessage("wechat", "o1", "", base.IGNORE)) is None
    long = base.clip("长" * 2000)
    assert len(long.encode()) <= base.MAX_REPLY_BYTES and long.endswith("…")
    assert "]]>" not in base.clip("a]]>b")


def test_bind_page_is_in_chinese_and_shows_only_own_bindings(client_for, district):
    binding.redeem("wechat", "oRob", binding.issue_code(district.users["rob"])[0])
    page = client_for("rita").get("/channels/bind/").content.decode()
    assert "获取绑定码" in page and "暂无" in page


def test_binding_card_tag_for_the_me_page(rf, district):
    from django.template import Context, Template

    request = rf.get("/me/")
    request.user = district.users["rita"]
    html = Template("{% load gongzhi_channels %}{% channel_binding %}").render(
        Context({"request": request})
    )
    assert 'action="/channels/bind/"' in html and "获取绑定码" in html
