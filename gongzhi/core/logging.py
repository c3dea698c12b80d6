import logging

from .identity import scrub_text


class MaskPIIFilter(logging.Filter):
    """Masks ID and mobile numbers in every log record before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:
            return True
        scrubbed = scrub_text(msg)
        if scrubbed != msg:
            record.msg, record.args = scrubbed, None
        return True
