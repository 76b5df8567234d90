"""Distiller: a tf_keras.Model that trains a TinyBERT student against a frozen teacher.

    distiller = Distiller(student, TeacherFeatures(teacher_model))
    distiller.compile(tf_keras.optimizers.AdamW(1e-4), stage="intermediate")
    distiller.fit(train_ds, validation_data=val_ds, epochs=3, callbacks=[...])
    distiller.compile(tf_keras.optimizers.AdamW(3e-5), stage="prediction")
    distiller.fit(train_ds, validation_data=val_ds, epochs=3)
    distiller.student.save("student.keras")      # the student alone, no teacher inside

Losses (`losses.py`), weighted per stage (`STAGE_LOSS_WEIGHTS`, overridable):

    emb_loss     MSE(W_0 e_student, e_teacher)                 hidden state 0
    hidden_loss  sum_m MSE(W_m h_student[m], h_teacher[g(m)])  m = 1..M
    att_loss     sum_m MSE(A_student[m], A_teacher[g(m)])      pre-softmax, real tokens
    pred_loss    alpha * soft CE(T) + (1 - alpha) * hard CE    per token for taggers

When the data's features carry `teacher_logits` (see `tinybert_tf.constants`) and
the stage trains on pred_loss alone, those are used and the teacher is not run.

Under a `tf.distribute` strategy each loss is normalised by the global count of
what it averages over (one all-reduce), so the loss equals the single-device loss
on the same global batch and the summed gradients are its gradients.
"""
import tensorflow as tf
import tf_keras

from tinybert_tf.constants import INPUT_NAMES, PADDING_MASK, TEACHER_LOGITS
from tinybert_tf.distill import losses
from tinybert_tf.distill.errors import DistillConfigError
from tinybert_tf.distill.layer_map import attention_layer_map, make_layer_map

TERMS = ("emb", "hidden", "att", "pred")
_INTERMEDIATE = {"emb": 1.0, "hidden": 1.0, "att": 1.0, "pred": 0.0}
# general: intermediate losses on unlabeled text; qat: the teacher keeps guiding the
# prediction layer of a quantization-aware student (add intermediate terms with
# loss_weights when the QAT student still exposes its features).
STAGE_LOSS_WEIGHTS = {
    "general": _INTERMEDIATE,
    "intermediate": _INTERMEDIATE,
    "prediction": {"emb": 0.0, "hidden": 0.0, "att": 0.0, "pred": 1.0},
    "qat": {"emb": 0.0, "hidden": 0.0, "att": 0.0, "pred": 1.0},
}


