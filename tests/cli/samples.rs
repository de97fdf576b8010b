//! The bundled samples are what a newcomer hears first: they must be present, of the promised
//! format and size, and export through every built-in profile without a single clipped sample.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn samples_have_the_documented_format() {
    for (name, channels, min_s, max_s) in
        [("music.wav", 2, 20.0, 30.0), ("speech.wav", 1, 5.0, 30.0)]
    {
        let path = root().join("samples").join(name);
        let r = hound::WavReader::open(&path).expect("bundled sample readable");
        let spec = r.spec();
        assert_eq!(spec.sample_rate, 44_100, "{name}");
        assert_eq!(spec.bits_per_sample, 16, "{name}");
        assert_eq!(spec.channels, channels, "{name}");
        let secs = f64::from(r.duration()) / 44_100.0;
        assert!((min_s..=max_s).contains(&secs), "{name}: {secs} s");
        let bytes = std::fs::metadata(&path).expect("size").len();
        assert!(bytes < 5_000_000, "{name}: {bytes} bytes");
    }
}

#[test]
fn every_profile_exports_the_samples_without_clipping() {
    // Every built-in, so a profile added later is held to the same promise.
    let profiles: Vec<String> = iemsim::dsp::builtin::profiles()
        .into_iter()
        .map(|p| p.name)
        .collect();
    let out = tempfile::tempdir().expect("tempdir");
    for sample in ["music.wav", "speech.wav"] {
        let mut args = vec![
            "export".to_string(),
            root().join("samples").join(sample).display().to_string(),
            "--out-dir".into(),
            out.path().display().to_string(),
            "--json".into(),
            // The promise under test is --preamp auto's; --match (the default for several
            // profiles) deliberately raises the outputs to -0.1 dBFS and has its own test.
            "--no-match".into(),
        ];
        for p in &profiles {
            args.push("-p".into());
            args.push(p.clone());
        }
        let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .args(&args)
            .output()
            .expect("run iemsim");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
        let outputs = report["outputs"].as_array().expect("array of outputs");
        assert_eq!(outputs.len(), profiles.len());
        for r in outputs {
            assert_eq!(r["clipped_samples"], 0, "{sample}: {r}");
            assert!(
                r["peak_dbfs"].as_f64().expect("peak") < -0.5,
                "{sample}: {r}"
            );
        }
    }
}
