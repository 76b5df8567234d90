"""Student architectures as data."""

PRESETS = {
    # TinyBERT4 of the paper: 14.5M parameters with BERT's 30,522-token vocabulary.
    "tinybert_4l_312d": dict(num_layers=4, hidden_dim=312, num_heads=12, intermediate_dim=1200),
    # TinyBERT6: ~67M parameters, BERT-base width.
    "tinybert_6l_768d": dict(num_layers=6, hidden_dim=768, num_heads=12, intermediate_dim=3072),
    # A small student for fast experiments.
    "tinybert_2l_128d": dict(num_layers=2, hidden_dim=128, num_heads=2, intermediate_dim=512),
}


def get_preset(name):
    """The architecture dict of a preset; a clear ValueError for unknown names."""
    if name not in PRESETS:
        raise ValueError(f"unknown student preset {name!r}; known presets: {', '.join(PRESETS)}")
    return dict(PRESETS[name])
