//! The `cairn` binary.

use libmimalloc_sys::mi_option_t;

/// mimalloc instead of glibc's malloc: a page view allocates and frees
/// thousands of small blocks (rows, strings, the rendered page), and
/// glibc's arenas spent about a quarter of a section list's CPU time on
/// them (`bench/run`, README "Performance").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc.h (v3).
const MI_OPTION_ARENA_EAGER_COMMIT: mi_option_t = 4;
/// `mi_option_purge_delay` in mimalloc.h (v3).
const MI_OPTION_PURGE_DELAY: mi_option_t = 15;

/// Memory mimalloc no longer uses goes back to the system at once, and
/// arenas reserved from here on are committed as they fill (the first one,
/// reserved by the allocations before `main`, keeps mimalloc's eager
/// commit; only the environment could change that). mimalloc's default keeps freed pages
/// for a second and only returns them when the same thread allocates
/// again, so the 19 MiB of a password hash (one runs at start, for
/// sign-ins with an unknown address) stayed resident in an idle server.
/// mimalloc's own environment variables (`MIMALLOC_PURGE_DELAY`,
/// `MIMALLOC_ARENA_EAGER_COMMIT`) still decide where they are set.
#[allow(unsafe_code)]
fn tune_allocator() {
    for (option, variable, value) in [
        (MI_OPTION_PURGE_DELAY, "MIMALLOC_PURGE_DELAY", 0),
        (MI_OPTION_ARENA_EAGER_COMMIT, "MIMALLOC_ARENA_EAGER_COMMIT", 0),
    ] {
        if std::env::var_os(variable).is_none() {
            // SAFETY: mi_option_set stores a number in mimalloc's option
            // table; it runs first in main, before any other thread exists.
            unsafe { libmimalloc_sys::mi_option_set(option, value) };
        }
    }
}

fn main() -> std::process::ExitCode {
    tune_allocator();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build();
    match runtime {
        Ok(runtime) => runtime.block_on(cairn_server::cli::main()),
        Err(error) => {
            eprintln!("cairn: cannot start the async runtime: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option numbers above are mimalloc's: their defaults (mimalloc
    /// v3's options.c) tell them apart from their neighbours.
    #[test]
    #[allow(unsafe_code)]
    fn option_numbers_match_mimalloc() {
        // SAFETY: mi_option_get reads mimalloc's option table.
        let (purge_delay, eager_commit) = unsafe {
            (
                libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY),
                libmimalloc_sys::mi_option_get(MI_OPTION_ARENA_EAGER_COMMIT),
            )
        };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(purge_delay, 1000);
        }
        if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_none() {
            assert_eq!(eager_commit, 2);
        }
    }
}
