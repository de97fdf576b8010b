//! Prints the shipped per-IEM fit table (`src/dsp/iems_fitted.rs`), fitted from the bundled CSVs:
//! `cargo run --release --example fit_iems > src/dsp/iems_fitted.rs` after a fitter change.

fn main() {
    match iemsim::dsp::iems::fitted_table_source() {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("fit_iems: {e}");
            std::process::exit(1);
        }
    }
}
