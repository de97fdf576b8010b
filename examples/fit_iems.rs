//! Prints the shipped per-IEM fit table (`src/profiles/iems_fitted.rs`), fitted from the bundled CSVs:
//! `cargo run --release --example fit_iems > src/profiles/iems_fitted.rs` after a fitter change.

fn main() {
    match iemsim::profiles::iems::fitted_table_source() {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("fit_iems: {e}");
            std::process::exit(1);
        }
    }
}
