"""Distiller: loss wiring, training lowers every term, frozen teacher, NaN stop, distribution."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf
import tf_keras

from tests.distill.conftest import FeatureTeacher, build_pair, make_arrays, make_dataset
from tinybert_tf.constants import IGNORE_LABEL, PADDING_MASK
from tinybert_tf.distill import (
    DistillConfigError,
    Distiller,
    NonFiniteLossError,
    StopOnNonFiniteLoss,
    losses,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_losses_are_the_loss_functions_on_the_mapped_layers(pair):
    student, teacher = pair
    distiller = Distiller(student, teacher)
    features, labels = make_arrays(8)
    s = student.feature_model(features, training=False)
    t = teacher(features)
    mask = features[PADDING_MASK]
    assert teacher.num_layers == 4
    assert student.feature_model.output["hidden_states"][0].shape[-1] == 16

    distiller.compile("sgd", stage="intermediate", run_eagerly=True)
    assert distiller.layer_map == [2, 4]
    got = distiller.evaluate(features, labels, batch_size=8, verbose=0, return_dict=True)
    p = distiller.projections
    emb = losses.hidden_mse(s["hidden_states"][0], t["hidden_states"][0], p[0], mask)
    hidden = (losses.hidden_mse(s["hidden_states"][1], t["hidden_states"][2], p[1], mask)
              + losses.hidden_mse(s["hidden_states"][2], t["hidden_states"][4], p[2], mask))
    att = (losses.attention_mse(s["attention_scores"][0], t["attention_scores"][1], mask)
           + losses.attention_mse(s["attention_scores"][1], t["attention_scores"][3], mask))
    np.testing.assert_allclose(got["emb_loss"], emb.numpy(), rtol=1e-5)
    np.testing.assert_allclose(got["hidden_loss"], hidden.numpy(), rtol=1e-5)
    np.testing.assert_allclose(got["att_loss"], att.numpy(), rtol=1e-5)
    np.testing.assert_allclose(got["loss"], (emb + hidden + att).numpy(), rtol=1e-5)
    task = losses.hard_label_loss(labels, s["logits"])
    np.testing.assert_allclose(got["task_loss"], task.numpy(), rtol=1e-5)

    distiller.compile("sgd", stage="prediction", temperature=2.0, alpha=0.25, run_eagerly=True,
                      loss_weights={"att": 0.5}, layer_map="top")
    assert distiller.layer_map == [3, 4]
    got = distiller.evaluate(features, labels, batch_size=8, verbose=0, return_dict=True)
    pred = losses.prediction_loss(s["logits"], t["logits"], labels, 2.0, 0.25)
    att_top = (losses.attention_mse(s["attention_scores"][0], t["attention_scores"][2], mask)
               + losses.attention_mse(s["attention_scores"][1], t["attention_scores"][3], mask))
    np.testing.assert_allclose(got["pred_loss"], pred.numpy(), rtol=1e-5)
    np.testing.assert_allclose(got["loss"], (pred + 0.5 * att_top).numpy(), rtol=1e-5)
    assert "emb_loss" not in got and "hidden_loss" not in got


def test_a_few_steps_lower_every_loss_term(pair):
    student, teacher = pair
    distiller = Distiller(student, teacher)
    train = make_dataset(16).cache().repeat(4)

    distiller.compile(tf_keras.optimizers.Adam(3e-3), stage="intermediate")
    before = distiller.evaluate(make_dataset(16), verbose=0, return_dict=True)
    distiller.fit(train, epochs=1, verbose=0)
    after = distiller.evaluate(make_dataset(16), verbose=0, return_dict=True)
    for term in ("emb_loss", "hidden_loss", "att_loss", "loss"):
        assert after[term] < before[term], (term, before[term], after[term])

    distiller.compile(tf_keras.optimizers.Adam(3e-3), stage="prediction", temperature=2.0)
    before = distiller.evaluate(make_dataset(16), verbose=0, return_dict=True)
    distiller.fit(train, epochs=1, verbose=0)
    after = distiller.evaluate(make_dataset(16), verbose=0, return_dict=True)
    assert after["pred_loss"] < before["pred_loss"], (before, after)


def test_token_classification_per_token_loss_and_accuracy():
    student, teacher = build_pair(token_level=True)
    distiller = Distiller(student, teacher)
    features, labels = make_arrays(8, token_level=True)
    assert (labels == IGNORE_LABEL).any()
    distiller.compile(tf_keras.optimizers.Adam(1e-2), stage="prediction", alpha=0.5)
    before = distiller.evaluate(features, labels, batch_size=8, verbose=0, return_dict=True)

    s_logits = student(features, training=False)["logits"].numpy()  # [B, S, C]
    valid = labels != IGNORE_LABEL
    expected_acc = (s_logits.argmax(-1) == labels)[valid].mean()
    expected = losses.prediction_loss(s_logits, teacher(features)["logits"], labels, 1.0, 0.5)
    np.testing.assert_allclose(before["accuracy"], expected_acc, rtol=1e-6)
    np.testing.assert_allclose(before["pred_loss"], expected.numpy(), rtol=1e-5)

    distiller.fit(features, labels, batch_size=8, epochs=5, verbose=0)
    after = distiller.evaluate(features, labels, batch_size=8, verbose=0, return_dict=True)
    assert after["pred_loss"] < before["pred_loss"]


def test_keras_hub_teacher_through_teacher_features(pair):
    """The real teacher path: a Keras 3 BertBackbone read by TeacherFeatures in the step."""
    import keras
    import keras_hub

    from tinybert_tf.teacher import TeacherFeatures, build_teacher_model

    keras.utils.set_random_seed(0)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=100, num_layers=2, num_heads=4, hidden_dim=32, intermediate_dim=64,
        max_sequence_length=32, dropout=0.0)
    teacher = TeacherFeatures(build_teacher_model(backbone, "classification", 3, dropout=0.0))
    distiller = Distiller(pair[0], teacher)
    distiller.compile(tf_keras.optimizers.Adam(3e-3), stage="intermediate",
                      loss_weights={"pred": 1.0})
    assert distiller.layer_map == [1, 2]
    data = make_dataset(16)
    before = distiller.evaluate(data, verbose=0, return_dict=True)
    distiller.fit(data.cache().repeat(4), epochs=1, verbose=0)
    after = distiller.evaluate(data, verbose=0, return_dict=True)
    for term in ("emb_loss", "hidden_loss", "att_loss", "pred_loss"):
        assert after[term] < before[term], (term, before[term], after[term])
    assert not {id(v) for v in backbone.weights} & {id(v) for v in distiller.weights}


def test_student_initialised_from_the_teacher_starts_near_zero_intermediate_loss():
    """init_student_from_teacher + init_projections: the losses start where the init left them.

    A same-shape copy with W_m = I has zero emb/hidden/att loss; a narrower, shallower
    student seen through the PCA basis starts far below a random one.
    """
    import keras
    import keras_hub

    import tinybert_tf as tb
    from tinybert_tf.distill import attention_layer_map, make_layer_map
    from tinybert_tf.teacher import (TeacherFeatures, build_teacher_model,
                                     init_student_from_teacher, teacher_basis)

    keras.utils.set_random_seed(0)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=100, num_layers=4, num_heads=4, hidden_dim=32, intermediate_dim=64,
        max_sequence_length=32, dropout=0.0)
    teacher = TeacherFeatures(build_teacher_model(backbone, "classification", 3, dropout=0.0))
    data = make_dataset(16)

    def start_loss(hidden_dim, num_layers, init):
        tf_keras.utils.set_random_seed(1)
        layers = attention_layer_map(make_layer_map(num_layers, 4))
        student_backbone = tb.TinyBertBackbone(
            vocabulary_size=100, num_layers=num_layers, hidden_dim=hidden_dim, num_heads=4,
            intermediate_dim=2 * hidden_dim, max_sequence_length=32, dropout=0.0,
            activation="gelu_approximate")
        if init:
            init_student_from_teacher(student_backbone, backbone, layer_map=layers)
        distiller = Distiller(tb.TinyBertClassifier(student_backbone, 3, dropout=0.0), teacher)
        if init:
            distiller.init_projections(teacher_basis(backbone, hidden_dim))
        distiller.compile(tf_keras.optimizers.Adam(1e-3), stage="intermediate")
        return distiller.evaluate(data, verbose=0, return_dict=True)

    same = start_loss(32, 4, init=True)
    for term in ("emb_loss", "hidden_loss", "att_loss"):
        assert same[term] < 1e-8, (term, same[term])
    narrow, random = start_loss(24, 2, init=True), start_loss(24, 2, init=False)
    assert narrow["loss"] < 0.5 * random["loss"], (narrow, random)


def test_precomputed_teacher_logits_replace_the_teacher_in_prediction_stages(pair):
    from tinybert_tf.constants import TEACHER_LOGITS

    student, teacher = pair
    features, labels = make_arrays(16)
    logits = teacher(features)["logits"].numpy()
    with_teacher = tf.data.Dataset.from_tensor_slices((features, labels)).batch(8)
    cached = tf.data.Dataset.from_tensor_slices(
        ({**features, TEACHER_LOGITS: logits}, labels)).batch(8)
    distiller = Distiller(student, teacher)
    distiller.compile(tf_keras.optimizers.Adam(1e-3), stage="prediction", temperature=2.0)
    want = distiller.evaluate(with_teacher, verbose=0, return_dict=True)

    class Refuses:  # the teacher must not run when its logits come with the data
        num_layers, hidden_dim = teacher.num_layers, teacher.hidden_dim

        def __call__(self, inputs):
            raise AssertionError("teacher called")

    distiller = Distiller(student, Refuses())
    distiller.compile(tf_keras.optimizers.Adam(1e-3), stage="prediction", temperature=2.0)
    got = distiller.evaluate(cached, verbose=0, return_dict=True)
    np.testing.assert_allclose(got["pred_loss"], want["pred_loss"], rtol=1e-5)
    distiller.fit(cached, epochs=1, verbose=0)  # trains without the teacher too
    # Stages that need the teacher's hidden states still run it.
    distiller.compile(tf_keras.optimizers.Adam(1e-3), stage="intermediate")
    with pytest.raises(AssertionError, match="teacher called"):
        distiller.evaluate(cached, verbose=0)


def test_token_head_from_the_teacher_reproduces_its_logits():
    """A same-shape copy + identity projections + the teacher's head = the teacher's logits."""
    import keras
    import keras_hub

    import tinybert_tf as tb
    from tinybert_tf.teacher import (TeacherFeatures, build_teacher_model,
                                     init_student_from_teacher, teacher_basis)

    keras.utils.set_random_seed(0)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=100, num_layers=2, num_heads=4, hidden_dim=32, intermediate_dim=64,
        max_sequence_length=32, dropout=0.0)
    teacher = TeacherFeatures(
        build_teacher_model(backbone, "token_classification", 3, dropout=0.0))
    student_backbone = init_student_from_teacher(tb.TinyBertBackbone(
        vocabulary_size=100, num_layers=2, hidden_dim=32, num_heads=4, intermediate_dim=64,
        max_sequence_length=32, dropout=0.0, activation="gelu_approximate"), backbone)
    distiller = Distiller(tb.TinyBertTokenClassifier(student_backbone, 3, dropout=0.0), teacher)
    distiller.init_projections(teacher_basis(backbone, 32))
    features, _ = make_arrays(4, token_level=True)
    want = teacher(features)["logits"].numpy()  # [B, S, C]
    assert np.abs(distiller.student(features)["logits"].numpy() - want).max() > 1e-2
    distiller.init_head_from_teacher(*teacher.head_weights)
    np.testing.assert_allclose(distiller.student(features)["logits"].numpy(), want, atol=1e-4)
    with pytest.raises(DistillConfigError, match="only for token classifiers"):
        Distiller(build_pair()[0], teacher).init_head_from_teacher(*teacher.head_weights)


def test_teacher_is_frozen_untracked_and_not_saved(pair, tmp_path):
    student, teacher = pair
    teacher_before = [w.copy() for w in teacher.model.get_weights()]
    distiller = Distiller(student, teacher)
    distiller.compile(tf_keras.optimizers.Adam(1e-2), stage="intermediate")
    distiller.fit(make_dataset(8), epochs=1, verbose=0)

    for a, b in zip(teacher_before, teacher.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    teacher_ids = {id(v) for v in teacher.model.weights}
    assert not teacher_ids & {id(v) for v in distiller.weights}
    assert len(distiller.trainable_weights) == len(student.trainable_weights) + 2 * 3

    path = str(tmp_path / "student.keras")
    distiller.student.save(path)
    reloaded = tf_keras.models.load_model(path)
    assert reloaded.count_params() == student.count_params()
    features, _ = make_arrays(4)
    np.testing.assert_allclose(reloaded(features)["logits"], student(features)["logits"], atol=1e-6)


def test_compile_rejects_bad_settings(pair):
    distiller = Distiller(*pair)
    with pytest.raises(DistillConfigError, match="unknown stage"):
        distiller.compile("sgd", stage="final")
    with pytest.raises(DistillConfigError, match="unknown loss_weights"):
        distiller.compile("sgd", loss_weights={"attention": 1.0})
    with pytest.raises(DistillConfigError, match="3 entries"):
        distiller.compile("sgd", layer_map=[1, 2, 3])
    with pytest.raises(DistillConfigError, match="alpha"):
        distiller.compile("sgd", stage="prediction", alpha=1.5)
    with pytest.raises(DistillConfigError, match="TeacherFeatures"):
        Distiller(pair[0], lambda inputs: {})
    with pytest.raises(DistillConfigError, match="distiller.student.save"):
        distiller.save("distiller.keras")


def test_hard_label_mix_without_labels_is_a_clear_error(pair):
    distiller = Distiller(*pair)
    distiller.compile("sgd", stage="prediction", alpha=0.5, run_eagerly=True)
    features, _ = make_arrays(4)
    with pytest.raises(DistillConfigError, match="no labels"):
        distiller.fit(features, batch_size=4, epochs=1, verbose=0)


class _NaNAfter(FeatureTeacher):
    """Teacher whose hidden states turn NaN from its `after`-th call on."""

    def __init__(self, model, after):
        super().__init__(model)
        self.calls = tf.Variable(0)
        self.after = after

    def __call__(self, inputs):
        out = super().__call__(inputs)
        self.calls.assign_add(1)
        poison = tf.where(self.calls > self.after, np.float32("nan"), 0.0)
        out["hidden_states"] = [h + poison for h in out["hidden_states"]]
        return out


def test_non_finite_loss_names_term_and_step_and_keeps_backup(pair, tmp_path):
    student, teacher = pair
    distiller = Distiller(student, _NaNAfter(teacher.model, after=2))
    distiller.compile(tf_keras.optimizers.Adam(1e-3), stage="intermediate")
    backup = str(tmp_path / "backup")
    callbacks = [StopOnNonFiniteLoss(), tf_keras.callbacks.BackupAndRestore(backup, save_freq=1)]
    with pytest.raises(NonFiniteLossError, match=r"emb_loss=nan, hidden_loss=nan at epoch 0, "
                                                 r"batch 2 \(training step 3\)"):
        distiller.fit(make_dataset(32), epochs=1, callbacks=callbacks, verbose=0)
    assert int(distiller.optimizer.iterations.numpy()) == 3  # stopped at the broken step

    # The backup holds the last good weights (after step 2), not the broken ones.
    fresh_student, fresh_teacher = build_pair(seed=1)
    fresh = Distiller(fresh_student, fresh_teacher)
    fresh.compile(tf_keras.optimizers.Adam(1e-3), stage="intermediate")
    ckpt = tf.train.Checkpoint(model=fresh)
    ckpt.restore(tf.train.latest_checkpoint(os.path.join(backup, "chief"))).expect_partial()
    assert int(fresh.optimizer.iterations.numpy()) == 2
    assert all(np.isfinite(w).all() for w in fresh.get_weights())
    assert not np.isfinite(student.get_weights()[0]).all()


_DISTRIBUTED = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import tf_keras
    from tests.distill.conftest import build_pair, make_arrays
    from tinybert_tf.distill import Distiller

    def one_step(strategy):
        with strategy.scope():
            student, teacher = build_pair(seed=0)
            distiller = Distiller(student, teacher)
            # Every term at once: intermediate losses plus the soft/hard prediction mix.
            distiller.compile(tf_keras.optimizers.SGD(0.5), stage="intermediate", alpha=0.5,
                              loss_weights={"pred": 1.0})
        initial = [v.numpy() for v in distiller.trainable_variables]
        features, labels = make_arrays(8, seed=3)
        # Uneven padding: the two replicas hold different numbers of real tokens.
        features["padding_mask"][:4, 5:] = 0
        ds = tf.data.Dataset.from_tensor_slices((features, labels)).batch(8)
        logs = distiller.fit(ds, epochs=1, verbose=0).history
        after = [v.numpy() for v in distiller.trainable_variables]
        return {k: v[-1] for k, v in logs.items()}, initial, after

    def max_diff(a, b):
        return max(float(np.abs(x - y).max()) for x, y in zip(a, b))

    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert mirrored.num_replicas_in_sync == 2
    logs_2, init_2, weights_2 = one_step(mirrored)
    logs_1, init_1, weights_1 = one_step(tf.distribute.get_strategy())
    json.dump({"logs_2": logs_2, "logs_1": logs_1, "init_diff": max_diff(init_1, init_2),
               "step_size": max_diff(init_1, weights_1),
               "weight_diff": max_diff(weights_1, weights_2)}, sys.stdout)
""")


def test_mirrored_strategy_loss_and_step_match_single_device():
    env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-c", _DISTRIBUTED], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(result["logs_1"]) == {"emb_loss", "hidden_loss", "att_loss", "pred_loss", "loss",
                                     "accuracy"}
    assert result["logs_1"].keys() == result["logs_2"].keys()
    for key, value in result["logs_1"].items():
        np.testing.assert_allclose(result["logs_2"][key], value, rtol=1e-5, atol=1e-6, err_msg=key)
    assert result["init_diff"] == 0.0, result  # same starting point
    assert result["step_size"] > 1e-3, result  # the step moved the weights...
    assert result["weight_diff"] < 1e-5, result  # ...to the same place
