"""The whole road in one call: `run_pipeline(PipelineConfig(task="bbc_news"))`."""
from tinybert_tf.pipeline.config import VARIANTS, PipelineConfig
from tinybert_tf.pipeline.run import STEPS, Run, run_pipeline
