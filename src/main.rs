//! The `mxconform` command: parses arguments and hands over to the library.

fn main() -> std::process::ExitCode {
    mxconform::cli::main()
}
