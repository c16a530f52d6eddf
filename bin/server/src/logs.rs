//! Where log lines go: a buffer that a writer thread empties onto stdout.
//!
//! A thread that logs appends its line to the buffer and goes on. The writer
//! thread sleeps until a line arrives in an empty buffer, then waits
//! [`GATHER`] for more and writes everything gathered with one `write`. So under
//! load it wakes about a hundred times a second, not once per line as a queue
//! whose reader is woken by each line it is sent would: at tens of thousands of
//! requests a second those wake-ups take a share of the cores the server needs
//! (docs/PERFORMANCE.md, "The log writer is not woken for each line"). Nothing is
//! dropped: while [`MAX_BUFFERED`] bytes wait (stdout is blocked), a thread that
//! logs waits for the writer to take them.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, Settings};

/// How long the writer waits, after a line arrives, for more to write with it.
const GATHER: Duration = Duration::from_millis(10);

/// Bytes waiting to be written at which a thread that logs waits for the writer.
const MAX_BUFFERED: usize = 4 << 20;

/// Sends the process's logs to stdout through a [`LogBuffer`], coloured only on a
/// terminal, at `LOG_LEVEL`, as text or JSON per `LOG_FORMAT`. Lines still
/// buffered are written when the returned guard is dropped.
pub(crate) fn init(settings: &Settings) -> anyhow::Result<LogGuard> {
    let filter = EnvFilter::new(format!("{},actix_server=warn", settings.log_level()?));
    let ansi = std::io::stdout().is_terminal();
    let (writer, guard) = LogBuffer::start(std::io::stdout());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(ansi)
        .with_writer(writer);
    match settings.log_format()? {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    Ok(guard)
}

/// Log lines not yet written, shared by the threads that log and the writer.
#[derive(Clone)]
pub(crate) struct LogBuffer(Arc<Shared>);

struct Shared {
    state: Mutex<State>,
    /// Signalled when a line arrives in an empty buffer, when the buffer is
    /// full, and when the process is done logging.
    arrived: Condvar,
    /// Signalled when the writer has taken the buffer's lines.
    taken: Condvar,
}

#[derive(Default)]
struct State {
    lines: Vec<u8>,
    closed: bool,
}

/// Stops the writer thread when dropped, once it has written every line.
pub(crate) struct LogGuard {
    buffer: LogBuffer,
    writer: Option<JoinHandle<()>>,
}

impl LogBuffer {
    /// A buffer, and the writer thread that empties it into `out`.
    fn start(out: impl Write + Send + 'static) -> (Self, LogGuard) {
        let buffer = Self(Arc::new(Shared {
            state: Mutex::default(),
            arrived: Condvar::new(),
            taken: Condvar::new(),
        }));
        let writer = buffer.clone();
        let handle = std::thread::Builder::new()
            .name("log-writer".to_owned())
            .spawn(move || writer.write_out(out))
            .expect("the log writer thread starts");
        let guard = LogGuard {
            buffer: buffer.clone(),
            writer: Some(handle),
        };
        (buffer, guard)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The writer thread: writes what gathers until the process is done logging.
    fn write_out(&self, mut out: impl Write) {
        let mut spare = Vec::new();
        loop {
            let mut state = self.state();
            while state.lines.is_empty() && !state.closed {
                state = wait(&self.0.arrived, state);
            }
            if !state.closed && state.lines.len() < MAX_BUFFERED {
                drop(state);
                std::thread::sleep(GATHER);
                state = self.state();
            }
            let mut lines = std::mem::replace(&mut state.lines, spare);
            let closed = state.closed;
            drop(state);
            self.0.taken.notify_all();
            // A log that cannot be written (stdout closed) is not worth stopping for.
            let _ = out.write_all(&lines).and_then(|()| out.flush());
            if closed {
                return;
            }
            lines.clear();
            spare = lines;
        }
    }
}

/// Releases `state` until `signal` is signalled, then takes it again.
fn wait<'a>(signal: &Condvar, state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
    signal
        .wait(state)
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Write for &LogBuffer {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let mut state = self.state();
        loop {
            if state.closed {
                drop(state);
                return std::io::stdout().write(line);
            }
            if state.lines.len() < MAX_BUFFERED {
                break;
            }
            self.0.arrived.notify_one();
            state = wait(&self.0.taken, state);
        }
        let was_empty = state.lines.is_empty();
        state.lines.extend_from_slice(line);
        drop(state);
        if was_empty {
            self.0.arrived.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogBuffer {
    type Writer = &'a LogBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.buffer.state().closed = true;
        self.buffer.0.arrived.notify_one();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the writer thread wrote, readable by the test.
    #[derive(Clone, Default)]
    struct Written(Arc<Mutex<Vec<u8>>>);

    impl Write for Written {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_whole_and_in_each_threads_order() {
        let written = Written::default();
        let (buffer, guard) = LogBuffer::start(written.clone());
        // Enough to fill the buffer more than once, so loggers wait for the writer.
        let lines_per_thread = 2 * MAX_BUFFERED / 1000;
        let loggers: Vec<_> = (0..3)
            .map(|thread| {
                let buffer = buffer.clone();
                std::thread::spawn(move || {
                    for n in 0..lines_per_thread {
                        let line = format!("{thread} {n:08} {}\n", "x".repeat(980));
                        (&buffer).write_all(line.as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for logger in loggers {
            logger.join().unwrap();
        }
        drop(guard);

        let text = String::from_utf8(written.0.lock().unwrap().clone()).unwrap();
        let mut next = [0; 3];
        for line in text.lines() {
            let (thread, rest) = line.split_once(' ').unwrap();
            let (n, padding) = rest.split_once(' ').unwrap();
            assert_eq!(padding.len(), 980, "a line was cut or merged");
            let thread: usize = thread.parse().unwrap();
            assert_eq!(n.parse::<usize>().unwrap(), next[thread], "thread {thread}");
            next[thread] += 1;
        }
        assert_eq!(next, [lines_per_thread; 3]);
    }

    #[test]
    fn a_line_logged_alone_is_written_without_waiting_for_the_guard() {
        let written = Written::default();
        let (buffer, _guard) = LogBuffer::start(written.clone());
        (&buffer).write_all(b"alone\n").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while written.0.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "never written");
            std::thread::sleep(GATHER);
        }
        assert_eq!(*written.0.lock().unwrap(), b"alone\n");
    }
}
