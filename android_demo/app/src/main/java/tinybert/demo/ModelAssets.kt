package tinybert.demo

import android.content.res.AssetManager
import org.json.JSONObject
import tinybert.demo.core.InputNames
import tinybert.demo.core.ModelConfig
import tinybert.demo.core.WordPieceTokenizer

/** Reads the exported model's sidecar and vocabulary from the APK assets. */
object ModelAssets {
    const val MODEL = "model.tflite"
    const val CONFIG = "model.json"

    /**
     * Parses `model.json`: `labels`, `vocab_file`, `sequence_length`, `lowercase`,
     * optional `strip_accents`, `input_names` {token_ids, segment_ids, padding_mask},
     * `output_name` and, for an int8 output, `output_quantization` {scale, zero_point}.
     */
    fun readConfig(assets: AssetManager): ModelConfig {
        val json = JSONObject(readText(assets, CONFIG))
        val labels = json.getJSONArray("labels").let { array -> List(array.length()) { array.getString(it) } }
        val names = json.optJSONObject("input_names")
        val quantization = json.optJSONObject("output_quantization")
        return ModelConfig(
            labels = labels,
            vocabFile = json.optString("vocab_file", "vocab.txt"),
            sequenceLength = json.getInt("sequence_length"),
            lowercase = json.optBoolean("lowercase", true),
            stripAccents = json.optBoolean("strip_accents", json.optBoolean("lowercase", true)),
            inputNames = InputNames(
                tokenIds = names?.optString("token_ids") ?: "token_ids",
                segmentIds = names?.optString("segment_ids") ?: "segment_ids",
                paddingMask = names?.optString("padding_mask") ?: "padding_mask",
            ),
            outputName = json.optString("output_name", "logits"),
            outputScale = quantization?.getDouble("scale")?.toFloat(),
            outputZeroPoint = quantization?.optInt("zero_point", 0) ?: 0,
        )
    }

    fun readVocabulary(assets: AssetManager, config: ModelConfig): List<String> =
        WordPieceTokenizer.parseVocabulary(readText(assets, config.vocabFile))

    private fun readText(assets: AssetManager, name: String): String =
        assets.open(name).use { String(it.readBytes(), Charsets.UTF_8) }
}
