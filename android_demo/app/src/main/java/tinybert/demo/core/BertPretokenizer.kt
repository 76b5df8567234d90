package tinybert.demo.core

import java.text.Normalizer
import java.util.Locale

/**
 * Splits text into words with the BERT "basic tokenizer" rules that keras-hub's
 * `WordPieceTokenizer` / `BertTokenizer` apply before WordPiece, so that the app feeds the
 * model the same ids the model saw in training.
 *
 * Steps, in keras-hub's order:
 * 1. `stripAccents`: NFD, then drop non-spacing marks (Unicode category Mn).
 * 2. Split on ASCII whitespace, control (Cc) and format (Cf) characters (dropped), and on
 *    punctuation (ASCII non-alphanumerics and Unicode P*) and CJK ideographs (kept, one
 *    word each). Other spaces (no-break space, ideographic space) do not split, as in
 *    keras-hub.
 * 3. `lowercase`: each word gets Unicode NFKC_Casefold (NFKC, full case folding, NFKC,
 *    default-ignorable code points removed), the mapping of `tf_text.case_fold_utf8`.
 *
 * Hand-written because the JVM and Android have no BERT tokenizer library whose rules
 * match keras-hub's; the shared test vectors prove the match.
 */
class BertPretokenizer(val lowercase: Boolean, val stripAccents: Boolean) {

    /** Words of [text] (a word can be empty after case folding; WordPiece skips it). */
    fun split(text: String): List<String> {
        val source = if (stripAccents) removeMarks(Normalizer.normalize(text, Normalizer.Form.NFD)) else text
        val words = ArrayList<String>()
        val current = StringBuilder()
        var i = 0
        while (i < source.length) {
            val cp = source.codePointAt(i)
            i += Character.charCount(cp)
            when {
                isSeparator(cp) -> flush(current, words)
                isPunctuation(cp) || isCjk(cp) -> {
                    flush(current, words)
                    words.add(String(Character.toChars(cp)))
                }
                else -> current.appendCodePoint(cp)
            }
        }
        flush(current, words)
        return if (lowercase) words.map(::caseFold) else words
    }

    private fun flush(current: StringBuilder, words: MutableList<String>) {
        if (current.isNotEmpty()) {
            words.add(current.toString())
            current.setLength(0)
        }
    }

    companion object {
        /** CJK ideograph blocks that BERT splits into single characters. */
        private val CJK_RANGES = arrayOf(
            0x4E00..0x9FFF, 0x3400..0x4DBF, 0x20000..0x2A6DF, 0x2A700..0x2B73F,
            0x2B740..0x2B81F, 0x2B820..0x2CEAF, 0xF900..0xFAFF, 0x2F800..0x2FA1F,
        )

        /** Default-ignorable code points that NFKC_Casefold removes. */
        private val DEFAULT_IGNORABLE = arrayOf(
            0x00AD..0x00AD, 0x034F..0x034F, 0x061C..0x061C, 0x115F..0x1160, 0x17B4..0x17B5,
            0x180B..0x180F, 0x200B..0x200F, 0x202A..0x202E, 0x2060..0x206F, 0x3164..0x3164,
            0xFE00..0xFE0F, 0xFEFF..0xFEFF, 0xFFA0..0xFFA0, 0xFFF0..0xFFF8, 0x1BCA0..0x1BCA3,
            0x1D173..0x1D17A, 0xE0000..0xE0FFF,
        )

        private val PUNCTUATION_TYPES = setOf(
            Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION,
            Character.START_PUNCTUATION, Character.END_PUNCTUATION,
            Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
            Character.OTHER_PUNCTUATION,
        ).map { it.toInt() }.toSet()

        /** Whitespace that splits words: ASCII spaces, Cc and Cf. */
        fun isSeparator(cp: Int): Boolean {
            if (cp == ' '.code || cp == '\t'.code || cp == '\n'.code || cp == '\r'.code || cp == 0x0C) return true
            val type = Character.getType(cp)
            return type == Character.CONTROL.toInt() || type == Character.FORMAT.toInt()
        }

        /** ASCII non-letters/digits (`!-/`, `:-@`, `[-``, `{-~`) and Unicode punctuation (P*). */
        fun isPunctuation(cp: Int): Boolean {
            if (cp in 33..47 || cp in 58..64 || cp in 91..96 || cp in 123..126) return true
            return Character.getType(cp) in PUNCTUATION_TYPES
        }

        fun isCjk(cp: Int): Boolean = CJK_RANGES.any { cp in it }

        private fun isDefaultIgnorable(cp: Int): Boolean = DEFAULT_IGNORABLE.any { cp in it }

        /** Drops non-spacing marks (category Mn), the accents NFD separates out. */
        fun removeMarks(text: String): String {
            val out = StringBuilder(text.length)
            text.codePoints().forEach { cp ->
                if (Character.getType(cp) != Character.NON_SPACING_MARK.toInt()) out.appendCodePoint(cp)
            }
            return out.toString()
        }

        /** Unicode NFKC_Casefold of one word: NFKC(fold(NFKC(word))) minus default ignorables. */
        fun caseFold(word: String): String {
            val folded = StringBuilder(word.length)
            Normalizer.normalize(word, Normalizer.Form.NFKC).codePoints().forEach { cp ->
                folded.append(foldCodePoint(cp))
            }
            val out = StringBuilder(folded.length)
            Normalizer.normalize(folded, Normalizer.Form.NFKC).codePoints().forEach { cp ->
                if (!isDefaultIgnorable(cp)) out.appendCodePoint(cp)
            }
            return out.toString()
        }

        /**
         * Full case folding of one code point. The JDK has no case-fold API, and for
         * nearly all characters folding equals lower(upper(c)) with full (multi-char)
         * mappings, e.g. "ß" -> "SS" -> "ss", "ς" -> "Σ" -> "σ". The exceptions, where the
         * round trip changes a character that folding keeps or folds elsewhere, are
         * listed explicitly.
         */
        fun foldCodePoint(cp: Int): String = when (cp) {
            0x0131 -> "\u0131" // dotless i: no folding
            0x1E9E -> "ss" // capital sharp s
            in 0x13A0..0x13F5 -> String(Character.toChars(cp)) // Cherokee capitals fold to themselves
            in 0x13F8..0x13FD -> String(Character.toChars(cp - 8)) // Cherokee small -> capital
            in 0xAB70..0xABBF -> String(Character.toChars(cp - 0xAB70 + 0x13A0))
            else -> String(Character.toChars(cp)).uppercase(Locale.ROOT).lowercase(Locale.ROOT)
        }
    }
}
