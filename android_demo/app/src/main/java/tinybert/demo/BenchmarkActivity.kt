package tinybert.demo

import android.app.Activity
import android.os.Bundle
import android.os.SystemClock
import android.widget.Button
import android.widget.EditText
import android.widget.TextView
import tinybert.demo.core.LatencyBenchmark
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

/**
 * Latency on this phone: warm-up, then N timed inferences of the model alone (inputs set
 * once, like export/bench.py times `invoke()`), and separately the Kotlin tokenizer.
 * Times come from SystemClock.elapsedRealtimeNanos (monotonic, counts deep sleep).
 */
class BenchmarkActivity : Activity() {
    private val worker: ExecutorService = Executors.newSingleThreadExecutor()
    private var classifier: TextClassifier? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_benchmark)
        val warmup = findViewById<EditText>(R.id.warmup_runs)
        val runs = findViewById<EditText>(R.id.timed_runs)
        val result = findViewById<TextView>(R.id.benchmark_result)
        val run = findViewById<Button>(R.id.run_button)
        run.setOnClickListener {
            val warmupRuns = warmup.text.toString().toIntOrNull() ?: 10
            val timedRuns = runs.text.toString().toIntOrNull()?.coerceAtLeast(1) ?: 100
            run.isEnabled = false
            result.text = getString(R.string.running)
            worker.execute {
                val report = runCatching { measure(warmupRuns, timedRuns) }.getOrElse { "failed: ${it.message}" }
                runOnUiThread {
                    result.text = report
                    run.isEnabled = true
                }
            }
        }
    }

    private fun measure(warmupRuns: Int, timedRuns: Int): String {
        val loadStart = SystemClock.elapsedRealtimeNanos()
        val model = classifier ?: TextClassifier(assets).also { classifier = it }
        val loadMs = (SystemClock.elapsedRealtimeNanos() - loadStart) / 1e6
        model.setInputs(model.encode(SAMPLE))
        val clock = { SystemClock.elapsedRealtimeNanos() }
        val inference = LatencyBenchmark(warmupRuns, timedRuns, clock).run { model.invoke() }
        val tokenize = LatencyBenchmark(warmupRuns, timedRuns, clock).run { model.encode(SAMPLE) }
        val s = inference.stats
        return buildString {
            appendLine("model load: %.1f ms, first inference: %.2f ms".format(loadMs, inference.firstRunMs))
            appendLine("inference, %d runs after %d warm-up:".format(s.count, warmupRuns))
            appendLine("  p50 %.3f ms   p90 %.3f ms".format(s.p50, s.p90))
            appendLine("  mean %.3f  std %.3f  min %.3f  p99 %.3f".format(s.mean, s.std, s.min, s.p99))
            appendLine("tokenize + pack: p50 %.3f ms  p90 %.3f ms".format(tokenize.stats.p50, tokenize.stats.p90))
            append("sequence length ${model.config.sequenceLength}, CPU (XNNPACK)")
        }
    }

    override fun onDestroy() {
        worker.execute { classifier?.close() }
        worker.shutdown()
        super.onDestroy()
    }

    companion object {
        private const val SAMPLE =
            "Shares in the carmaker fell sharply after it warned that profits would miss forecasts."
    }
}