class Distiller(tf_keras.Model):
    """Holds the student, the frozen teacher and the learnable projections W_0..W_M.

    Args:
      student: a `TinyBertClassifier` / `TinyBertTokenClassifier` (anything with a
        `feature_model` returning {"logits", "hidden_states", "attention_scores"};
        a model without one can only train on `pred_loss`).
      teacher: a callable `teacher(inputs) -> {"hidden_states", "attention_scores",
        "logits", ...}` with `num_layers` and `hidden_dim` attributes, e.g.
        `TeacherFeatures(teacher_model)`. It is never trained and never saved with
        the distiller (not tracked: checkpoints and weights hold the student and the
        projections only).
    """

    def __init__(self, student, teacher, name="distiller", **kwargs):
        super().__init__(name=name, **kwargs)
        for attr in ("num_layers", "hidden_dim"):
            if not hasattr(teacher, attr):
                raise DistillConfigError(
                    f"Distiller: the teacher has no `{attr}`; wrap the teacher model in "
                    "tinybert_tf.teacher.TeacherFeatures")
        self.student = student
        object.__setattr__(self, "_teacher", teacher)  # untracked on purpose, see docstring
        self.teacher_num_layers = int(teacher.num_layers)
        self.teacher_hidden_dim = int(teacher.hidden_dim)
        features = getattr(student, "feature_model", None)
        hidden = features.output["hidden_states"] if features is not None else []
        self.student_num_layers = len(hidden) - 1 if hidden else 0
        # W_m: student width -> teacher width, one per student hidden state 0..M.
        self.projections = []
        for i, h in enumerate(hidden):
            dense = tf_keras.layers.Dense(self.teacher_hidden_dim, name=f"projection_{i}")
            dense.build((None, None, h.shape[-1]))
            self.projections.append(dense)
        self.built = True
        self._stage = None

    @property
    def teacher(self):
        return self._teacher

    def init_projections(self, basis):
        """Start every W_m at `basis.T`, for a student initialised through `basis`.

        `basis` [Ht, Hs] is the one `tinybert_tf.teacher.init_student_from_teacher`
        used (`teacher_basis`): a student state x_s stands for the teacher state
        x_s basis^T, so the hidden-state losses start where the initialisation left
        them and their first gradients keep, not scramble, what the student inherited.
        """
        kernel = tf.convert_to_tensor(basis, tf.float32)  # [Ht, Hs]
        for dense in self.projections:
            if tuple(dense.kernel.shape) != (kernel.shape[1], kernel.shape[0]):
                raise DistillConfigError(
                    f"Distiller.init_projections: basis {tuple(kernel.shape)} does not map the "
                    f"student width {dense.kernel.shape[0]} to the teacher width "
                    f"{dense.kernel.shape[1]}")
            dense.kernel.assign(tf.transpose(kernel))
            dense.bias.assign(tf.zeros_like(dense.bias))

    @property
    def stage(self):
        return self._stage

    @property
    def layer_map(self):
        """Teacher hidden-state index for each student hidden state 1..M (set by compile)."""
        return list(self._layer_map)

    def call(self, inputs, training=None):
        """The student's outputs (the distiller predicts what the student predicts)."""
        return self.student(_model_inputs(inputs), training=training)

    def save(self, *args, **kwargs):
        """Refused: the distiller holds the teacher. Save `distiller.student` instead."""
        raise DistillConfigError(
            "Distiller.save: save the student alone with distiller.student.save(path) "
            "(checkpoints: save_weights or tf.train.Checkpoint)")

    def init_head_from_teacher(self, kernel, bias):
        """Start a token classifier's logits layer as the teacher's head on W_M h_student.

        logits = (h W_M + b_M) K + c = h (W_M K) + (b_M K + c), with the teacher head's
        kernel K [Ht, C] and bias c (`TeacherFeatures.head_weights`) and the last
        projection W_M as the intermediate stage left it: when the student's last states
        match the teacher's through W_M, so do the logits. Taggers need this: from a
        random head, the prediction stage sat in the all-"O" solution on wnut_ner.
        """
        from tinybert_tf.models.token_classifier import TinyBertTokenClassifier

        if not isinstance(self.student, TinyBertTokenClassifier):
            raise DistillConfigError(
                "Distiller.init_head_from_teacher: only for token classifiers, whose logits "
                "read the last hidden state as the teacher's do")
        last = self.projections[-1]
        kernel = tf.convert_to_tensor(kernel, tf.float32)  # [Ht, C]
        head = self.student.get_layer("logits")
        head.kernel.assign(tf.matmul(last.kernel, kernel))  # [Hs, C]
        head.bias.assign(tf.linalg.matvec(kernel, last.bias, transpose_a=True)
                         + tf.convert_to_tensor(bias, tf.float32))

    # --- configuration -----------------------------------------------------

    def compile(self, optimizer="adam", stage="intermediate", temperature=1.0, alpha=1.0,
                loss_weights=None, layer_map="uniform", **kwargs):
        """Configure one distillation stage.

        Args:
          optimizer: a tf_keras optimizer (or its name).
          stage: "intermediate" (emb + hidden + att), "prediction" (pred), "general"
            (emb + hidden + att, labels not needed) or "qat" (pred).
          temperature: softmax temperature of the soft cross-entropy.
          alpha: weight of the soft cross-entropy in pred_loss; 1 - alpha goes to the
            hard-label cross-entropy (then the data must carry labels).
          loss_weights: dict overriding the stage's weights for "emb", "hidden",
            "att", "pred" (0 switches a term off; it is then not computed).
          layer_map: "uniform", "top", "bottom" or a list, see `make_layer_map`.
          **kwargs: passed to `tf_keras.Model.compile` (jit_compile,
            steps_per_execution, ...). `loss` and `metrics` are not accepted: the
            stage decides them.
        """
        if stage not in STAGE_LOSS_WEIGHTS:
            raise DistillConfigError(f"Distiller.compile: unknown stage {stage!r}; "
                                     f"use one of {tuple(STAGE_LOSS_WEIGHTS)}")
        for key in ("loss", "metrics"):
            if kwargs.get(key) is not None:
                raise DistillConfigError(
                    f"Distiller.compile: `{key}` is decided by the stage; use loss_weights")
        weights = dict(STAGE_LOSS_WEIGHTS[stage])
        unknown = set(loss_weights or {}) - set(TERMS)
        if unknown:
            raise DistillConfigError(
                f"Distiller.compile: unknown loss_weights keys {sorted(unknown)}; use {TERMS}")
        weights.update({k: float(v) for k, v in (loss_weights or {}).items()})
        if not 0.0 <= float(alpha) <= 1.0:
            raise DistillConfigError(f"Distiller.compile: alpha must be in [0, 1], got {alpha}")
        if float(temperature) <= 0:
            raise DistillConfigError(
                f"Distiller.compile: temperature must be > 0, got {temperature}")
        if self.student_num_layers == 0 and any(weights[t] for t in ("emb", "hidden", "att")):
            raise DistillConfigError(
                "Distiller.compile: the student has no feature_model, so only pred_loss can be "
                "trained; pass loss_weights={'emb': 0, 'hidden': 0, 'att': 0, 'pred': 1}")
        super().compile(optimizer=optimizer, **kwargs)
        self._stage = stage
        self._stage_weights = weights
        self._temperature = float(temperature)
        self._alpha = float(alpha)
        if self.student_num_layers:
            self._layer_map = make_layer_map(
                self.student_num_layers, self.teacher_num_layers, layer_map)
            self._attention_map = attention_layer_map(self._layer_map)
        else:
            self._layer_map, self._attention_map = [], []
        self._active = [t for t in TERMS if weights[t] != 0.0]
        self._trackers = {t: tf_keras.metrics.Mean(name=f"{t}_loss") for t in TERMS}
        self._trackers["loss"] = tf_keras.metrics.Mean(name="loss")
        self._trackers["task_loss"] = tf_keras.metrics.Mean(name="task_loss")
        self._accuracy = tf_keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        # Create the optimizer's slots now, for every trainable variable in a fixed order:
        # the first train step then traces once (no variable creation inside it), and
        # checkpoints (BackupAndRestore) see the same optimizer layout in every run.
        if hasattr(self.optimizer, "build") and not getattr(self.optimizer, "_built", False):
            with self.distribute_strategy.scope():
                self.optimizer.build(self.trainable_variables)

    @property
    def metrics(self):
        if not getattr(self, "_stage", None):
            return []
        return [*self._trackers.values(), self._accuracy]

    # --- steps ---------------------------------------------------------------

    def train_step(self, data):
        x, y, _ = tf_keras.utils.unpack_x_y_sample_weight(data)
        teacher_out = tf.nest.map_structure(tf.stop_gradient, self._teacher_outputs(x))
        x = _model_inputs(x)
        with tf.GradientTape() as tape:
            student_out = self._student_outputs(x, training=True)
            local_loss, shares = self._compute_losses(
                x, y, student_out, teacher_out, with_task=False)
        variables = self._trainable_variables()
        grads = tape.gradient(local_loss, variables)
        self.optimizer.apply_gradients(
            [(g, v) for g, v in zip(grads, variables) if g is not None])
        return self._update_metrics(shares, y, student_out["logits"])

    def test_step(self, data):
        x, y, _ = tf_keras.utils.unpack_x_y_sample_weight(data)
        teacher_out = self._teacher_outputs(x)
        x = _model_inputs(x)
        student_out = self._student_outputs(x, training=False)
        _, shares = self._compute_losses(x, y, student_out, teacher_out, with_task=True)
        return self._update_metrics(shares, y, student_out["logits"])

    def _teacher_outputs(self, x):
        if isinstance(x, dict) and TEACHER_LOGITS in x and self._active == ["pred"]:
            return {"logits": x[TEACHER_LOGITS]}  # precomputed: no teacher forward pass
        out = self._teacher(_model_inputs(x))
        return {k: out[k] for k in ("hidden_states", "attention_scores", "logits") if k in out}

    def _student_outputs(self, x, training):
        if self.student_num_layers:
            return self.student.feature_model(x, training=training)
        out = self.student(x, training=training)
        return {"logits": out["logits"] if isinstance(out, dict) else out}

    def _trainable_variables(self):
        variables = list(self.student.trainable_variables)
        if any(self._stage_weights[t] for t in ("emb", "hidden")):
            for dense in self.projections:
                variables += dense.trainable_variables
        return variables

    def _compute_losses(self, x, y, student_out, teacher_out, with_task):
        """(this replica's share of the weighted loss, {name: share}) for the stage.

        A share is total / global_count: summing shares over replicas gives the loss
        on the global batch, and the shares' gradients sum to its gradient.
        """
        # student_out / teacher_out: hidden_states, lists of [B, S, Hs] / [B, S, Ht];
        # attention_scores, lists of [B, hs, S, S] / [B, ht, S, S]; logits [B, C] or [B, S, C].
        mask = x[PADDING_MASK]  # [B, S]
        pieces = []  # (term, LossParts, weight within the term)
        if "emb" in self._active:
            pieces.append(("emb", losses.hidden_mse_parts(
                student_out["hidden_states"][0], teacher_out["hidden_states"][0],
                self.projections[0], mask), 1.0))
        if "hidden" in self._active:
            for m, g in enumerate(self._layer_map, start=1):
                pieces.append(("hidden", losses.hidden_mse_parts(
                    student_out["hidden_states"][m], teacher_out["hidden_states"][g],
                    self.projections[m], mask), 1.0))
        if "att" in self._active:
            for m, a in enumerate(self._attention_map):
                pieces.append(("att", losses.attention_mse_parts(
                    student_out["attention_scores"][m], teacher_out["attention_scores"][a],
                    mask), 1.0))
        if "pred" in self._active:
            pieces += self._prediction_pieces(x, y, student_out["logits"], teacher_out["logits"])
        if with_task and y is not None:  # the student's own cross-entropy, logged only
            pieces.append(("task", losses.hard_label_loss_parts(y, student_out["logits"]), 0.0))

        counts = _all_reduce_sum([p.count for _, p, _ in pieces])
        shares = {}
        for (term, parts, weight), count in zip(pieces, counts):
            share = tf.math.divide_no_nan(parts.total, count)
            if term == "task":
                shares["task"] = share
            else:
                shares[term] = shares.get(term, 0.0) + weight * share
        local_loss = tf.add_n([self._stage_weights[t] * shares[t] for t in self._active])
        shares["loss"] = local_loss
        return local_loss, shares

    def _prediction_pieces(self, x, y, student_logits, teacher_logits):
        token_level = student_logits.shape.rank == 3
        if y is not None:
            mask = losses.label_mask(losses.match_label_rank(y, student_logits))
        else:
            mask = x[PADDING_MASK] if token_level else None
        pieces = []
        if self._alpha > 0:
            pieces.append(("pred", losses.soft_cross_entropy_parts(
                student_logits, teacher_logits, self._temperature, mask), self._alpha))
        if self._alpha < 1:
            if y is None:
                raise DistillConfigError(
                    f"Distiller: alpha={self._alpha} mixes in the hard-label loss, but the "
                    "data has no labels; use alpha=1.0 or labelled data")
            pieces.append(("pred", losses.hard_label_loss_parts(y, student_logits),
                           1.0 - self._alpha))
        return pieces

    def _update_metrics(self, shares, y, logits):
        names = [t for t in (*self._active, "loss", "task") if t in shares]
        totals = _all_reduce_sum([tf.stop_gradient(shares[n]) for n in names])
        logs = {}
        for name, value in zip(names, totals):
            key = "task_loss" if name == "task" else name
            self._trackers[key].update_state(value)
            logs[self._trackers[key].name] = self._trackers[key].result()
        if y is not None:
            labels = losses.match_label_rank(y, logits)
            valid = losses.label_mask(labels)
            safe = tf.where(valid > 0, tf.cast(labels, tf.int32), 0)
            self._accuracy.update_state(safe, logits, sample_weight=valid)
            logs["accuracy"] = self._accuracy.result()
        return logs


def _model_inputs(x):
    """The three model inputs, whatever else the feature dict carries."""
    if isinstance(x, dict):
        return {name: x[name] for name in INPUT_NAMES}
    return x


def _all_reduce_sum(values):
    """Sum each value over replicas (identity without a distribution strategy)."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1 or not values:
        return values
    return ctx.all_reduce(tf.distribute.ReduceOp.SUM, values)
