package tinybert.demo

import android.app.Activity
import android.content.Intent
import android.os.Bundle
import android.os.SystemClock
import android.widget.Button
import android.widget.EditText
import android.widget.TextView
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

/** Type a text, see the predicted label with its probability and the ids fed to the model. */
class MainActivity : Activity() {
    private val worker: ExecutorService = Executors.newSingleThreadExecutor()
    private var classifier: TextClassifier? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        val input = findViewById<EditText>(R.id.input_text)
        val label = findViewById<TextView>(R.id.result_label)
        val details = findViewById<TextView>(R.id.result_details)
        val classify = findViewById<Button>(R.id.classify_button)
        classify.isEnabled = false
        findViewById<Button>(R.id.benchmark_button).setOnClickListener {
            startActivity(Intent(this, BenchmarkActivity::class.java))
        }
        worker.execute {
            val loaded = runCatching { TextClassifier(assets) }
            runOnUiThread {
                loaded.onSuccess {
                    classifier = it
                    classify.isEnabled = true
                    details.text = "labels: ${it.config.labels.joinToString()}\nsequence length: ${it.config.sequenceLength}"
                }.onFailure { details.text = "cannot load the model from assets: ${it.message}" }
            }
        }
        classify.setOnClickListener {
            val text = input.text.toString()
            val model = classifier ?: return@setOnClickListener
            worker.execute {
                val start = SystemClock.elapsedRealtimeNanos()
                val prediction = model.classify(text)
                val ms = (SystemClock.elapsedRealtimeNanos() - start) / 1e6
                val pieces = model.tokenizer.tokenize(text)
                runOnUiThread {
                    label.text = "%s  %.1f%%".format(prediction.label, 100 * prediction.probability)
                    details.text = "tokenize + inference: %.2f ms\n%d word pieces: %s"
                        .format(ms, pieces.size, pieces.take(40).joinToString(" "))
                }
            }
        }
    }

    override fun onDestroy() {
        worker.execute { classifier?.close() }
        worker.shutdown()
        super.onDestroy()
    }
}
