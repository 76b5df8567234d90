package tinybert.demo.core

/** One row of `tokenizer_vectors.tsv` (format documented in export/make_tokenizer_vectors.py). */
class TokenizerVector(
    val line: Int,
    val group: String,
    val lowercase: Boolean,
    val stripAccents: Boolean,
    val seqLen: Int,
    val textA: String,
    val textB: String?,
    val pieceIds: IntArray,
    val tokenIds: IntArray,
    val segmentIds: IntArray,
)

/** Reader for the shared vector file. */
object TokenizerVectors {
    private val COLUMNS = listOf(
        "group", "lowercase", "strip_accents", "seq_len", "text_a", "text_b",
        "piece_ids", "token_ids", "segment_ids",
    )

    fun parse(text: String): List<TokenizerVector> {
        val lines = text.split("\n").let { if (it.last().isEmpty()) it.dropLast(1) else it }
        require(lines.first().split("\t") == COLUMNS) { "tokenizer_vectors.tsv: unexpected header ${lines.first()}" }
        return lines.drop(1).mapIndexed { i, row ->
            val f = row.split("\t")
            require(f.size == COLUMNS.size) { "tokenizer_vectors.tsv:${i + 2}: ${f.size} fields, expected ${COLUMNS.size}" }
            TokenizerVector(
                line = i + 2,
                group = f[0],
                lowercase = f[1] == "1",
                stripAccents = f[2] == "1",
                seqLen = f[3].toInt(),
                textA = unescape(f[4]),
                textB = if (f[5] == "\\N") null else unescape(f[5]),
                pieceIds = ints(f[6]),
                tokenIds = ints(f[7]),
                segmentIds = f[8].map { it - '0' }.toIntArray(),
            )
        }
    }

    private fun ints(field: String): IntArray =
        if (field.isEmpty()) IntArray(0) else field.split(" ").map { it.toInt() }.toIntArray()

    /** Inverse of `escape` in make_tokenizer_vectors.py: `\\`, `\t`, `\n`, `\r`, `\u{hex}`. */
    fun unescape(field: String): String {
        val out = StringBuilder(field.length)
        var i = 0
        while (i < field.length) {
            val c = field[i]
            if (c != '\\') {
                out.append(c)
                i++
                continue
            }
            when (field[i + 1]) {
                '\\' -> out.append('\\')
                't' -> out.append('\t')
                'n' -> out.append('\n')
                'r' -> out.append('\r')
                'u' -> {
                    val close = field.indexOf('}', i)
                    out.appendCodePoint(field.substring(i + 3, close).toInt(16))
                    i = close + 1
                    continue
                }
                else -> throw IllegalArgumentException("bad escape in '$field' at $i")
            }
            i += 2
        }
        return out.toString()
    }

    /** Control and format characters shown as `\u{hex}` in failure messages. */
    fun escapeForDisplay(text: String): String {
        val out = StringBuilder()
        text.codePoints().forEach { cp ->
            val type = Character.getType(cp)
            if (type == Character.CONTROL.toInt() || type == Character.FORMAT.toInt()) {
                out.append("\\u{").append(Integer.toHexString(cp)).append('}')
            } else out.appendCodePoint(cp)
        }
        return "\"" + out + "\""
    }
}
