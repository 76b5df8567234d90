package tinybert.demo

import android.content.res.AssetManager
import com.google.ai.edge.litert.Accelerator
import com.google.ai.edge.litert.CompiledModel
import com.google.ai.edge.litert.TensorBuffer
import tinybert.demo.core.Classification
import tinybert.demo.core.ModelConfig
import tinybert.demo.core.PackedSequence
import tinybert.demo.core.Prediction
import tinybert.demo.core.SequencePacker
import tinybert.demo.core.WordPieceTokenizer

/**
 * The exported classifier on LiteRT (CPU, XNNPACK): text -> Kotlin WordPiece ->
 * int32 token ids / segment ids / padding mask `[1, S]` -> logits -> label.
 * Not thread-safe: use it from one background thread.
 */
class TextClassifier(assets: AssetManager) : AutoCloseable {
    val config: ModelConfig = ModelAssets.readConfig(assets)
    val tokenizer = WordPieceTokenizer(ModelAssets.readVocabulary(assets, config), config.lowercase, config.stripAccents)
    private val packer = SequencePacker(
        config.sequenceLength, tokenizer.idOf("[CLS]"), tokenizer.idOf("[SEP]"), tokenizer.idOf("[PAD]"),
    )
    private val model = CompiledModel.create(assets, ModelAssets.MODEL, CompiledModel.Options(Accelerator.CPU))
    private val names = config.inputNames
    private val inputs: Map<String, TensorBuffer> =
        listOf(names.tokenIds, names.segmentIds, names.paddingMask).associateWith { model.createInputBuffer(it) }
    private val outputs: Map<String, TensorBuffer> = mapOf(config.outputName to model.createOutputBuffer(config.outputName))

    /** Tokenizes and packs one text (or a sentence pair) to the model's inputs. */
    fun encode(text: String, pair: String? = null): PackedSequence =
        packer.pack(tokenizer.encode(text), pair?.let { tokenizer.encode(it) })

    /** Copies packed inputs into the model's input buffers. */
    fun setInputs(packed: PackedSequence) {
        inputs.getValue(names.tokenIds).writeInt(packed.tokenIds)
        inputs.getValue(names.segmentIds).writeInt(packed.segmentIds)
        inputs.getValue(names.paddingMask).writeInt(packed.paddingMask)
    }

    /** One inference on the inputs already set: what the benchmark times. */
    fun invoke() {
        model.run(inputs, outputs)
    }

    fun logits(): FloatArray {
        val output = outputs.getValue(config.outputName)
        val scale = config.outputScale
        return if (scale != null) Classification.dequantize(output.readInt8(), scale, config.outputZeroPoint)
        else output.readFloat()
    }

    fun classify(text: String, pair: String? = null): Prediction {
        setInputs(encode(text, pair))
        invoke()
        return Classification.predict(logits(), config.labels)
    }

    override fun close() {
        inputs.values.forEach { it.close() }
        outputs.values.forEach { it.close() }
        model.close()
    }
}
