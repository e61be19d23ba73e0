//! One connection to a PostgreSQL-wire server, spoken synchronously over a socket (TLS by
//! rustls when asked): startup, authentication (SCRAM-SHA-256, MD5, password) and the extended
//! query protocol with binary parameters and results. Synchronous on purpose: the store is
//! called from async handlers and blocking threads alike, as it is with sled, and a client
//! with a runtime of its own cannot be entered from inside another.

use super::target::{Target, Tls};
use super::tls::start_tls;

mod startup;
use bytes::{Bytes, BytesMut};
use fallible_iterator::FallibleIterator;
use postgres_protocol::message::{backend::Message, frontend};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};

/// What a statement failed with.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("PostgreSQL connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("PostgreSQL said {code}: {message}")]
    Server { code: String, message: String },
    #[error("PostgreSQL connection: {0}")]
    Protocol(String),
}

impl PgError {
    /// SQLSTATE 40001 (serialization failure) or 40P01 (deadlock): run the transaction again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, PgError::Server { code, .. } if code == "40001" || code == "40P01")
    }

    /// The connection cannot be used any more (the server went away, or the stream broke).
    pub fn is_broken(&self) -> bool {
        matches!(self, PgError::Io(_) | PgError::Protocol(_))
            || matches!(self, PgError::Server { code, .. } if code.starts_with("08") || code.starts_with("57P"))
    }
}

pub type Result<T> = std::result::Result<T, PgError>;

/// A parameter, sent in binary.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    Bytes(&'a [u8]),
    Text(&'a str),
    Int(i64),
}

impl Param<'_> {
    fn oid(&self) -> u32 {
        match self {
            Param::Bytes(_) => 17, // bytea
            Param::Text(_) => 25,  // text
            Param::Int(_) => 20,   // int8
        }
    }
}

/// A row: each column's binary value (`None`: NULL).
pub type Row = Vec<Option<Bytes>>;

enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

pub struct Conn {
    stream: Stream,
    input: BytesMut,
    out: BytesMut,
    /// Statements parsed on this connection: SQL → name.
    prepared: HashMap<String, String>,
    /// The next statement's number: names are never reused on one connection.
    named: u64,
    /// The transaction state the server last reported: b'I' idle, b'T' in one, b'E' failed.
    pub status: u8,
    /// Messages sent since the pool last counted them: each one a round trip.
    pub sent: u64,
}

