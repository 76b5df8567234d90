# Two commands: `make demo` and `make test`. Each builds .venv from this repo's files when needed.
PY := .venv/bin/python
STAMP := .venv/.stamp

.PHONY: test test-fast demo bench clean

$(STAMP): requirements.txt requirements-data.txt requirements-bench.txt pyproject.toml
	python3 -m venv .venv
	.venv/bin/pip install -q -r requirements.txt
	.venv/bin/pip install -q --no-deps -r requirements-data.txt
	.venv/bin/pip install -q -r requirements-bench.txt
	.venv/bin/pip install -q --no-deps -e .
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q -rs tests

test-fast: $(STAMP)
	$(PY) -m pytest -q -rs -m "not slow" tests

demo: $(STAMP)
	$(PY) -m tinybert_tf.cli pipeline --task bbc_news --out runs/demo --sequence-length 64 \
		--teacher-epochs 2 --intermediate-epochs 1 --prediction-epochs 3 --qat-epochs 1

bench: $(STAMP)
	$(PY) -m tinybert_tf.cli bench-compare --out benchmarks/results.json --markdown benchmarks/results.md

clean:
	rm -rf .venv runs .pytest_cache
