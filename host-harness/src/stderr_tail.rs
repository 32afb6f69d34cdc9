//! The guest's stderr, keeping its last bytes. A panic's message is the last thing a
//! guest writes; wasmtime's `MemoryOutputPipe` keeps the first bytes and then fails the
//! guest's writes, so a plugin that wrote 64 KiB first would hide why it panicked.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Takes every write; holds the last `capacity` bytes.
#[derive(Clone)]
pub(crate) struct TailPipe {
    buffer: Arc<Mutex<VecDeque<u8>>>,
    capacity: usize,
}

impl TailPipe {
    pub(crate) fn new(capacity: usize) -> TailPipe {
        TailPipe {
            buffer: Arc::new(Mutex::new(VecDeque::with_capacity(capacity.min(4096)))),
            capacity,
        }
    }

    /// The last `capacity` bytes written.
    pub(crate) fn contents(&self) -> Vec<u8> {
        self.buffer.lock().unwrap().iter().copied().collect()
    }

    fn push(&self, bytes: &[u8]) {
        let mut buffer = self.buffer.lock().unwrap();
        let keep = &bytes[bytes.len().saturating_sub(self.capacity)..];
        buffer.extend(keep);
        let excess = buffer.len().saturating_sub(self.capacity);
        buffer.drain(..excess);
    }
}

impl IsTerminal for TailPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for TailPipe {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
}

impl OutputStream for TailPipe {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    /// Always ready for a whole buffer: older bytes make room.
    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(self.capacity.max(1))
    }
}

#[async_trait::async_trait]
impl Pollable for TailPipe {
    async fn ready(&mut self) {}
}

impl AsyncWrite for TailPipe {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.push(bytes);
        Poll::Ready(Ok(bytes.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_bytes_are_kept_and_every_write_succeeds() {
        let mut pipe = TailPipe::new(8);
        for chunk in ["0123456789", "ab", "panic!"] {
            pipe.write(Bytes::from(chunk)).unwrap();
            assert_eq!(pipe.check_write().unwrap(), 8);
        }
        assert_eq!(String::from_utf8(pipe.contents()).unwrap(), "abpanic!");
    }
}
