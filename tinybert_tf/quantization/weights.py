"""Moving weights between a float student and its quantization-aware twin, both ways.

A twin layer has the float layer's sub-layers under the same names, some of them
inside a `QuantizeWrapperV2` (named `quant_<name>`), plus fake-quant layers of its
own. Weights are matched by that structure, not by variable names (which tfmot's
cloning rewrites): sub-layers by name with wrappers looked through, a layer's own
weights (e.g. a Dense kernel and bias) by their short names, shapes checked.
"""

import tensorflow_model_optimization as tfmot

from tinybert_tf.quantization.fake_quant import FakeQuant

QuantizeWrapper = tfmot.quantization.keras.QuantizeWrapper
_PREFIX = "quant_"


class WeightMismatchError(ValueError):
    """The two layers do not have the same weights (one-line message)."""


def _unwrap(layer):
    while isinstance(layer, QuantizeWrapper):
        layer = layer.layer
    return layer


def _short(variable):
    return variable.name.split(":")[0].split("/")[-1]


def _own_weights(layer):
    """{short name: variable} of the weights a layer creates itself (not its sub-layers').

    tfmot's wrapper replaces a quantized weight attribute (Dense.kernel, Embedding.
    embeddings) by its fake-quantized tensor, which drops the variable from the inner
    layer's lists; the wrapper keeps it in `_weight_vars`.
    """
    weights = []
    while isinstance(layer, QuantizeWrapper):
        weights += [variable for variable, _, _ in getattr(layer, "_weight_vars", [])]
        layer = layer.layer
    weights += list(layer._trainable_weights) + list(layer._non_trainable_weights)
    return {_short(w): w for w in weights}


def _sublayers(layer):
    """{name without wrapper prefix: unwrapped sub-layer} of direct sub-layers."""
    subs = {}
    for sub in layer._flatten_layers(include_self=False, recursive=False):
        name = sub.name.removeprefix(_PREFIX) if isinstance(sub, QuantizeWrapper) else sub.name
        subs[name] = sub
    return subs


def copy_weights(source, target, path=""):
    """Assigns every weight of `source` to the matching weight of `target` (recursively).

    Sub-layers of `target` with no counterpart in `source` (fake-quant layers) keep
    their values; fake-quant sub-layers of `source` are skipped; any other weight of
    `source` with no counterpart raises.
    """
    path = f"{path}/{_unwrap(source).name}" if path else _unwrap(source).name
    mine, theirs = _own_weights(source), _own_weights(target)
    if set(mine) != set(theirs):
        raise WeightMismatchError(f"{path}: weights {sorted(mine)} vs {sorted(theirs)}")
    for name, weight in mine.items():
        if weight.shape != theirs[name].shape:
            raise WeightMismatchError(
                f"{path}/{name}: shape {weight.shape} vs {theirs[name].shape}"
            )
        theirs[name].assign(weight)
    source, target = _unwrap(source), _unwrap(target)
    targets = _sublayers(target)
    for name, sub in _sublayers(source).items():
        if not sub.weights or isinstance(sub, FakeQuant):  # range state has no float twin
            continue
        if name not in targets:
            raise WeightMismatchError(f"{path}: sub-layer {name} has no counterpart")
        copy_weights(sub, targets[name], path)


def find_layer(model, name):
    """`model`'s layer `name`, or the `quant_<name>` wrapper tfmot made of it."""
    for candidate in (name, _PREFIX + name):
        try:
            return model.get_layer(candidate)
        except ValueError:
            continue
    raise WeightMismatchError(f"{model.name}: no layer {name} (or {_PREFIX}{name})")


def copy_model_weights(source, target):
    """Copies each layer of `source` that has weights into the same-named layer of `target`."""
    for layer in source.layers:
        if layer.weights:
            copy_weights(layer, find_layer(target, layer.name.removeprefix(_PREFIX)))
