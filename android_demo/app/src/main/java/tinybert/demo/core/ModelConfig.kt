package tinybert.demo.core

/**
 * The fields of `model.json` (written beside `model.tflite` by the exporter) that the
 * app needs. Parsing lives on the Android side (`org.json`); this holds the values.
 *
 * @param labels class names, one per logit.
 * @param vocabFile vocabulary asset name, one WordPiece token a line.
 * @param sequenceLength the model's fixed input length.
 * @param lowercase / stripAccents the tokenizer switches the model was trained with.
 * @param inputNames signature input names for token ids, segment ids and padding mask.
 * @param outputName signature output holding the logits.
 * @param outputScale / outputZeroPoint quantization of an int8 output (null: float output).
 */
data class ModelConfig(
    val labels: List<String>,
    val vocabFile: String = "vocab.txt",
    val sequenceLength: Int,
    val lowercase: Boolean = true,
    val stripAccents: Boolean = false,
    val inputNames: InputNames = InputNames(),
    val outputName: String = "logits",
    val outputScale: Float? = null,
    val outputZeroPoint: Int = 0,
) {
    init {
        require(labels.isNotEmpty()) { "model.json: 'labels' is empty" }
        require(sequenceLength >= 2) { "model.json: sequence_length must be >= 2, got $sequenceLength" }
    }
}

data class InputNames(
    val tokenIds: String = "token_ids",
    val segmentIds: String = "segment_ids",
    val paddingMask: String = "padding_mask",
)
