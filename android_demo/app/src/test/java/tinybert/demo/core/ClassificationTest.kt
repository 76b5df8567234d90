package tinybert.demo.core

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Test
import kotlin.math.ln

class ClassificationTest {
    @Test
    fun softmaxMatchesHandValues() {
        assertArrayEquals(floatArrayOf(0.25f, 0.75f), Classification.softmax(floatArrayOf(0f, ln(3f))), 1e-6f)
        // Large logits do not overflow.
        assertArrayEquals(floatArrayOf(0.5f, 0.5f), Classification.softmax(floatArrayOf(1000f, 1000f)), 1e-6f)
    }

    @Test
    fun predictPicksTheMostProbableLabel() {
        val p = Classification.predict(floatArrayOf(0f, ln(3f), ln(4f)), listOf("a", "b", "c"))
        assertEquals("c", p.label)
        assertEquals(2, p.index)
        assertEquals(0.5f, p.probability, 1e-6f)
    }

    @Test
    fun dequantizesInt8() {
        val values = byteArrayOf(-128, 0, 127)
        assertArrayEquals(floatArrayOf(-12.8f, 0f, 12.7f), Classification.dequantize(values, 0.1f, 0), 1e-5f)
        assertArrayEquals(floatArrayOf(-69f, -5f, 58.5f), Classification.dequantize(values, 0.5f, 10), 1e-5f)
    }

    @Test(expected = IllegalArgumentException::class)
    fun labelCountMustMatch() {
        Classification.predict(floatArrayOf(1f, 2f), listOf("only one"))
    }
}
