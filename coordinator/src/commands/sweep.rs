//! `pocnet sweep`: load, run, print what was written and the answer.

use crate::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use pocnet_node::say;

pub fn sweep(options: &pocnet::sweep::command::SweepOptions) -> u8 {
    let sweep = match pocnet::sweep::command::load(&options.file) {
        Ok(s) => s,
        Err(e) => {
            say!("{e}");
            return EXIT_INVALID;
        }
    };
    match pocnet::sweep::command::run(&sweep, options) {
        Ok(done) => {
            let hanoi_minute = done.runs_per_second * 60.0;
            if done.merged > 0 {
                say!("pocnet sweep: merged {} runs from {} shard files", done.merged, options.merge.len());
            }
            say!(
                "pocnet sweep: {} runs of {} in {:.1}s: {:.1} runs/s ({hanoi_minute:.0} variant-runs a minute)",
                done.runs,
                sweep.base.name,
                done.seconds,
                done.runs_per_second
            );
            if let Some(answer) = &done.answer {
                outln!("{answer}");
            }
            if let Some(robust) = &done.robust {
                outln!("{robust}");
            }
            for path in &done.written {
                outln!("wrote {}", path.display());
            }
            let differ: Vec<&str> = done.confirmed.iter().filter(|(_, same)| !same).map(|(n, _)| n.as_str()).collect();
            for (name, same) in &done.confirmed {
                outln!("mesh confirmation of {name}: {}", if *same { "byte-identical" } else { "DIFFERS" });
            }
            if differ.is_empty() {
                EXIT_OK
            } else {
                EXIT_FAILED
            }
        }
        Err(e) => {
            say!("pocnet sweep: {e:#}");
            // A folder holding another run's files is the caller's to change: exit 2.
            if e.downcast_ref::<pocnet::out_dir::OutDirError>().is_some() {
                EXIT_INVALID
            } else {
                EXIT_FAILED
            }
        }
    }
}
