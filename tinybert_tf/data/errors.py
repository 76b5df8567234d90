"""The one exception type for bad input data."""


class DataError(ValueError):
    """Bad input data. The message is one line: `<file>[:<line>]: <what is wrong>`."""

    def __init__(self, source, message, line=None):
        where = f"{source}:{line}" if line is not None else f"{source}"
        # One line, whatever the offending value held.
        text = f"{where}: {message}".replace("\r", "\\r").replace("\n", "\\n")
        super().__init__(text)
        self.source = str(source)
        self.line = line


def preview(value, width=40):
    """A short, one-line `repr` of a value for error messages."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."
