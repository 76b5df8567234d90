"""The floor: a TFLite model made only of the student's int8 matrix multiplications.

Per encoder layer the student multiplies, at batch 1 and sequence S:

    Q, K, V, O dense   [S, H] x [H, H]     (4 per layer)
    FFN up             [S, H] x [H, F]
    FFN down           [S, F] x [F, H]

The floor chains exactly these six dense layers per layer (Q -> K -> V -> O -> up ->
down, each feeding the next: the shapes match, so nothing is needed between them) and
quantizes all of it to int8 with int8 input and output, so the converted graph holds
only int8 FULLY_CONNECTED ops: no embedding lookup, no attention core, no norms, no
activations, no residual adds. What an int8 student does beyond this is overhead.

`attention=True` adds the two attention batch matmuls of each layer, in int8
(scores = Q K^T [heads, S, S], context = scores V [heads, S, d]), with the reshapes
and transposes that split heads; Q, K and V then all read the layer input as in the
student. XNNPACK has no int8 BATCH_MATMUL, so this variant measures the reference
kernels too; it is reported beside the floor, not used for the ratio.
"""
import numpy as np
import tensorflow as tf
import tf_keras

FLOOR_OPS = ("FULLY_CONNECTED",)
FLOOR_ATTENTION_OPS = ("FULLY_CONNECTED", "BATCH_MATMUL", "RESHAPE", "TRANSPOSE")
EDGE_OPS = ("QUANTIZE", "DEQUANTIZE")


def _dense(units, name, seed):
    # LeCun normal (stddev 1/sqrt(fan_in)) keeps activations at unit scale along the chain;
    # BERT's stddev 0.02 would shrink them to ~1e-14 after a dozen layers.
    init = tf_keras.initializers.LecunNormal(seed=seed)
    return tf_keras.layers.Dense(units, kernel_initializer=init, name=name)


def _heads(x, sequence_length, num_heads, head_dim):  # [1, S, H] -> [1, heads, S, d]
    x = tf.reshape(x, [1, sequence_length, num_heads, head_dim])
    return tf.transpose(x, [0, 2, 1, 3])


def _attention(x, sequence_length, num_heads, hidden_dim, layer, seed):
    """Q, K, V from x; int8 QK^T and (QK^T)V; O. Returns [1, S, H]."""
    head_dim = hidden_dim // num_heads
    q, k, v = (
        _heads(_dense(hidden_dim, f"layer_{layer}_{n}", seed + i)(x),
               sequence_length, num_heads, head_dim)
        for i, n in enumerate("qkv")
    )  # each [1, heads, S, d]
    # TF ops on symbolic tensors become tf_keras op layers; this model is never cloned.
    scores = tf.matmul(q, k, transpose_b=True)  # [1, heads, S, S]
    context = tf.matmul(scores, v)  # [1, heads, S, d]
    context = tf.transpose(context, [0, 2, 1, 3])  # [1, S, heads, d]
    context = tf.reshape(context, [1, sequence_length, hidden_dim])  # [1, S, H]
    return _dense(hidden_dim, f"layer_{layer}_o", seed + 3)(context)


def floor_model(num_layers, hidden_dim, intermediate_dim, sequence_length, num_heads=None,
                attention=False, seed=0):
    """A float tf_keras model [1, S, H] -> [1, S, H] of the student's matmuls (see module doc).

    Weights are random (LeCun normal): latency does not depend on their values.
    """
    for name, value in [("num_layers", num_layers), ("hidden_dim", hidden_dim),
                        ("intermediate_dim", intermediate_dim),
                        ("sequence_length", sequence_length)]:
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if attention and (not num_heads or hidden_dim % num_heads):
        raise ValueError(f"attention=True needs num_heads dividing hidden_dim ({hidden_dim}), "
                         f"got {num_heads!r}")
    x = inputs = tf_keras.Input((sequence_length, hidden_dim), batch_size=1, name="hidden")
    for layer in range(num_layers):
        s = seed + 10 * layer
        if attention:
            x = _attention(x, sequence_length, num_heads, hidden_dim, layer, s)
        else:
            for i, n in enumerate("qkvo"):
                x = _dense(hidden_dim, f"layer_{layer}_{n}", s + i)(x)  # [1, S, H]
        x = _dense(intermediate_dim, f"layer_{layer}_up", s + 4)(x)  # [1, S, F]
        x = _dense(hidden_dim, f"layer_{layer}_down", s + 5)(x)  # [1, S, H]
    return tf_keras.Model(inputs, x, name="matmul_floor")


def floor_tflite(model, int8=True, calibration_steps=8, seed=0):
    """Full-integer int8 TFLite flatbuffer (bytes) of `floor_model(...)`: int8 in and out.

    Ranges are calibrated on random normal activations; the values do not matter for
    latency, only that every tensor gets an int8 scale. `int8=False` converts the same
    matmuls in float32 (the int8 speed-up of the bare matmuls on this CPU).
    """
    shape = [1, *model.input_shape[1:]]
    rng = np.random.default_rng(seed)

    def representative():
        for _ in range(calibration_steps):
            yield [rng.standard_normal(shape).astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if not int8:
        return converter.convert()
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return converter.convert()


def matmul_macs(num_layers, hidden_dim, intermediate_dim, sequence_length, attention=False):
    """Multiply-accumulates of the floor at batch 1 (for the report)."""
    per_layer = 4 * sequence_length * hidden_dim * hidden_dim
    per_layer += 2 * sequence_length * hidden_dim * intermediate_dim
    if attention:
        per_layer += 2 * sequence_length * sequence_length * hidden_dim
    return num_layers * per_layer
