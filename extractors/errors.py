"""The one exception extractors raise for input they cannot read."""


class ExtractionError(Exception):
    """Unreadable input: the message is a one-line reason fit for a log or a CLI."""
