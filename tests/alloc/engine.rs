//! Proof that the audio callback body never touches the heap: a counting global allocator records
//! every allocation, reallocation and free made on the thread while `Engine::render` runs, through
//! every path the callback has (playing, switching, crossfading, matching on/off, a profile install
//! and its hand-back, a gain change, pause, a seek flush, underruns and the end of the file).
//!
//! Locks are ruled out by construction (the engine holds no Mutex; control is atomics and `rtrb`),
//! and the counting allocator (in `main.rs`) watches only the callback's thread.

use crate::{HEAP_OPS, WATCHING};
use iemsim::dsp::{builtin, Chain};
use iemsim::playback::engine::{Control, Engine, EngineCmd, Side, SideChain};
use std::sync::atomic::Ordering::*;
use std::sync::Arc;

/// Runs the callback body with the counter armed; returns the heap operations it made.
fn callback(engine: &mut Engine, out: &mut [f32]) -> usize {
    let before = HEAP_OPS.load(Relaxed);
    WATCHING.with(|w| w.set(true));
    engine.render(out);
    WATCHING.with(|w| w.set(false));
    HEAP_OPS.load(Relaxed) - before
}

fn side(name: &str, rate: f64) -> SideChain {
    let p = builtin::profiles()
        .into_iter()
        .find(|p| p.name == name)
        .expect("profile");
    SideChain {
        chain: Box::new(Chain::new(p.coefficients(rate).0, 2, 0.0)),
        gain_matched: 0.7,
        gain_plain: 0.9,
    }
}

#[test]
fn the_callback_body_never_allocates_or_frees() {
    let _alone = crate::alone();
    // The counter itself works (a test that cannot fail is a defect).
    WATCHING.with(|w| w.set(true));
    let v = vec![1u8; 100];
    drop(v);
    WATCHING.with(|w| w.set(false));
    assert!(HEAP_OPS.load(Relaxed) >= 2, "the counting allocator counts");

    let rate = 48_000u32;
    let ctl = Arc::new(Control::new(true));
    let (mut producer, consumer) = rtrb::RingBuffer::<f32>::new(rate as usize * 2);
    let (mut engine, mut handles) = Engine::new(
        Arc::clone(&ctl),
        consumer,
        [side("ba", 48_000.0), side("dd", 48_000.0)],
        2,
        rate,
        rate,
    );
    let signal: Vec<f32> = (0..rate as usize)
        .flat_map(|i| {
            let v = (i as f32 * 0.05).sin() * 0.3;
            [v, -v]
        })
        .collect();
    assert!(producer.push_entire_slice(&signal).is_ok());

    // Callback sizes seen on real devices, including odd ones and one larger than the chunk size.
    let mut out = vec![0.0f32; 4096 * 2];
    let sizes = [512, 341, 1024, 64, 4096, 480, 1];
    let mut ops = 0;
    let mut step = 0usize;
    let mut run = |engine: &mut Engine, n: usize, ops: &mut usize| {
        for _ in 0..n {
            let frames = sizes[step % sizes.len()];
            step += 1;
            *ops += callback(engine, &mut out[..frames * 2]);
        }
    };
    run(&mut engine, 10, &mut ops); // playing A
    ctl.set_live(Side::B);
    run(&mut engine, 10, &mut ops); // crossfade to B
    ctl.matching.store(false, Relaxed);
    run(&mut engine, 5, &mut ops); // gains glide to the unmatched values
                                   // A profile install: warm-up, fade-in, hand-back of the old chain through the trash queue.
    let new = side("v-hybrid", 48_000.0);
    assert!(handles
        .cmds
        .push(EngineCmd::Install {
            side: Side::B,
            chain: new,
        })
        .is_ok());
    let _ = handles.cmds.push(EngineCmd::SetGain {
        side: Side::A,
        gain_matched: 0.5,
    });
    run(&mut engine, 40, &mut ops);
    assert_eq!(ctl.installs.load(Acquire), 1, "install completed");
    ctl.paused.store(true, Relaxed);
    run(&mut engine, 10, &mut ops); // fade out, then silence without reading
    ctl.paused.store(false, Relaxed);
    // A seek: fade out, wait for the feeder (simulated here), drain, reset, resume.
    ctl.request_seek(1000);
    run(&mut engine, 10, &mut ops);
    ctl.feeder_stopped_epoch.store(1, Release);
    run(&mut engine, 2, &mut ops);
    assert_eq!(ctl.drained_epoch.load(Acquire), 1, "flush completed");
    assert!(producer.push_entire_slice(&signal[..48_000]).is_ok());
    run(&mut engine, 10, &mut ops);
    // Underruns (the ring runs dry), then the end of the file.
    run(&mut engine, 20, &mut ops);
    assert!(ctl.underruns.load(Acquire) > 0, "underrun path exercised");
    ctl.eof.store(true, Release);
    run(&mut engine, 5, &mut ops);
    assert!(ctl.finished.load(Acquire), "end-of-file path exercised");

    assert_eq!(ops, 0, "heap operations inside the callback body");
    // The replaced chain came back to be freed here, off the audio thread.
    assert!(handles.trash.pop().is_ok());
}
