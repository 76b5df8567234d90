package tinybert.demo.core

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Test

class WordPieceTokenizerTest {
    private val vocab = listOf(
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "a", "##b", "ab", "##c", "##bc",
        "é", "##é", ",", "😀", "##😀", "x", "##x", "straße", "ss", "strasse", "中",
    )

    private fun tok(lowercase: Boolean = true, stripAccents: Boolean = false) =
        WordPieceTokenizer(vocab, lowercase, stripAccents)

    @Test
    fun splitsIntoSuffixPieces() {
        assertEquals(listOf("un", "##aff", "##able"), tok().tokenize("unaffable"))
        assertArrayEquals(intArrayOf(4, 5, 6), tok().encode("UNAFFABLE"))
    }

    @Test
    fun longestMatchFirst() {
        // "ab" + "##c" beats "a" + "##bc": the first piece is as long as possible.
        assertEquals(listOf("ab", "##c"), tok().tokenize("abc"))
    }

    @Test
    fun uncoverableWordIsOneUnknown() {
        assertEquals(listOf("[UNK]"), tok().tokenize("abz"))
        assertEquals(listOf("un", "[UNK]", ",", "a"), tok().tokenize("un abz, a"))
    }

    @Test
    fun wordLongerThan100Utf8BytesIsUnknown() {
        assertEquals(100, tok().tokenize("x".repeat(100)).size)
        assertEquals(listOf("[UNK]"), tok().tokenize("x".repeat(101)))
        // 50 two-byte characters are 100 bytes (kept); 51 are 102 bytes.
        assertEquals(50, tok().tokenize("é".repeat(50)).size)
        assertEquals(listOf("[UNK]"), tok().tokenize("é".repeat(51)))
    }

    @Test
    fun piecesNeverSplitSurrogatePairs() {
        assertEquals(listOf("😀", "##😀", "##😀"), tok().tokenize("😀😀😀"))
    }

    @Test
    fun caseFoldingIsFullNotJustLowercase() {
        assertEquals(listOf("strasse"), tok().tokenize("STRAẞE"))
        assertEquals(listOf("strasse"), tok().tokenize("straße"))
        assertEquals(listOf("straße"), tok(lowercase = false).tokenize("straße"))
    }

    @Test
    fun stripAccentsSwitch() {
        assertEquals(listOf("é"), tok().tokenize("É"))
        assertEquals(listOf("[UNK]"), tok(stripAccents = true).tokenize("É")) // becomes "e", not in vocab
    }

    @Test
    fun emptyAndWhitespaceGiveNothing() {
        assertEquals(emptyList<String>(), tok().tokenize(""))
        assertEquals(emptyList<String>(), tok().tokenize(" \t\r\n\u200b"))
    }

    @Test(expected = IllegalArgumentException::class)
    fun missingSpecialTokenIsAnError() {
        tok().idOf("[MASK]")
    }

    @Test
    fun parsesVocabularyLines() {
        assertEquals(listOf("[PAD]", "a", "##b"), WordPieceTokenizer.parseVocabulary("[PAD]\r\na\n##b\n"))
    }
}
