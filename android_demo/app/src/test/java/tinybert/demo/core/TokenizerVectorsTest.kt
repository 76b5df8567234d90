package tinybert.demo.core

import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/**
 * The Kotlin tokenizer and packer against the shared vectors that
 * export/make_tokenizer_vectors.py wrote with keras-hub (test resources
 * `tokenizer_vectors.tsv` and `vocab.txt`). Every vector must agree.
 */
class TokenizerVectorsTest {

    private val vocabulary = WordPieceTokenizer.parseVocabulary(resource("vocab.txt"))
    private val vectors = TokenizerVectors.parse(resource("tokenizer_vectors.tsv"))

    @Test
    fun vectorFileCoversTheRequiredCases() {
        assertTrue("only ${vectors.size} vectors", vectors.size >= 200)
        val groups = vectors.groupingBy { it.group }.eachCount()
        for (group in listOf("bbc", "bbc_pair", "edge", "edge_pair", "edge_truncation", "strip_accents", "cased")) {
            assertTrue("no '$group' vectors in $groups", (groups[group] ?: 0) > 0)
        }
        assertTrue("no truncated vector", vectors.any { v -> v.pieceIds.size + 2 > v.seqLen })
        assertTrue("no empty text", vectors.any { it.textA.isEmpty() })
    }

    @Test
    fun allVectorsAgreeWithKerasHub() {
        val tokenizers = HashMap<Pair<Boolean, Boolean>, WordPieceTokenizer>()
        val failures = ArrayList<String>()
        for (v in vectors) {
            val tok = tokenizers.getOrPut(v.lowercase to v.stripAccents) {
                WordPieceTokenizer(vocabulary, v.lowercase, v.stripAccents)
            }
            val pieces = tok.encode(v.textA)
            if (!pieces.contentEquals(v.pieceIds)) {
                failures.add("line ${v.line} [${v.group}] ${show(v.textA)}\n  pieces want ${names(v.pieceIds)}\n  pieces got  ${names(pieces)}")
                continue
            }
            val packer = SequencePacker(v.seqLen, tok.idOf("[CLS]"), tok.idOf("[SEP]"), tok.idOf("[PAD]"))
            val packed = packer.pack(pieces, v.textB?.let { tok.encode(it) })
            val n = v.tokenIds.size
            val wantIds = v.tokenIds + IntArray(v.seqLen - n) { tok.idOf("[PAD]") }
            val wantSegments = v.segmentIds + IntArray(v.seqLen - n)
            val wantMask = IntArray(v.seqLen) { if (it < n) 1 else 0 }
            if (!packed.tokenIds.contentEquals(wantIds) || !packed.segmentIds.contentEquals(wantSegments) ||
                !packed.paddingMask.contentEquals(wantMask)
            ) {
                failures.add("line ${v.line} [${v.group}] seq_len=${v.seqLen} ${show(v.textA)} | ${v.textB?.let(::show)}\n" +
                    "  ids want ${wantIds.toList()} segments ${wantSegments.toList()}\n" +
                    "  ids got  ${packed.tokenIds.toList()} segments ${packed.segmentIds.toList()} mask ${packed.paddingMask.toList()}")
            }
        }
        if (failures.isNotEmpty()) {
            fail("${failures.size} of ${vectors.size} vectors disagree with keras-hub:\n" + failures.take(20).joinToString("\n"))
        }
        assertEquals(0, failures.size)
    }

    private fun names(ids: IntArray) = ids.map { vocabulary[it] }

    private fun show(text: String) = TokenizerVectors.escapeForDisplay(text)

    private fun resource(name: String): String =
        (javaClass.classLoader.getResourceAsStream(name)
            ?: throw AssertionError("test resource $name missing: run export/make_tokenizer_vectors.py"))
            .use { String(it.readBytes(), Charsets.UTF_8) }
}
