//! Refits every bundled IEM measurement and writes the shipped fits, `<model> ParametricEQ.txt`
//! beside each CSV in samples/measurements/iem/: `cargo run --release --example fit_iems` after a
//! fitter change.

fn main() {
    let files = match iemsim::profiles::iems::fitted_files() {
        Ok(files) => files,
        Err(e) => {
            eprintln!("fit_iems: {e}");
            std::process::exit(1);
        }
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (path, text) in files {
        if let Err(e) = std::fs::write(root.join(&path), text) {
            eprintln!("fit_iems: {path}: {e}");
            std::process::exit(1);
        }
        println!("{path}");
    }
}
