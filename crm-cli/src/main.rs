//! The `crm` command line. Filled in by the runtime issue (5).

fn main() {
    eprintln!("crm: not built yet; see issue 5");
    std::process::exit(2);
}
