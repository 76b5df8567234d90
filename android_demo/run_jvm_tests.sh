#!/usr/bin/env bash
# Compile the plain-Kotlin core of the app (no Android imports) and its JUnit 4 tests with
# kotlinc, then run them on the JVM. The Android app itself needs the Android SDK; these
# tests need only a JDK, kotlinc and JUnit 4.
#
# Exit status: 0 all tests passed, 1 a test or the compilation failed,
#              3 skipped because a tool is missing (prints "SKIPPED: ...").
#
# Tools are found from, in order:
#   kotlinc: $KOTLINC, `kotlinc` on PATH, $(npm root -g)/kotlin-compiler/bin/kotlinc
#   JUnit:   $JUNIT_JAR / $HAMCREST_JAR, else /usr/share/java/junit4.jar and hamcrest-core.jar
# Install (Debian + npm): apt-get install -y default-jdk-headless junit4
#                         npm install -g kotlin-compiler
set -euo pipefail
case "$0" in */*) cd "${0%/*}" ;; esac # bash only: the tool checks below must work on a bare PATH
SKIPPED=3

skip() {
    echo "SKIPPED: $1" >&2
    exit "$SKIPPED"
}

if ! command -v java >/dev/null 2>&1; then
    skip "no kotlinc/JDK: 'java' not found (apt-get install -y default-jdk-headless)"
fi
KOTLINC="${KOTLINC:-}"
if [ -z "$KOTLINC" ]; then
    if command -v kotlinc >/dev/null 2>&1; then
        KOTLINC="$(command -v kotlinc)"
    elif command -v npm >/dev/null 2>&1 && [ -x "$(npm root -g 2>/dev/null)/kotlin-compiler/bin/kotlinc" ]; then
        KOTLINC="$(npm root -g)/kotlin-compiler/bin/kotlinc"
    fi
fi
if [ -z "$KOTLINC" ] || [ ! -x "$KOTLINC" ]; then
    skip "no kotlinc/JDK: kotlinc not found (npm install -g kotlin-compiler, or set KOTLINC)"
fi
JUNIT_JAR="${JUNIT_JAR:-/usr/share/java/junit4.jar}"
HAMCREST_JAR="${HAMCREST_JAR:-/usr/share/java/hamcrest-core.jar}"
for jar in "$JUNIT_JAR" "$HAMCREST_JAR"; do
    [ -f "$jar" ] || skip "no JUnit 4: $jar not found (apt-get install -y junit4, or set JUNIT_JAR/HAMCREST_JAR)"
done

MAIN_SRC=app/src/main/java/tinybert/demo/core
TEST_SRC=app/src/test/java/tinybert/demo/core
RESOURCES=app/src/test/resources
BUILD="${JVM_TEST_BUILD_DIR:-build/jvm-tests}"
mkdir -p "$BUILD"

# The core must stay free of Android imports, or it could not be tested here.
if grep -l "^import android" "$MAIN_SRC"/*.kt; then
    echo "FAILED: the files above import android.* but must be plain Kotlin" >&2
    exit 1
fi

echo "kotlinc: $KOTLINC"
"$KOTLINC" -nowarn -include-runtime -cp "$JUNIT_JAR:$HAMCREST_JAR" \
    -d "$BUILD/core-tests.jar" "$MAIN_SRC"/*.kt "$TEST_SRC"/*.kt

classes=()
for f in "$TEST_SRC"/*Test.kt; do
    classes+=("tinybert.demo.core.$(basename "$f" .kt)")
done
java -cp "$BUILD/core-tests.jar:$JUNIT_JAR:$HAMCREST_JAR:$RESOURCES" org.junit.runner.JUnitCore "${classes[@]}"
