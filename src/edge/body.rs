//! Request bodies under a size cap and two read deadlines (between pieces, and in all), set
//! before anything reads them: the WAF, the extractors and the upload handlers alike.

use actix_web::HttpMessage;
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

/// The request's own body stream, shared: while the edge holds a clone past the answer, the
/// server sees it as unread but not abandoned and closes the connection, instead of draining
/// whatever a client keeps trickling into it (what it does with a dropped chunked body).
#[derive(Clone)]
struct Held(std::rc::Rc<std::cell::RefCell<Payload>>);

/// A request body under `bounded`, from the edge's side: whether it was read to its end, and
/// the original stream to keep past the answer when it was not.
pub struct Guarded {
    whole: std::sync::Arc<std::sync::atomic::AtomicBool>,
    held: Held,
}

impl Guarded {
    /// Bounds the body of `req`, if it has one (requests without a body cost nothing here).
    pub fn wrap(
        req: &mut actix_web::dev::ServiceRequest,
        limit: usize,
        deadlines: Deadlines,
    ) -> Option<Self> {
        let headers = req.headers();
        let has_body = headers.contains_key(actix_web::http::header::TRANSFER_ENCODING)
            || headers
                .get(actix_web::http::header::CONTENT_LENGTH)
                .is_some_and(|v| v.as_bytes() != b"0");
        if !has_body {
            return None;
        }
        let whole = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (payload, held) = bounded(req.take_payload(), limit, deadlines, whole.clone());
        req.set_payload(payload);
        Some(Self { whole, held })
    }

    /// The answer, closing the connection when the body was not read to its end (refused,
    /// timed out, or answered without it) instead of draining what the client keeps sending.
    pub fn finish(
        self,
        mut res: actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
    ) -> actix_web::dev::ServiceResponse<actix_web::body::BoxBody> {
        if self.whole.load(std::sync::atomic::Ordering::Acquire) {
            return res;
        }
        res.response_mut()
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
        let held = self.held;
        res.map_body(|_, body| actix_web::body::BoxBody::new(Holding { body, _held: held }))
    }
}

/// An answer's body that keeps the request's unread body (`Held`) alive until the answer is
/// fully written, so the server closes the connection after it instead of draining.
struct Holding {
    body: actix_web::body::BoxBody,
    /// Never read: alive until the answer is written is all it is for.
    _held: Held,
}

impl actix_web::body::MessageBody for Holding {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> actix_web::body::BodySize {
        self.body.size()
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<actix_web::web::Bytes, Self::Error>>> {
        std::pin::Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

/// `payload`, ending in `Overflow` past `limit` bytes and in `too_slow()` past a deadline.
/// `whole` turns true once the body was read to its end; the returned `Held` is the original
/// stream, for `guard` to keep until the answer is sent when it was not.
fn bounded(
    payload: Payload,
    limit: usize,
    deadlines: Deadlines,
    whole: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> (Payload, Held) {
    let end = Instant::now() + deadlines.total;
    let held = Held(std::rc::Rc::new(std::cell::RefCell::new(payload)));
    let inner = held.clone();
    let stream = futures_util::stream::unfold((0usize, false), move |(read, over)| {
        let (whole, inner) = (whole.clone(), inner.clone());
        async move {
            if over {
                return None;
            }
            let by = (Instant::now() + deadlines.idle).min(end);
            // Borrowed only while polled, never across an await.
            let next = tokio::time::timeout_at(
                by,
                futures_util::future::poll_fn(|cx| inner.0.borrow_mut().poll_next_unpin(cx)),
            )
            .await;
            match next {
                Err(_) => Some((Err(too_slow()), (read, true))),
                Ok(None) => {
                    whole.store(true, std::sync::atomic::Ordering::Release);
                    None
                }
                Ok(Some(Err(e))) => Some((Err(e), (read, true))),
                Ok(Some(Ok(chunk))) => {
                    let read = read.saturating_add(chunk.len());
                    if read > limit {
                        Some((Err(PayloadError::Overflow), (read, true)))
                    } else {
                        Some((Ok(chunk), (read, false)))
                    }
                }
            }
        }
    });
    (Payload::from(Box::pin(stream) as Boxed), held)
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

    fn bounded_(p: Payload, limit: usize, d: Deadlines) -> Payload {
        bounded(p, limit, d, Default::default()).0
    }

    const D: Deadlines = Deadlines {
        idle: Duration::from_millis(200),
        total: Duration::from_millis(600),
    };

    #[tokio::test]
    async fn a_body_in_time_and_size_reads_whole() {
        let p = bounded_(trickle(vec![(100, b"ab"), (150, b"cd")]), 4, D);
        assert_eq!(read(p).await.unwrap(), b"abcd");
    }

    #[tokio::test]
    async fn a_pause_longer_than_idle_ends_it() {
        let p = bounded_(trickle(vec![(100, b"ab"), (300, b"cd")]), 10, D);
        assert!(is_too_slow(&read(p).await.unwrap_err()));
    }

    #[tokio::test]
    async fn steady_trickling_ends_at_the_total_deadline() {
        let pieces = (0..20).map(|_| (150, b"x" as &'static [u8])).collect();
        let started = Instant::now();
        let p = bounded_(trickle(pieces), 100, D);
        assert!(is_too_slow(&read(p).await.unwrap_err()));
        assert!(started.elapsed() <= Duration::from_millis(650));
    }

    #[tokio::test]
    async fn more_than_the_limit_overflows() {
        let p = bounded_(trickle(vec![(0, b"abc"), (0, b"def")]), 4, D);
        assert!(matches!(read(p).await, Err(PayloadError::Overflow)));
    }
}
