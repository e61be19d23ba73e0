//! Request bodies under a size cap and two read deadlines (between pieces, and in all), set
//! before anything reads them: the WAF, the extractors and the upload handlers alike.

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use futures_util::StreamExt;
use std::io;
use std::time::Duration;
use tokio::time::Instant;

type Boxed = std::pin::Pin<
    Box<dyn futures_util::Stream<Item = Result<actix_web::web::Bytes, PayloadError>>>,
>;

/// How long a body may take.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// At most this long between two pieces of it.
    pub idle: Duration,
    /// All of it within this long of the first read.
    pub total: Duration,
}

/// The error a too-slow body reads as: `io::ErrorKind::TimedOut`.
pub fn too_slow() -> PayloadError {
    PayloadError::Io(io::Error::new(
        io::ErrorKind::TimedOut,
        "the request body arrived too slowly",
    ))
}

pub fn is_too_slow(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == io::ErrorKind::TimedOut)
}

/// `payload`, ending in `Overflow` past `limit` bytes and in `too_slow()` past a deadline.
/// After an error it ends, and the server closes the connection (the body is left unread).
pub fn bounded(payload: Payload, limit: usize, deadlines: Deadlines) -> Payload {
    let end = Instant::now() + deadlines.total;
    let stream = futures_util::stream::unfold(
        (payload, 0usize, false),
        move |(mut payload, read, over)| async move {
            if over {
                return None;
            }
            let by = (Instant::now() + deadlines.idle).min(end);
            match tokio::time::timeout_at(by, payload.next()).await {
                Err(_) => Some((Err(too_slow()), (payload, read, true))),
                Ok(None) => None,
                Ok(Some(Err(e))) => Some((Err(e), (payload, read, true))),
                Ok(Some(Ok(chunk))) => {
                    let read = read.saturating_add(chunk.len());
                    if read > limit {
                        Some((Err(PayloadError::Overflow), (payload, read, true)))
                    } else {
                        Some((Ok(chunk), (payload, read, false)))
                    }
                }
            }
        },
    );
    Payload::from(Box::pin(stream) as Boxed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::web::Bytes;

    fn trickle(pieces: Vec<(u64, &'static [u8])>) -> Payload {
        let s = futures_util::stream::iter(pieces).then(|(ms, b)| async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok::<_, PayloadError>(Bytes::from_static(b))
        });
        Payload::from(Box::pin(s) as Boxed)
    }

    async fn read(mut p: Payload) -> Result<Vec<u8>, PayloadError> {
        let mut out = Vec::new();
        while let Some(c) = p.next().await {
            out.extend_from_slice(&c?);
        }
        Ok(out)
    }

    const D: Deadlines = Deadlines {
        idle: Duration::from_millis(200),
        total: Duration::from_millis(600),
    };

    #[tokio::test]
    async fn a_body_in_time_and_size_reads_whole() {
        let p = bounded(trickle(vec![(100, b"ab"), (150, b"cd")]), 4, D);
        assert_eq!(read(p).await.unwrap(), b"abcd");
    }

    #[tokio::test]
    async fn a_pause_longer_than_idle_ends_it() {
        let p = bounded(trickle(vec![(100, b"ab"), (300, b"cd")]), 10, D);
        assert!(is_too_slow(&read(p).await.unwrap_err()));
    }

    #[tokio::test]
    async fn steady_trickling_ends_at_the_total_deadline() {
        let pieces = (0..20).map(|_| (150, b"x" as &'static [u8])).collect();
        let started = Instant::now();
        let p = bounded(trickle(pieces), 100, D);
        assert!(is_too_slow(&read(p).await.unwrap_err()));
        assert!(started.elapsed() <= Duration::from_millis(650));
    }

    #[tokio::test]
    async fn more_than_the_limit_overflows() {
        let p = bounded(trickle(vec![(0, b"abc"), (0, b"def")]), 4, D);
        assert!(matches!(read(p).await, Err(PayloadError::Overflow)));
    }
}
