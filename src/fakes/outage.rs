//! A network fault on demand, for tests: a database outage without stopping the server other
//! tests share.

/// A TCP relay that can be cut (every connection dropped, new ones refused) and restored.
pub struct Outage {
    pub port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Outage {
    /// Relays 127.0.0.1:`self.port` (a free one) to `host:port`.
    pub fn to(host: &str, port: u16) -> Outage {
        use std::sync::atomic::Ordering;
        let server = format!("{host}:{port}");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("relay");
        let port = listener.local_addr().expect("relay").port();
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let open = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (up2, open2) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !up2.load(Ordering::Acquire) {
                    continue; // dropped: refused
                }
                let Ok(upstream) = std::net::TcpStream::connect(&server) else {
                    continue;
                };
                let mut list = open2.lock().expect("relay");
                list.push(client.try_clone().expect("relay"));
                list.push(upstream.try_clone().expect("relay"));
                for (mut from, mut to) in [
                    (
                        client.try_clone().expect("relay"),
                        upstream.try_clone().expect("relay"),
                    ),
                    (upstream, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Outage { port, up, open }
    }

    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::Release);
        for s in self.open.lock().expect("relay").drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    pub fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::Release);
    }
}
