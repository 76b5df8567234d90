package tinybert.demo.core

/** What one benchmark produced: the cold first run, and stats of the timed runs. */
class BenchmarkResult(val firstRunMs: Double, val warmupRuns: Int, val stats: LatencyStats)

/**
 * Times a block: one first (cold) run, [warmupRuns] untimed runs, then [timedRuns]
 * timed runs. The clock is injected (`SystemClock::elapsedRealtimeNanos` in the app,
 * a fake in tests), so this class has no Android dependency.
 */
class LatencyBenchmark(
    val warmupRuns: Int,
    val timedRuns: Int,
    private val clockNanos: () -> Long,
) {
    init {
        require(warmupRuns >= 0) { "warmupRuns must be >= 0, got $warmupRuns" }
        require(timedRuns >= 1) { "timedRuns must be >= 1, got $timedRuns" }
    }

    fun run(body: () -> Unit): BenchmarkResult {
        val firstRun = time(body)
        repeat(warmupRuns) { body() }
        val samples = LongArray(timedRuns) { time(body) }
        return BenchmarkResult(firstRun / 1e6, warmupRuns, LatencyStats.ofNanos(samples))
    }

    private fun time(body: () -> Unit): Long {
        val start = clockNanos()
        body()
        return clockNanos() - start
    }
}
