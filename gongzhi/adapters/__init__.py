"""Channel adapters: residents reach 小栖 and the platform from the built-in web chat, a WeChat
Official Account (服务号) and a WeCom (企业微信) application; notices go out the same ways.

One interface (base.py): inbound messages become :class:`~gongzhi.adapters.base.InboundMessage`
events handled by one dispatcher; each channel sends with ``send_text`` and ``send_notice``.
Configuration and console set-up: docs/channels.md."""
