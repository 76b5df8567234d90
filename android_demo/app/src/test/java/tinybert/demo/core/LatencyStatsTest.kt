package tinybert.demo.core

import org.junit.Assert.assertEquals
import org.junit.Test

class LatencyStatsTest {
    private val eps = 1e-9

    @Test
    fun matchesNumpyOnOneToTen() {
        // numpy: mean 5.5, std(ddof=1) 3.0276503540974917, percentile 50/90/99 = 5.5, 9.1, 9.91.
        val s = LatencyStats.ofMillis(doubleArrayOf(7.0, 1.0, 10.0, 3.0, 2.0, 9.0, 4.0, 6.0, 5.0, 8.0))
        assertEquals(10, s.count)
        assertEquals(5.5, s.mean, eps)
        assertEquals(3.0276503540974917, s.std, eps)
        assertEquals(1.0, s.min, eps)
        assertEquals(10.0, s.max, eps)
        assertEquals(5.5, s.p50, eps)
        assertEquals(9.1, s.p90, eps)
        assertEquals(9.91, s.p99, eps)
    }

    @Test
    fun convertsNanoseconds() {
        val s = LatencyStats.ofNanos(longArrayOf(2_000_000L, 4_000_000L))
        assertEquals(3.0, s.mean, eps)
        assertEquals(3.0, s.p50, eps)
        assertEquals(3.8, s.p90, eps)
    }

    @Test
    fun singleSample() {
        val s = LatencyStats.ofMillis(doubleArrayOf(4.25))
        assertEquals(0.0, s.std, eps)
        assertEquals(4.25, s.p99, eps)
    }

    @Test(expected = IllegalArgumentException::class)
    fun emptyIsAnError() {
        LatencyStats.ofMillis(DoubleArray(0))
    }
}
