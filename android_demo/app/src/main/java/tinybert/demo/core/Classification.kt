package tinybert.demo.core

import kotlin.math.exp

/** The most probable label. */
data class Prediction(val index: Int, val label: String, val probability: Float)

/** Turns classifier outputs into probabilities and a label (no Android dependency). */
object Classification {

    /** Real values of an int8 tensor: `scale * (q - zeroPoint)`. */
    fun dequantize(values: ByteArray, scale: Float, zeroPoint: Int): FloatArray =
        FloatArray(values.size) { scale * (values[it].toInt() - zeroPoint) }

    /** Numerically stable softmax (the max logit is subtracted first). */
    fun softmax(logits: FloatArray): FloatArray {
        require(logits.isNotEmpty()) { "no logits" }
        val max = logits.max()
        val exps = DoubleArray(logits.size) { exp((logits[it] - max).toDouble()) }
        val sum = exps.sum()
        return FloatArray(logits.size) { (exps[it] / sum).toFloat() }
    }

    /** Top label of [logits]; [labels] must have one name per logit. */
    fun predict(logits: FloatArray, labels: List<String>): Prediction {
        require(labels.size == logits.size) {
            "model has ${logits.size} outputs but model.json lists ${labels.size} labels"
        }
        val probabilities = softmax(logits)
        val best = probabilities.indices.maxByOrNull { probabilities[it] }!!
        return Prediction(best, labels[best], probabilities[best])
    }
}
