"""Gongzhi 共治 — community co-governance platform."""

__version__ = "0.1.0"
