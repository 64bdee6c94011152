//! The `mxconform` command: parses arguments and hands over to the library.

/// mimalloc: the harness and the in-process fake allocate a JSON tree per request and answer, which
/// the system allocator spends a large share of `mxconform mutants`' CPU on.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mxconform::cli::main()
}
