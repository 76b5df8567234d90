package tinybert.demo.core

import org.junit.Assert.assertEquals
import org.junit.Test

class BertPretokenizerTest {
    private val lower = BertPretokenizer(lowercase = true, stripAccents = false)

    @Test
    fun splitsPunctuationAndKeepsIt() {
        assertEquals(listOf("don", "'", "t", "stop", "!", "$", "5", ".", "00"), lower.split("Don't stop! $5.00"))
        assertEquals(listOf("a", "^", "b", "`", "c", "«", "d", "»"), lower.split("a^b`c«d»"))
    }

    @Test
    fun splitsEachCjkIdeograph() {
        assertEquals(listOf("中", "文", "ab", "字"), lower.split("中文ab字"))
        assertEquals(listOf("𠀀", "𠀁"), lower.split("𠀀𠀁")) // extension B, outside the BMP
    }

    @Test
    fun onlyAsciiWhitespaceControlAndFormatSplit() {
        assertEquals(listOf("a", "b", "c", "d"), lower.split("a\tb\u200bc\u0007d"))
        // A no-break space does not split; NFKC_Casefold then turns it into a plain space.
        assertEquals(listOf("a b"), lower.split("a\u00a0b"))
    }

    @Test
    fun stripsAccentsOnlyWhenAsked() {
        assertEquals(listOf("cafe", "naive"), BertPretokenizer(true, true).split("Café NAÏVE"))
        assertEquals(listOf("café", "naïve"), lower.split("Café NAÏVE"))
        assertEquals(listOf("Café"), BertPretokenizer(false, false).split("Café"))
    }

    @Test
    fun caseFoldMatchesNfkcCasefold() {
        assertEquals("ss", BertPretokenizer.caseFold("ẞ"))
        assertEquals("σσ", BertPretokenizer.caseFold("Σς"))
        assertEquals("\u0131", BertPretokenizer.caseFold("\u0131")) // dotless i stays
        assertEquals("i\u0307", BertPretokenizer.caseFold("İ"))
        assertEquals("fine", BertPretokenizer.caseFold("ﬁne")) // NFKC ligature
        assertEquals("abc123", BertPretokenizer.caseFold("ＡＢＣ１２３")) // fullwidth
        assertEquals("\u13a0", BertPretokenizer.caseFold("\uab70")) // Cherokee small -> capital
        assertEquals("ab", BertPretokenizer.caseFold("a\u00adb")) // default ignorable removed
    }
}
