"""WeCom application callback (URL verification, encrypted messages and replies), application
messages, and the group robot (direct, management command, broadcasts to "wecom" groups)."""

import pytest
import xmltodict
from django.core.management import call_command
from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

from gongzhi.adapters.models import ChannelIdentity
from gongzhi.assistant.models import Exchange

from .conftest import WC_AES, WC_CORPID, WC_TOKEN, query, sign, text_xml, url

PATH = "/channels/wecom/"
USERID = "ZhangSan"


def crypto(corp_id=WC_CORPID):
    return WeChatCrypto(WC_TOKEN, WC_AES, corp_id)


def post(client, xml: str, *, corp_id=WC_CORPID, forge=False):
    params = query(WC_TOKEN)
    params.pop("signature")
    body = crypto(corp_id).encrypt_message(xml, params["nonce"], params["timestamp"])
    params["msg_signature"] = xmltodict.parse(body)["xml"]["MsgSignature"]
    if forge:
        params["msg_signature"] = sign("x", params["timestamp"], params["nonce"])
    return client.post(url(PATH, params), body, content_type="text/xml")


def open_reply(resp):
    outer = xmltodict.parse(resp.content)["xml"]
    xml = crypto().decrypt_message(
        resp.content, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]
    )
    return parse_message(xml)


def wecom_text(content: str, msg_id: int) -> str:
    return text_xml(USERID, content, msg_id, to=WC_CORPID, agent="1000002")


def test_disabled_until_configured(client, settings, db):
    settings.GONGZHI_WECOM_TOKEN = ""
    resp = client.get(PATH)
    assert resp.status_code == 404 and b"GONGZHI_WECOM_TOKEN" in resp.content


def test_url_verification_returns_the_decrypted_echostr(client, wecom, db):
    params = query(WC_TOKEN)
    params.pop("signature")
    echostr = PrpCrypto(crypto().key).encrypt("7196485403946745633", WC_CORPID).decode()
    params.update(
        echostr=echostr, msg_signature=sign(WC_TOKEN, params["timestamp"], params["nonce"], echostr)
    )
    resp = client.get(url(PATH, params))
    assert resp.status_code == 200 and resp.content == b"7196485403946745633"
    params["msg_signature"] = sign("wrong", params["timestamp"], params["nonce"], echostr)
    assert client.get(url(PATH, params)).status_code == 403


def test_encrypted_question_gets_an_encrypted_answer_from_xiaoqi(client, wecom, db):
    resp = post(client, wecom_text("居住证怎么签注", 2001))
    assert resp.status_code == 200 and "签注".encode() not in resp.content
    reply = open_reply(resp)
    assert reply.type == "text" and reply.target == USERID and reply.agent == 1000002
    ex = Exchange.objects.get()
    assert (ex.channel, ex.kind) == ("wecom", "answer")
    assert "签注" in reply.content and reply.content.startswith(ex.reply.strip()[:40])


def test_emergency_over_wecom(client, wecom, db):
    reply = open_reply(post(client, wecom_text("厨房着火了", 2002)))
    assert "119" in reply.content
    assert Exchange.objects.get().kind == "emergency"


def test_forged_or_foreign_messages_are_refused_and_store_nothing(client, wecom, db):
    assert post(client, wecom_text("居住证怎么签注", 2003), forge=True).status_code == 403
    assert post(client, wecom_text("居住证怎么签注", 2004), corp_id="wwother").status_code == 403
    params = query(WC_TOKEN, msg_signature="0" * 40)
    assert client.post(url(PATH, params), "<xml><Encr", content_type="text/xml").status_code == 400
    assert not Exchange.objects.exists() and not ChannelIdentity.objects.exists()


def test_application_message_goes_to_the_configured_api(wecom, fake_api, db):
    from gongzhi.adapters.wecom import WeComAdapter

    wecom.GONGZHI_WECOM_SECRET = "wc-secret"
    wecom.GONGZHI_WECOM_API_BASE = fake_api.base
    WeComAdapter().send_text(USERID, "工单已办结")
    token, send = fake_api.calls
    assert (token.path, token.query) == (
        "/cgi-bin/gettoken",
        {"corpid": WC_CORPID, "corpsecret": "wc-secret"},
    )
    assert (send.method, send.path, send.query["access_token"]) == (
        "POST",
        "/cgi-bin/message/send",
        "FAKE-ACCESS-TOKEN",
    )
    assert send.json["touser"] == USERID and send.json["agentid"] == 1000002
    assert send.json["msgtype"] == "text" and send.json["text"] == {"content": "工单已办结"}


def test_robot_posts_markdown(fake_api, db):
    from gongzhi.adapters.wecom import robot_broadcast

    robot_broadcast(
        "停水通知", "明天9:00-12:00停水。", fake_api.base + "cgi-bin/webhook/send?key=K"
    )
    (call,) = fake_api.calls
    assert (call.method, call.path, call.query) == ("POST", "/cgi-bin/webhook/send", {"key": "K"})
    assert call.json == {
        "msgtype": "markdown",
        "markdown": {"content": "## 停水通知\n明天9:00-12:00停水。"},
    }


def test_robot_test_command(fake_api, db, capsys):
    call_command("wecom_robot_test", url=fake_api.base + "robot?key=K", title="T", body="B")
    assert fake_api.calls[0].json["markdown"]["content"] == "## T\nB"
    assert "sent" in capsys.readouterr().out


def test_robot_failure_is_reported_without_the_key(db, monkeypatch):
    from gongzhi.adapters.wecom import RobotError, robot_broadcast

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # nothing listens on port 9: refused at once

    with pytest.raises(RobotError) as err:
        robot_broadcast("T", "B", "http://127.0.0.1:9/cgi-bin/webhook/send?key=SECRETKEY")
    assert "SECRETKEY" not in str(err.value)


def test_broadcast_to_wecom_groups_goes_to_the_robot_once(
    district, settings, fake_api, django_capture_on_commit_callbacks
):
    from gongzhi.chat.actions import deliver_broadcast, do_create_broadcast
    from gongzhi.groups.models import CommunityGroup

    settings.GONGZHI_WECOM_ROBOT_URL = fake_api.base + "cgi-bin/webhook/send?key=K"
    CommunityGroup.objects.filter(pk=district.group_a.pk).update(tags="wecom,物业")
    CommunityGroup.objects.create(
        community=district.a, kind="residents", name="甲社区二群", tags="老年 wecom"
    )
    with django_capture_on_commit_callbacks(execute=True):
        b = do_create_broadcast(
            district.users["alice"],
            title="停水通知",
            body="明天9:00-12:00停水。",
            selector={"communities": [district.a.pk]},
        )
    with django_capture_on_commit_callbacks(execute=True):
        deliver_broadcast(b.pk)  # a second run delivers nothing new and posts nothing
    robot = [c for c in fake_api.calls if c.path == "/cgi-bin/webhook/send"]
    assert len(robot) == 1
    assert robot[0].json["markdown"]["content"] == "## 停水通知\n明天9:00-12:00停水。"


def test_broadcast_without_wecom_groups_does_not_use_the_robot(
    district, settings, fake_api, django_capture_on_commit_callbacks
):
    from gongzhi.chat.actions import do_create_broadcast

    settings.GONGZHI_WECOM_ROBOT_URL = fake_api.base + "cgi-bin/webhook/send?key=K"
    with django_capture_on_commit_callbacks(execute=True):
        do_create_broadcast(
            district.users["alice"],
            title="通知",
            body="内容",
            selector={"communities": [district.a.pk]},
        )
    assert fake_api.calls == []
