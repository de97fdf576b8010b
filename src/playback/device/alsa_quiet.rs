//! alsa-lib prints its complaints ("ALSA lib confmisc.c: cannot find card '0'", ...) straight to
//! stderr while we probe devices. The errors reach us as return values anyway, so while a
//! `Guard` lives, alsa-lib's thread-local error handler (`snd_lib_error_set_local`, alsa-lib ≥
//! 1.1.6) drops the text on this thread.
//!
//! Kept apart because it is the only FFI in the device code.

#[cfg(target_os = "linux")]
mod imp {
    use std::ffi::{c_char, c_int, c_void};

    type LocalHandler = Option<
        unsafe extern "C" fn(
            *const c_char,
            c_int,
            *const c_char,
            c_int,
            *const c_char,
            *mut c_void,
        ),
    >;

    #[link(name = "asound")]
    extern "C" {
        fn snd_lib_error_set_local(func: LocalHandler) -> LocalHandler;
    }

    unsafe extern "C" fn swallow(
        _file: *const c_char,
        _line: c_int,
        _func: *const c_char,
        _err: c_int,
        _fmt: *const c_char,
        _args: *mut c_void,
    ) {
    }

    pub struct Guard(LocalHandler);

    impl Guard {
        pub fn new() -> Self {
            // SAFETY: sets a thread-local function pointer; `swallow` matches
            // snd_local_error_handler_t (va_list is passed as a pointer on Linux ABIs) and
            // ignores every argument.
            Guard(unsafe { snd_lib_error_set_local(Some(swallow)) })
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            // SAFETY: restores the handler that was installed before (usually none).
            unsafe {
                snd_lib_error_set_local(self.0);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub struct Guard;
    impl Guard {
        pub fn new() -> Self {
            Guard
        }
    }
}

pub use imp::Guard;
