package tinybert.demo.core

import org.junit.Assert.assertEquals
import org.junit.Test

class LatencyBenchmarkTest {
    @Test
    fun timesFirstWarmupAndRunsWithTheInjectedClock() {
        // Each call of the body advances a fake clock by the next duration (ms).
        val durationsMs = longArrayOf(50, 9, 9, 1, 2, 3, 4)
        var now = 0L
        var calls = 0
        val bench = LatencyBenchmark(warmupRuns = 2, timedRuns = 4) { now }
        val result = bench.run { now += durationsMs[calls++] * 1_000_000L }
        assertEquals(7, calls)
        assertEquals(50.0, result.firstRunMs, 1e-9)
        assertEquals(4, result.stats.count)
        assertEquals(2.5, result.stats.mean, 1e-9)
        assertEquals(1.0, result.stats.min, 1e-9)
        assertEquals(2.5, result.stats.p50, 1e-9)
    }

    @Test(expected = IllegalArgumentException::class)
    fun needsAtLeastOneRun() {
        LatencyBenchmark(0, 0) { 0L }
    }
}
