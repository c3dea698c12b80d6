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