impl Conn {
    pub fn connect(t: &Target) -> Result<Conn> {
        // Each address the name resolves to in turn ("localhost" may be ::1 first while the
        // server listens on 127.0.0.1 only).
        let mut last = None;
        let mut tcp = None;
        for addr in (t.host.as_str(), t.port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, t.connect_timeout) {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let tcp = match (tcp, last) {
            (Some(s), _) => s,
            (None, Some(e)) => return Err(e.into()),
            (None, None) => {
                return Err(PgError::Protocol(format!("{} does not resolve", t.host)));
            }
        };
        tcp.set_nodelay(true)?;
        // A server that stops answering fails the statement instead of hanging the store: the
        // server's own statement_timeout comes first; this catches a dead peer.
        tcp.set_read_timeout(Some(
            t.statement_timeout + std::time::Duration::from_secs(5),
        ))?;
        tcp.set_write_timeout(Some(t.connect_timeout))?;
        let stream = match &t.tls {
            Tls::Disable => Stream::Plain(tcp),
            mode => match start_tls(tcp, &t.host, mode)? {
                Ok(tls) => Stream::Tls(Box::new(tls)),
                Err(plain) => Stream::Plain(plain),
            },
        };
        let mut conn = Conn {
            stream,
            input: BytesMut::with_capacity(8192),
            out: BytesMut::with_capacity(8192),
            prepared: HashMap::new(),
            named: 0,
            status: b'I',
            sent: 0,
        };
        conn.startup(t)?;
        Ok(conn)
    }

    /// Runs SQL without parameters (one or several statements: DDL, BEGIN, COMMIT).
    pub fn simple(&mut self, sql: &str) -> Result<()> {
        frontend::query(sql, &mut self.out)?;
        self.send()?;
        self.until_ready(|_| Ok(()))
    }

    /// Runs one statement with `params` and returns its rows.
    pub fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>> {
        self.queue(sql, params)?;
        frontend::sync(&mut self.out);
        self.send()?;
        let mut rows = Vec::new();
        self.until_ready(|m| {
            if let Message::DataRow(body) = m {
                rows.push(row(&body)?);
            }
            Ok(())
        })?;
        Ok(rows)
    }

    /// Runs `sql` once with each set of `params`, all in one round trip; the rows of each run,
    /// in order.
    pub fn query_each(&mut self, sql: &str, params: &[Vec<Param<'_>>]) -> Result<Vec<Vec<Row>>> {
        if params.is_empty() {
            return Ok(Vec::new());
        }
        for p in params {
            self.queue(sql, p)?;
        }
        frontend::sync(&mut self.out);
        self.send()?;
        let mut out = vec![Vec::new()];
        self.until_ready(|m| {
            match m {
                Message::DataRow(body) => {
                    if let Some(rows) = out.last_mut() {
                        rows.push(row(&body)?);
                    }
                }
                Message::CommandComplete(_) => out.push(Vec::new()),
                _ => {}
            }
            Ok(())
        })?;
        out.truncate(params.len());
        if out.len() != params.len() {
            return Err(PgError::Protocol("a pipelined run went unanswered".into()));
        }
        Ok(out)
    }

    /// Runs statements one after the other in one round trip; the first failure stops the rest
    /// (and, inside a transaction, fails it).
    pub fn pipeline(&mut self, statements: &[(&str, Vec<Param<'_>>)]) -> Result<()> {
        for (sql, params) in statements {
            self.queue(sql, params)?;
        }
        frontend::sync(&mut self.out);
        self.send()?;
        self.until_ready(|_| Ok(()))
    }

    /// Parse (once per connection and statement), Bind and Execute, not yet sent.
    fn queue(&mut self, sql: &str, params: &[Param<'_>]) -> Result<()> {
        let name = match self.prepared.get(sql) {
            Some(name) => name.clone(),
            None => {
                let name = format!("p{}", self.named);
                self.named += 1;
                frontend::parse(&name, sql, params.iter().map(Param::oid), &mut self.out)?;
                // Kept as prepared once sent: a failed Parse fails this whole round trip, and
                // `until_ready` then forgets every statement.
                self.prepared.insert(sql.to_string(), name.clone());
                name
            }
        };
        frontend::bind(
            "",
            &name,
            [1i16],
            params.iter(),
            |p, buf| {
                match p {
                    Param::Bytes(b) => buf.extend_from_slice(b),
                    Param::Text(s) => buf.extend_from_slice(s.as_bytes()),
                    Param::Int(i) => buf.extend_from_slice(&i.to_be_bytes()),
                }
                Ok(postgres_protocol::IsNull::No)
            },
            [1i16],
            &mut self.out,
        )
        .map_err(|e| match e {
            frontend::BindError::Conversion(e) => PgError::Protocol(e.to_string()),
            frontend::BindError::Serialization(e) => PgError::Io(e),
        })?;
        frontend::execute("", 0, &mut self.out)?;
        Ok(())
    }

    /// Reads messages until ReadyForQuery, handing each to `each`; a server error is returned
    /// once the server is ready again (the connection stays usable).
    fn until_ready(&mut self, mut each: impl FnMut(Message) -> Result<()>) -> Result<()> {
        let mut failed = None;
        loop {
            match self.next()? {
                Message::ReadyForQuery(body) => {
                    self.status = body.status();
                    return match failed {
                        Some(e) => {
                            // A statement whose Parse failed is not prepared: parse it again
                            // next time (it may have failed for a missing table since made).
                            self.prepared.clear();
                            self.simple_discard()?;
                            Err(e)
                        }
                        None => Ok(()),
                    };
                }
                Message::ErrorResponse(body) if failed.is_none() => {
                    failed = Some(server_error(&body));
                }
                Message::ErrorResponse(_) => {}
                m if failed.is_none() => each(m)?,
                _ => {}
            }
        }
    }

    /// Forgets every statement prepared on the server, as `prepared` was just emptied.
    fn simple_discard(&mut self) -> Result<()> {
        if self.status == b'I' {
            frontend::query("DEALLOCATE ALL", &mut self.out)?;
            self.send()?;
            self.until_ready(|_| Ok(()))?;
        }
        // Inside a (failed) transaction they stay until the session ends; later statements get
        // new names (`named`).
        Ok(())
    }

    fn send(&mut self) -> Result<()> {
        self.sent += 1;
        self.stream.write_all(&self.out)?;
        self.stream.flush()?;
        self.out.clear();
        Ok(())
    }

    fn next(&mut self) -> Result<Message> {
        loop {
            if let Some(m) = Message::parse(&mut self.input)? {
                return Ok(m);
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(PgError::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                )));
            }
            self.input.extend_from_slice(&chunk[..n]);
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        frontend::terminate(&mut self.out);
        let _ = self.send();
    }
}

fn row(body: &postgres_protocol::message::backend::DataRowBody) -> Result<Row> {
    let buf = body.buffer_bytes();
    let mut out = Vec::new();
    let mut ranges = body.ranges();
    while let Some(r) = ranges.next()? {
        out.push(r.map(|r| buf.slice(r)));
    }
    Ok(out)
}

fn server_error(body: &postgres_protocol::message::backend::ErrorResponseBody) -> PgError {
    let (mut code, mut message) = (String::new(), String::new());
    let mut fields = body.fields();
    while let Ok(Some(f)) = fields.next() {
        match f.type_() {
            b'C' => code = String::from_utf8_lossy(f.value_bytes()).into_owned(),
            b'M' => message = String::from_utf8_lossy(f.value_bytes()).into_owned(),
            _ => {}
        }
    }
    PgError::Server { code, message }
}
