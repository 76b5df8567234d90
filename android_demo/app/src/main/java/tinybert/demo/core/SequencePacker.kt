package tinybert.demo.core

/** Model inputs for one example, each of length `sequenceLength`. */
class PackedSequence(val tokenIds: IntArray, val segmentIds: IntArray, val paddingMask: IntArray)

/**
 * Packs one or two id sequences as BERT expects: `[CLS] a [SEP]` or
 * `[CLS] a [SEP] b [SEP]`, segment 0 for `[CLS]`, `a` and its `[SEP]`, segment 1 for `b`
 * and the final `[SEP]`, then `[PAD]` (segment 0, mask 0) up to [sequenceLength].
 *
 * Too-long inputs are truncated round-robin, as keras-hub's `MultiSegmentPacker`
 * (`truncate="round_robin"`) does: the space left after the special tokens is handed out
 * one token at a time, alternating between the segments that still have tokens.
 */
class SequencePacker(val sequenceLength: Int, val clsId: Int, val sepId: Int, val padId: Int) {

    fun pack(first: IntArray, second: IntArray? = null): PackedSequence {
        val segments = if (second == null) listOf(first) else listOf(first, second)
        val budget = sequenceLength - (segments.size + 1)
        require(budget >= 0) {
            "sequence length $sequenceLength is too short for ${segments.size + 1} special tokens"
        }
        val keep = roundRobinLengths(segments.map { it.size }, budget)
        val tokenIds = IntArray(sequenceLength) { padId }
        val segmentIds = IntArray(sequenceLength)
        val paddingMask = IntArray(sequenceLength)
        var pos = 0
        fun put(id: Int, segment: Int) {
            tokenIds[pos] = id
            segmentIds[pos] = segment
            paddingMask[pos] = 1
            pos++
        }
        put(clsId, 0)
        segments.forEachIndexed { s, ids ->
            for (k in 0 until keep[s]) put(ids[k], s)
            put(sepId, s)
        }
        return PackedSequence(tokenIds, segmentIds, paddingMask)
    }

    companion object {
        /** How many tokens of each segment survive when only [budget] fit. */
        fun roundRobinLengths(lengths: List<Int>, budget: Int): IntArray {
            val keep = IntArray(lengths.size)
            var left = budget
            var progressed = true
            while (left > 0 && progressed) {
                progressed = false
                for (s in lengths.indices) {
                    if (left > 0 && keep[s] < lengths[s]) {
                        keep[s]++
                        left--
                        progressed = true
                    }
                }
            }
            return keep
        }
    }
}
