"""Domain errors raised by actions; views and the API turn them into 4xx answers."""


class ActionError(Exception):
    """A request that is understood but refused (bad input, illegal state). Nothing changed."""

    status = 400

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class PermissionDenied(ActionError):
    status = 403

    def __init__(self, message: str, *, code: str = "forbidden"):
        super().__init__(message, code=code)


class RowsInvalid(ActionError):
    """An import file with bad rows: ``errors`` lists (row number, message); nothing was written."""

    def __init__(self, errors: list[tuple[int, str]], message: str | None = None):
        from django.utils.translation import gettext as _

        super().__init__(
            message or _("The file has errors; nothing was imported."), code="rows_invalid"
        )
        self.errors = errors


def required_text(
    value, message: str, *, field: str, code: str = "invalid", min_length: int = 2
) -> str:
    """The stripped text, or ActionError(message) when it is shorter than ``min_length``
    (reasons, comments: "a reason is required" everywhere an action asks for one)."""
    value = (value or "").strip()
    if len(value) < min_length:
        raise ActionError(message, code=code, field=field)
    return value
