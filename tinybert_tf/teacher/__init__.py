"""The teacher: a keras-hub BERT, fine-tuned on the task, read out for distillation."""
from tinybert_tf.teacher.features import TeacherFeatures
from tinybert_tf.teacher.fine_tune import fine_tune_teacher, load_fine_tuned_teacher, save_teacher
from tinybert_tf.teacher.init_student import init_student_from_teacher, teacher_basis
from tinybert_tf.teacher.loading import Teacher, TeacherError, load_teacher
from tinybert_tf.teacher.schedule import LinearWarmupDecay
from tinybert_tf.teacher.task_model import build_teacher_model

__all__ = [
    "LinearWarmupDecay",
    "Teacher",
    "TeacherError",
    "TeacherFeatures",
    "build_teacher_model",
    "fine_tune_teacher",
    "init_student_from_teacher",
    "load_fine_tuned_teacher",
    "load_teacher",
    "save_teacher",
    "teacher_basis",
]
