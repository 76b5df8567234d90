"""The error raised for a distillation set-up that cannot work."""


class DistillConfigError(ValueError):
    """A distillation setting is invalid (layer map, stage, loss weights, model pair).

    The message is one line and names the setting and how to fix it.
    """
