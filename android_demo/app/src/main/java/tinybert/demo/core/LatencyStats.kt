package tinybert.demo.core

import kotlin.math.sqrt

/**
 * Summary of latency samples in milliseconds: mean, sample standard deviation (n - 1),
 * min, max and percentiles with linear interpolation between order statistics (the
 * default of `numpy.percentile`, which export/bench.py uses, so both report alike).
 */
class LatencyStats private constructor(sorted: DoubleArray, val mean: Double, val std: Double) {
    val count: Int = sorted.size
    val min: Double = sorted.first()
    val max: Double = sorted.last()
    val p50: Double = percentileOfSorted(sorted, 50.0)
    val p90: Double = percentileOfSorted(sorted, 90.0)
    val p99: Double = percentileOfSorted(sorted, 99.0)

    override fun toString(): String =
        "n=%d mean=%.3f std=%.3f min=%.3f p50=%.3f p90=%.3f p99=%.3f max=%.3f ms"
            .format(count, mean, std, min, p50, p90, p99, max)

    companion object {
        /** Stats of samples given in milliseconds. */
        fun ofMillis(samples: DoubleArray): LatencyStats {
            require(samples.isNotEmpty()) { "no latency samples" }
            val mean = samples.average()
            val std = if (samples.size > 1) {
                sqrt(samples.sumOf { (it - mean) * (it - mean) } / (samples.size - 1))
            } else 0.0
            return LatencyStats(samples.sortedArray(), mean, std)
        }

        /** Stats of durations given in nanoseconds (e.g. `SystemClock.elapsedRealtimeNanos` deltas). */
        fun ofNanos(samples: LongArray): LatencyStats =
            ofMillis(DoubleArray(samples.size) { samples[it] / 1e6 })

        /** `q`-th percentile (0..100) of ascending [sorted], linear interpolation. */
        fun percentileOfSorted(sorted: DoubleArray, q: Double): Double {
            require(sorted.isNotEmpty()) { "no samples" }
            require(q in 0.0..100.0) { "percentile $q outside 0..100" }
            val rank = q / 100.0 * (sorted.size - 1)
            val lo = rank.toInt()
            val hi = minOf(lo + 1, sorted.size - 1)
            return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo])
        }
    }
}
