//! Input files mapped into memory, so that records are found in the page cache itself rather
//! than in a copy of it.
//!
//! Why: on the machines `pol run` was measured on, the kernel's copy of a file into a read
//! buffer (`read(2)`) was the largest single cost of a 5M-household run after typing: 12% of
//! its CPU samples in a slow phase of the VM, about 1.5% in a fast one (BENCHMARKS.md,
//! section 4). Mapping the file removes that copy; the records are still copied once, into
//! their chunk, by the reader thread.
//!
//! Memory: the pages of a mapped file count in the process's resident set while they are
//! mapped, so the reader releases what it has passed ([`MappedFile::release_before`]), a few
//! MiB at a time. The pages stay in the page cache; only the mapping lets go of them.
//!
//! This is the only module of the crate allowed `unsafe`, for two calls:
//! - [`memmap2::Mmap::map`]: the map's bytes are only valid while no other process truncates
//!   or rewrites the file. `pol run` reads input files that it does not write, and a batch
//!   export is not written while a run reads it; if a file shrinks while mapped, the process
//!   gets `SIGBUS` rather than reading undefined bytes. This is the same contract as any
//!   tool that maps its input (ripgrep maps large files by default). Files that cannot be
//!   mapped (pipes, empty files, special files) are read with `read(2)` instead.
//! - `madvise(MADV_DONTNEED)` on a read-only shared mapping: the released pages are read
//!   again from the file if touched; no byte of the map changes.
#![expect(unsafe_code, reason = "mapping input files and releasing the pages already read")]

use memmap2::{Mmap, UncheckedAdvice};

/// Pages are released in steps of this many bytes (a multiple of every page size).
const RELEASE_STEP: usize = 8 << 20;

/// A read-only mapping of a whole input file.
#[derive(Debug)]
pub(crate) struct MappedFile {
    map: Mmap,
    /// Bytes before this offset have been released.
    released: usize,
}

impl MappedFile {
    /// Maps `file`, or `None` when it cannot be mapped (not a regular file, empty, or the
    /// mapping fails): the caller then reads it.
    pub(crate) fn new(file: &std::fs::File) -> Option<MappedFile> {
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.len() == 0 {
            return None;
        }
        // SAFETY: see the module documentation: the file is an input `pol` only reads, and the
        // map is read-only.
        let map = unsafe { Mmap::map(file) }.ok()?;
        let _ = map.advise(memmap2::Advice::Sequential);
        Some(MappedFile { map, released: 0 })
    }

    /// The file's bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Lets go of the pages wholly before `offset` (the reader has copied every record that
    /// ends there), in steps of [`RELEASE_STEP`].
    pub(crate) fn release_before(&mut self, offset: usize) {
        let end = offset - offset % RELEASE_STEP;
        if end <= self.released {
            return;
        }
        // SAFETY: the map is a shared read-only mapping of a file: after `MADV_DONTNEED`, a
        // touched page is read again from the file, so the map's bytes do not change.
        let _ =
            unsafe { self.map.unchecked_advise_range(UncheckedAdvice::DontNeed, self.released, end - self.released) };
        self.released = end;
    }
}
