"""WeChat Official Account callback: URL check, plain and AES safe mode, replies from 小栖,
rejections that store nothing, retries, events, and customer-service pushes."""

import pytest
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from gongzhi.adapters.models import ChannelIdentity
from gongzhi.assistant.models import Exchange

from .conftest import WX_AES, WX_APPID, WX_TOKEN, event_xml, query, sign, text_xml, url

PATH = "/channels/wechat/"
OPENID = "oTestOpenid000000000000000001"


def post_plain(client, xml: str, **params):
    return client.post(url(PATH, query(WX_TOKEN, **params)), xml, content_type="text/xml")


def post_aes(client, xml: str, *, crypto=None, tamper=False):
    """Encrypt as WeChat does in safe mode; returns (response, crypto, params)."""
    crypto = crypto or WeChatCrypto(WX_TOKEN, WX_AES, WX_APPID)
    params = query(WX_TOKEN, encrypt_type="aes", openid=OPENID)
    body = crypto.encrypt_message(xml, params["nonce"], params["timestamp"])
    outer = xmltodict.parse(body)["xml"]
    params["msg_signature"] = outer["MsgSignature"]
    if tamper:
        params["msg_signature"] = sign("forged", params["timestamp"], params["nonce"])
    return client.post(url(PATH, params), body, content_type="text/xml"), params


def open_reply(resp, params):
    """Decrypt an encrypted passive reply with wechatpy and parse it."""
    outer = xmltodict.parse(resp.content)["xml"]
    crypto = WeChatCrypto(WX_TOKEN, WX_AES, WX_APPID)
    xml = crypto.decrypt_message(
        resp.content, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]
    )
    return parse_message(xml)


def test_disabled_until_configured(client, settings, db):
    settings.GONGZHI_WECHAT_TOKEN = ""
    resp = client.get(url(PATH, query("x", echostr="abc")))
    assert resp.status_code == 404 and b"GONGZHI_WECHAT_TOKEN" in resp.content
    assert client.post(PATH, "<xml/>", content_type="text/xml").status_code == 404


def test_url_check_echoes_only_with_a_good_signature(client, wechat, db):
    resp = client.get(url(PATH, query(WX_TOKEN, echostr="echo-4711")))
    assert resp.status_code == 200 and resp.content == b"echo-4711"
    params = query(WX_TOKEN, echostr="echo-4711")
    params["signature"] = sign("wrong-token", params["timestamp"], params["nonce"])
    assert client.get(url(PATH, params)).status_code == 403


def test_plain_text_is_answered_by_xiaoqi(client, wechat, db):
    resp = post_plain(client, text_xml(OPENID, "居住证怎么签注", 1001))
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/xml")
    reply = parse_message(resp.content)
    assert reply.type == "text" and reply.source == "gh_test" and reply.target == OPENID
    ex = Exchange.objects.get()
    assert ex.channel == "wechat" and ex.kind == "answer" and ex.user is None
    assert reply.content.startswith(ex.reply.strip()[:40]) and "签注" in reply.content
    assert ChannelIdentity.objects.filter(channel="wechat", external_id=OPENID).exists()


def test_safe_mode_reply_is_encrypted_and_carries_the_emergency_text(client, wechat, db):
    resp, params = post_aes(client, text_xml(OPENID, "厨房着火了", 1002))
    assert resp.status_code == 200
    assert b"<Encrypt>" in resp.content and "着火".encode() not in resp.content
    reply = open_reply(resp, params)
    assert reply.type == "text" and reply.target == OPENID
    assert "119" in reply.content
    ex = Exchange.objects.get()
    assert (ex.channel, ex.kind) == ("wechat", "emergency")


@pytest.mark.parametrize("mode", ["plain", "aes"])
def test_wrong_signature_is_refused_and_nothing_is_stored(client, wechat, db, mode):
    xml = text_xml(OPENID, "居住证怎么签注", 1003)
    if mode == "plain":
        params = query(WX_TOKEN)
        params["signature"] = sign("not-the-token", params["timestamp"], params["nonce"])
        resp = client.post(url(PATH, params), xml, content_type="text/xml")
    else:
        resp, _params = post_aes(client, xml, tamper=True)
    assert resp.status_code == 403
    assert not Exchange.objects.exists() and not ChannelIdentity.objects.exists()


