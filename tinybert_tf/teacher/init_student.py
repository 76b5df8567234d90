"""Initialise a TinyBERT student from the teacher's weights (placeholder)."""


def init_student_from_teacher(student_backbone, teacher_backbone, layer_map=None):
    raise NotImplementedError
