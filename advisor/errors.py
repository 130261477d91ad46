"""Errors shown to users: one line naming the field and the value."""


class InputError(ValueError):
    """Bad user input (patient file, cohort, VCF); the CLI exits 2 with this message."""

    def __init__(self, field: str, value: object, message: str):
        self.field = field
        self.value = value
        self.message = message
        super().__init__(f"{field}: {message} (value: {value!r})" if field else message)
