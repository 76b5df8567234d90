package tinybert.demo.core

import org.junit.Assert.assertArrayEquals
import org.junit.Test

class SequencePackerTest {
    private val packer = SequencePacker(sequenceLength = 8, clsId = 101, sepId = 102, padId = 0)

    @Test
    fun singleSegmentIsPadded() {
        val p = packer.pack(intArrayOf(5, 6))
        assertArrayEquals(intArrayOf(101, 5, 6, 102, 0, 0, 0, 0), p.tokenIds)
        assertArrayEquals(IntArray(8), p.segmentIds)
        assertArrayEquals(intArrayOf(1, 1, 1, 1, 0, 0, 0, 0), p.paddingMask)
    }

    @Test
    fun singleSegmentIsTruncated() {
        val p = packer.pack(IntArray(20) { it + 1 })
        assertArrayEquals(intArrayOf(101, 1, 2, 3, 4, 5, 6, 102), p.tokenIds)
    }

    @Test
    fun pairGetsSegmentIds() {
        val p = packer.pack(intArrayOf(5), intArrayOf(7, 8))
        assertArrayEquals(intArrayOf(101, 5, 102, 7, 8, 102, 0, 0), p.tokenIds)
        assertArrayEquals(intArrayOf(0, 0, 0, 1, 1, 1, 0, 0), p.segmentIds)
        assertArrayEquals(intArrayOf(1, 1, 1, 1, 1, 1, 0, 0), p.paddingMask)
    }

    @Test
    fun pairIsTruncatedRoundRobin() {
        // Budget 8 - 3 = 5: a gets tokens 0, 1, 2 and b gets 0, 1 (a goes first each round).
        val p = packer.pack(intArrayOf(1, 2, 3, 4), intArrayOf(5, 6, 7, 8))
        assertArrayEquals(intArrayOf(101, 1, 2, 3, 102, 5, 6, 102), p.tokenIds)
        assertArrayEquals(intArrayOf(0, 0, 0, 0, 0, 1, 1, 1), p.segmentIds)
        // A short segment keeps everything; the long one takes what is left.
        assertArrayEquals(intArrayOf(1, 4), SequencePacker.roundRobinLengths(listOf(1, 9), 5))
        assertArrayEquals(intArrayOf(0, 0), SequencePacker.roundRobinLengths(listOf(3, 3), 0))
    }

    @Test(expected = IllegalArgumentException::class)
    fun tooShortForSpecialTokens() {
        SequencePacker(2, 101, 102, 0).pack(intArrayOf(1), intArrayOf(2))
    }
}
