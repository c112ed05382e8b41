"""The one error type the engines raise for bad input."""


class EngineError(ValueError):
    """A request the engine cannot serve; the message is shown to the client as a 400."""
