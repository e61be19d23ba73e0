//! A network fault on demand, for tests: a database outage without stopping the server other
//! tests share.

/// A TCP relay that can be cut (every connection dropped, new ones refused) and restored.
pub struct Outage {
    pub port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

type Open = std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>;

impl Outage {
    /// Relays 127.0.0.1:`self.port` (a free one) to `host:port`.
    pub fn to(host: &str, port: u16) -> std::io::Result<Outage> {
        use std::sync::atomic::Ordering;
        let server = format!("{host}:{port}");
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let open: Open = Default::default();
        let (up2, open2) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                // Refused while cut: the connection is dropped at once.
                if up2.load(Ordering::Acquire) {
                    let _ = relay(client, &server, &open2);
                }
            }
        });
        Ok(Outage { port, up, open })
    }

    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::Release);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        for s in open.drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    pub fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::Release);
    }
}

/// Copies both ways between `client` and a new connection to `server`, each kept in `open`.
fn relay(client: std::net::TcpStream, server: &str, open: &Open) -> std::io::Result<()> {
    let upstream = std::net::TcpStream::connect(server)?;
    let pairs = [
        (client.try_clone()?, upstream.try_clone()?),
        (upstream.try_clone()?, client.try_clone()?),
    ];
    let mut list = open.lock().unwrap_or_else(|p| p.into_inner());
    list.push(client);
    list.push(upstream);
    for (mut from, mut to) in pairs {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(std::net::Shutdown::Both);
        });
    }
    Ok(())
}
