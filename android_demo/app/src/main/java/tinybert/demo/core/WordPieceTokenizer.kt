package tinybert.demo.core

/**
 * Greedy longest-match-first WordPiece over the words of [BertPretokenizer], with the
 * rules of keras-hub's `WordPieceTokenizer` (and `tf_text.FastWordpieceTokenizer`):
 * pieces after the first carry the `##` prefix; a word that cannot be covered by
 * vocabulary pieces, or that is longer than [maxBytesPerWord] UTF-8 bytes, becomes
 * [unknownToken] as a whole.
 *
 * @param vocabulary one token per id, in id order (the lines of `vocab.txt`).
 */
class WordPieceTokenizer(
    vocabulary: List<String>,
    val lowercase: Boolean,
    val stripAccents: Boolean,
    val unknownToken: String = "[UNK]",
    val suffixIndicator: String = "##",
    val maxBytesPerWord: Int = 100,
) {
    private val ids: Map<String, Int> = HashMap<String, Int>(vocabulary.size * 2).also { map ->
        vocabulary.forEachIndexed { id, token -> map.putIfAbsent(token, id) }
    }
    private val pretokenizer = BertPretokenizer(lowercase, stripAccents)

    val vocabularySize: Int = vocabulary.size
    val unknownId: Int = idOf(unknownToken)

    init {
        require(vocabulary.isNotEmpty()) { "empty vocabulary" }
    }

    /** Id of a token that must be in the vocabulary (special tokens). */
    fun idOf(token: String): Int =
        ids[token] ?: throw IllegalArgumentException("token '$token' is not in the vocabulary")

    /** Word pieces of [text], no special tokens, no truncation. */
    fun tokenize(text: String): List<String> =
        pretokenizer.split(text).flatMap { tokenizeWord(it) }

    /** Ids of [tokenize]. */
    fun encode(text: String): IntArray = tokenize(text).map { ids.getValue(it) }.toIntArray()

    /** Pieces of one pre-tokenized word. */
    fun tokenizeWord(word: String): List<String> {
        if (word.isEmpty()) return emptyList()
        if (word.toByteArray(Charsets.UTF_8).size > maxBytesPerWord) return listOf(unknownToken)
        // Code point boundaries (UTF-16 offsets), so pieces never split a surrogate pair.
        val bounds = IntArray(word.codePointCount(0, word.length) + 1)
        var offset = 0
        for (i in 1 until bounds.size) {
            offset += Character.charCount(word.codePointAt(offset))
            bounds[i] = offset
        }
        val pieces = ArrayList<String>()
        var start = 0
        val last = bounds.size - 1
        while (start < last) {
            var end = last
            var piece: String? = null
            while (end > start) {
                val sub = word.substring(bounds[start], bounds[end])
                val candidate = if (start > 0) suffixIndicator + sub else sub
                if (candidate in ids) {
                    piece = candidate
                    break
                }
                end--
            }
            if (piece == null) return listOf(unknownToken)
            pieces.add(piece)
            start = end
        }
        return pieces
    }

    companion object {
        /** Reads `vocab.txt` lines (one token a line, trailing newline ignored). */
        fun parseVocabulary(text: String): List<String> =
            text.split("\n").map { it.trimEnd('\r') }.let { if (it.lastOrNull() == "") it.dropLast(1) else it }
    }
}
