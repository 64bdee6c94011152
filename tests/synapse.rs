//! Every case in `cases/` as one libtest-mimic trial against a managed Synapse of the default release,
//! installed under `target/` so a clean clone starts clean. `MXCONFORM_SKIP_SYNAPSE=1` opts out, loudly.

use std::path::Path;
use std::process::ExitCode;

use libtest_mimic::{Arguments, Trial};
use mxconform::pipeline::harness::test_main;
use mxconform::server::TargetSpec;
use mxconform::server::synapse::DEFAULT_VERSION;

fn main() -> ExitCode {
    if std::env::var_os("MXCONFORM_SKIP_SYNAPSE").is_some_and(|v| !v.is_empty() && v != "0") {
        let banner = format!(
            "SKIPPED: the real-server run against Synapse {DEFAULT_VERSION} did not run, because MXCONFORM_SKIP_SYNAPSE is set"
        );
        eprintln!(
            "\n{}\n{banner}\n{}\n",
            "!".repeat(banner.len()),
            "!".repeat(banner.len())
        );
        let skipped = Trial::test("synapse-run-skipped", || Ok(())).with_ignored_flag(true);
        return libtest_mimic::run(&Arguments::from_args(), vec![skipped]).exit_code();
    }
    let target = TargetSpec::Synapse {
        version: DEFAULT_VERSION.to_string(),
        cache: Path::new(env!("CARGO_TARGET_TMPDIR")).join("mxconform-cache"),
    };
    test_main(Path::new(env!("CARGO_MANIFEST_DIR")), |options| {
        options.target = target;
    })
}
