"""Student layers, one concept per file, written with tf_keras (Keras 2) for tfmot."""

from tinybert_tf.layers.activations import ACTIVATIONS, get_activation
from tinybert_tf.layers.attention import MultiHeadSelfAttention
from tinybert_tf.layers.attention_bias import AttentionBias
from tinybert_tf.layers.embeddings import TinyBertEmbeddings
from tinybert_tf.layers.encoder_block import TinyBertEncoderBlock
from tinybert_tf.layers.feed_forward import FeedForward
from tinybert_tf.layers.normalization import NORMALIZATIONS, NoNorm, make_normalization
from tinybert_tf.layers.pooler import Pooler
