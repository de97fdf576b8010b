//! Proof that both callbacks of `iemsim live` never touch the heap: the capture callback body
//! (`capture_into`) and the output callback body (`Engine::render`), driven through the live
//! path's real middle (the pump: resampling, drift control, loudness matching sending gain
//! glides) on plain buffers, including switches, matching off/on, a profile loaded into the live
//! side (its chain handed over, crossfaded in, the old one handed back), a full capture ring
//! (overruns) and a starved output ring (underruns).

use crate::{HEAP_OPS, WATCHING};
use iemsim::dsp::{builtin, Chain, Preamp};
use iemsim::playback::engine::{Control, Engine, Side, SideChain};
use iemsim::playback::live::capture_into;
use iemsim::playback::live_pump::{Pump, PumpSetup, PumpStats, SideLoad};
use std::sync::atomic::{AtomicU64, Ordering::*};
use std::sync::Arc;

fn watched(f: impl FnOnce()) -> usize {
    let before = HEAP_OPS.load(Relaxed);
    WATCHING.with(|w| w.set(true));
    f();
    WATCHING.with(|w| w.set(false));
    HEAP_OPS.load(Relaxed) - before
}

#[test]
fn the_live_callbacks_never_allocate_or_free() {
    let _alone = crate::alone();
    assert!(
        watched(|| drop(vec![1u8; 64])) >= 2,
        "the counting allocator counts"
    );

    let (in_rate, out_rate) = (44_100u32, 48_000u32);
    let profiles = ["ba", "dd"].map(|n| {
        builtin::profiles()
            .into_iter()
            .find(|p| p.name == n)
            .expect("profile")
    });
    let fs = f64::from(out_rate);
    let preamp_db = [0, 1].map(|i| profiles[i].preamp_db(Preamp::Auto, fs));
    let ctl = Arc::new(Control::new(true));
    let out_cap = 48_000 * 2;
    let (mut out_tx, out_rx) = rtrb::RingBuffer::<f32>::new(out_cap);
    let (mut in_tx, mut in_rx) = rtrb::RingBuffer::<f32>::new(4096 * 2);
    let side = |i: usize| SideChain {
        chain: Box::new(Chain::new(profiles[i].stages(fs, 2), 2, 0.0)),
        gain_matched: 0.5,
        gain_plain: 0.7,
    };
    let (mut engine, mut handles) = Engine::new(
        Arc::clone(&ctl),
        out_rx,
        [side(0), side(1)],
        2,
        out_rate,
        out_rate,
    );
    let mut pump = Pump::new(
        PumpSetup {
            in_rate,
            in_channels: 2,
            out_rate,
            out_channels: 2,
            target_fill: 2400,
            profiles: profiles.clone(),
            preamp_db,
            start_gain_db: preamp_db,
        },
        out_cap,
    )
    .expect("pump");
    let stats = PumpStats::default();
    let lost = AtomicU64::new(0);
    // Capture callbacks of 441 frames (10 ms), output callbacks of 480 frames (10 ms).
    let mut phase = 0.0f64;
    let mut cap = vec![0.0f32; 441 * 2];
    let mut out = vec![0.0f32; 480 * 2];
    let mut ops = 0;
    let mut sets_seen = 0;
    let mut loads = 0;
    let v_hybrid = builtin::profiles()
        .into_iter()
        .find(|p| p.name == "v-hybrid")
        .expect("profile");
    for k in 0..1500 {
        for f in cap.chunks_mut(2) {
            phase += 0.05;
            let v = (phase.sin() * 0.3) as f32;
            f[0] = v;
            f[1] = -v;
        }
        ops += watched(|| capture_into(&mut in_tx, &lost, 2, &cap));
        // The pump (not a callback: it may allocate) moves it on; every 100 ms it sends gains.
        // From 900 to 960 it stalls: the capture ring overflows (overruns), the output ring
        // runs dry (underruns).
        let stalled = (900..960).contains(&k);
        if !stalled {
            let before = handles_slots(&handles);
            pump.step(&mut in_rx, &mut out_tx, &mut handles, &stats)
                .expect("pump step");
            if handles_slots(&handles) < before {
                sets_seen += 1;
            }
        }
        ops += watched(|| engine.render(&mut out));
        match k {
            300 => ctl.set_live(Side::B),
            500 => ctl.matching.store(false, Relaxed),
            600 => ctl.matching.store(true, Relaxed),
            700 => ctl.set_live(Side::A),
            // Key 4 in the live screen: v-hybrid into A (built off the callbacks, as the
            // control thread does; the engine installs it on its own thread).
            750 => {
                let pair = [v_hybrid.clone(), profiles[1].clone()];
                let load = SideLoad::build(&pair, Side::A, 2, out_rate);
                assert!(
                    pump.load(load, &mut handles).is_ok(),
                    "the engine's queue had room"
                );
                loads += 1;
            }
            _ => {}
        }
        if stalled {
            for _ in 0..4 {
                ops += watched(|| engine.render(&mut out));
            }
        }
    }
    assert_eq!(ops, 0, "the live callbacks touched the heap {ops} times");
    assert!(lost.load(Relaxed) > 0, "the overrun path ran");
    assert!(ctl.underruns.load(Relaxed) > 0, "the underrun path ran");
    assert!(ctl.switches.load(Relaxed) >= 2, "switches ran");
    assert!(sets_seen > 0, "matched gains were sent to the callback");
    assert_eq!(loads, 1, "a profile was loaded");
    assert_eq!(
        ctl.installs.load(Relaxed),
        1,
        "the callback installed the loaded chain"
    );
}

fn handles_slots(h: &iemsim::playback::engine::EngineHandles) -> usize {
    h.cmds.slots()
}