def test_message_for_another_account_is_refused(client, wechat, db):
    other = WeChatCrypto(WX_TOKEN, WX_AES, "wxotherappid0000")
    resp, _params = post_aes(client, text_xml(OPENID, "居住证怎么签注", 1004), crypto=other)
    assert resp.status_code == 403 and not Exchange.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "<xml><ToUserName>gh_test</ToUserName><MsgType>text",  # cut off
        "not xml at all",
        "<xml><Content>no sender</Content></xml>",
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><MsgType>&a;</MsgType></xml>',
    ],
)
def test_malformed_xml_is_400_and_stores_nothing(client, wechat, db, body):
    assert post_plain(client, body).status_code == 400
    assert not Exchange.objects.exists() and not ChannelIdentity.objects.exists()


def test_malformed_encrypted_envelope_is_400(client, wechat, db):
    params = query(WX_TOKEN, encrypt_type="aes", msg_signature="0" * 40)
    resp = client.post(url(PATH, params), "<xml><Encrypt>", content_type="text/xml")
    assert resp.status_code == 400 and not Exchange.objects.exists()


def test_retries_of_the_same_message_are_answered_once(client, wechat, db):
    xml = text_xml(OPENID, "居住证怎么签注", 1005)
    first, second = post_plain(client, xml), post_plain(client, xml)
    assert parse_message(first.content).content == parse_message(second.content).content
    assert Exchange.objects.count() == 1


def test_subscribe_gets_a_welcome_and_unsubscribe_forgets_the_account(client, wechat, db):
    reply = parse_message(post_plain(client, event_xml(OPENID, "subscribe")).content)
    assert "小栖" in reply.content and "绑定" in reply.content
    assert ChannelIdentity.objects.filter(external_id=OPENID).exists()
    resp = post_plain(client, event_xml(OPENID, "unsubscribe"))
    assert resp.content == b"success"
    assert not ChannelIdentity.objects.filter(external_id=OPENID).exists()
    assert not Exchange.objects.exists()


def test_other_messages_get_a_polite_text_and_menu_events_nothing(client, wechat, db):
    image = (
        f"<xml><ToUserName>gh_test</ToUserName><FromUserName>{OPENID}</FromUserName>"
        "<CreateTime>1</CreateTime><MsgType>image</MsgType><PicUrl>http://x/y.jpg</PicUrl>"
        "<MediaId>m1</MediaId><MsgId>1006</MsgId></xml>"
    )
    reply = parse_message(post_plain(client, image).content)
    assert "文字" in reply.content
    assert post_plain(client, event_xml(OPENID, "CLICK")).content == b"success"
    assert not Exchange.objects.exists()


def test_customer_service_message_goes_to_the_configured_api(wechat, fake_api, db):
    from gongzhi.adapters.wechat import WeChatAdapter

    wechat.GONGZHI_WECHAT_SECRET = "wx-secret"
    wechat.GONGZHI_WECHAT_API_BASE = fake_api.base
    WeChatAdapter().send_text(OPENID, "你的诉求已受理")
    WeChatAdapter().send_text(OPENID, "第二条")  # the access token is reused
    token, send, send2 = fake_api.calls
    assert (token.method, token.path) == ("GET", "/cgi-bin/token")
    assert token.query == {
        "grant_type": "client_credential",
        "appid": WX_APPID,
        "secret": "wx-secret",
    }
    assert (send.method, send.path) == ("POST", "/cgi-bin/message/custom/send")
    assert send.query["access_token"] == "FAKE-ACCESS-TOKEN"
    assert send.json == {"touser": OPENID, "msgtype": "text", "text": {"content": "你的诉求已受理"}}
    assert send2.json["text"]["content"] == "第二条"


def test_logs_carry_neither_openids_nor_message_text(client, wechat, db, caplog):
    caplog.set_level("DEBUG")
    post_plain(client, text_xml(OPENID, "我电话13812345678，居住证怎么签注", 1007))
    post_plain(client, text_xml(OPENID, "绑定 123456", 1008))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "gongzhi.adapters" in {r.name for r in caplog.records}
    for secret in (OPENID, "13812345678", "居住证", "123456"):
        assert secret not in logged
    assert "13812345678" not in Exchange.objects.get().question


def test_an_internal_error_still_gets_a_polite_reply(client, wechat, db, monkeypatch):
    from gongzhi.adapters import base

    def boom(msg):
        raise RuntimeError("boom")

    monkeypatch.setattr(base, "dispatch", boom)
    reply = parse_message(post_plain(client, text_xml(OPENID, "居住证怎么签注", 1009)).content)
    assert "稍后再试" in reply.content
