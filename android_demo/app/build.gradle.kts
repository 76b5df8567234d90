import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "tinybert.demo"
    compileSdk = 35

    defaultConfig {
        applicationId = "tinybert.demo"
        minSdk = 24 // LiteRT 2.x AARs need API 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1"
    }

    buildTypes {
        release {
            isMinifyEnabled = false
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    // The model is memory-mapped from the APK: keep it uncompressed.
    androidResources {
        noCompress += listOf("tflite")
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    // LiteRT runtime (CompiledModel API, CPU with XNNPACK); same release line as the
    // ai-edge-litert 2.3.0 wheel export/bench.py uses on Linux boards.
    implementation("com.google.ai.edge.litert:litert:2.3.0")

    // The plain-Kotlin core (tokenizer, packer, statistics) is tested on the JVM; the same
    // tests run here with `./gradlew test` and on any JDK with run_jvm_tests.sh.
    testImplementation("junit:junit:4.13.2")
}
