"""Names shared by every stage: model inputs, ignored label, defaults."""

# Model input names, in signature order ([B, S] int32 each).
TOKEN_IDS = "token_ids"
SEGMENT_IDS = "segment_ids"
PADDING_MASK = "padding_mask"
INPUT_NAMES = (TOKEN_IDS, SEGMENT_IDS, PADDING_MASK)

# Label for positions that carry no loss or metric (padding, special tokens,
# non-first word pieces in token classification).
IGNORE_LABEL = -100

# Optional feature: the teacher's logits for each example, computed once before the
# prediction-only stages ([B, C] or [B, S, C] float32); the Distiller then skips the
# teacher's forward pass (the teacher runs in inference mode, so they are the same).
TEACHER_LOGITS = "teacher_logits"
