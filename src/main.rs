fn main() {
    std::process::exit(acrlint::cli::main());
}
