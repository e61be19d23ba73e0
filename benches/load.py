#!/usr/bin/env python3
"""Load drivers for the store floor, against a real `plaudit serve` process.

  load.py hang BIN [--runs 20] [--clients 8] [--creates 5000] [--patches 10000]
      Per run: a fresh data folder; CLIENTS threads create CREATES workspaces (each also writes
      the membership and counters), then patch one workspace PATCHES times (each with an audit
      entry). A watchdog probes /readyz every second. A run hangs when any request or probe gets
      no answer within 20 s, or when SIGTERM does not stop the process within its bound.
  load.py soak BIN [--minutes 30] [--clients 16]
      CLIENTS threads mix sign-ins, every list page, writes with audit entries, invitations whose
      mail the relay refuses (the outbox keeps retrying) and, through all of them, request-log
      batches; the same watchdog. Designed refusals (plan limits, 409s) are counted apart.

Prints one summary line per run and a final figure. Exit 1 when anything hung or errored.
"""
import argparse, http.client, json, os, random, signal, socket, subprocess, sys, tempfile
import shutil, threading, time

PASSWORD = "bench password 123"
TIMEOUT = 20


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


class Client:
    def __init__(self, port, token=None, address=None):
        self.port, self.token, self.conn, self.address = port, token, None, address

    def call(self, method, path, body=None, csv=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            headers = {"content-type": "text/csv" if csv is not None else "application/json"}
            if self.token:
                headers["authorization"] = "Bearer " + self.token
            if self.address:
                headers["x-forwarded-for"] = self.address
            try:
                payload = csv if csv is not None else (json.dumps(body) if body is not None else None)
                self.conn.request(method, path, payload, headers)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, (json.loads(data) if data and data[:1] in b"{[" else None)
            except (ConnectionError, http.client.RemoteDisconnected, BrokenPipeError):
                self.conn = None  # keep-alive closed by the server: reconnect once
                if attempt:
                    raise


class Server:
    def __init__(self, binary, extra_config=""):
        self.dir = tempfile.mkdtemp(prefix="plaudit-load-")
        self.port = free_port()
        cfg = self.cfg = os.path.join(self.dir, "plaudit.toml")
        with open(cfg, "w") as f:
            f.write(f"""
[server]
listen = "127.0.0.1:{self.port}"
shutdown_timeout_secs = 5
[storage]
data_dir = "{self.dir}/data"
stuck_secs = 60
[accounts]
auth_attempts_per_ip = 100000
login_attempts_per_account = 10000
[security]
# Loopback on the allow-list: the WAF still inspects every request, but bans stay out of it.
allow_list = ["127.0.0.1/32", "10.0.0.0/8"]
# Each client says which address it stands for (X-Forwarded-For), as users behind a proxy do:
# per-address quotas and the per-address hashing line then see sixteen users, not one.
trusted_proxies = ["127.0.0.1/32"]
[limits]
per_ip_per_minute = 100000000
per_ip_burst = 100000000
[logs]
access_log = "off"
[plans.standard]
max_locations = 100000000
max_members = 100000000
{extra_config}
""")
        env = dict(os.environ, PLAUDIT_ADMIN_EMAIL="load@example.com", PLAUDIT_ADMIN_PASSWORD=PASSWORD)
        self.log = open(os.path.join(self.dir, "stderr.log"), "w")
        self.proc = subprocess.Popen([binary, "serve", "--config", cfg], env=env,
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("plaudit exited: " + open(os.path.join(self.dir, "stderr.log")).read())
            try:
                if Client(self.port).call("GET", "/readyz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise SystemExit("plaudit did not become ready")

    def login(self, email="load@example.com"):
        status, body = Client(self.port).call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        assert status == 200, (status, body)
        return body["token"]

    def stop(self):
        """SIGTERM; True when the process exited within its bound (5 s + 2 s + slack)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
            return True
        except subprocess.TimeoutExpired:
            self.proc.kill(); self.proc.wait()
            return False


class Watchdog(threading.Thread):
    """Probes /readyz every second; remembers the longest silence. On the first probe that
    fails, dumps every thread's stack with gdb (when installed) into the run's folder."""
    def __init__(self, port, server=None):
        super().__init__(daemon=True)
        self.port, self.stop_flag, self.failures, self.worst = port, False, 0, 0.0
        self.server, self.dumped = server, None

    def run(self):
        c = Client(self.port)
        while not self.stop_flag:
            t0 = time.time()
            try:
                ok = c.call("GET", "/readyz")[0] == 200
            except (OSError, http.client.HTTPException):
                ok, c = False, Client(self.port)
            self.worst = max(self.worst, time.time() - t0)
            self.failures += 0 if ok else 1
            if not ok and self.server and not self.dumped and shutil.which("gdb"):
                self.dumped = os.path.join(self.server.dir, "stacks.txt")
                out = subprocess.run(["gdb", "-p", str(self.server.proc.pid), "-batch", "-ex",
                                      "thread apply all bt 40"], capture_output=True, text=True)
                with open(self.dumped, "w") as f:
                    f.write(out.stdout + out.stderr)
                print("  readyz failed; stacks in", self.dumped, flush=True)
            time.sleep(max(0, 1 - (time.time() - t0)))


class Tally:
    def __init__(self):
        self.lock = threading.Lock(); self.requests = 0; self.refusals = 0; self.errors = []; self.hangs = 0

    def note(self, status, what, designed=()):
        with self.lock:
            self.requests += 1
            if status in designed:
                self.refusals += 1
            elif status >= 400:
                self.errors.append(f"{what}: {status}")


def run_threads(n, target):
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(n)]
    for t in threads: t.start()
    for t in threads: t.join()


def guarded(tally, fn):
    def inner(i):
        try:
            fn(i)
        except (socket.timeout, TimeoutError):
            with tally.lock: tally.hangs += 1
        except Exception as e:  # noqa: BLE001 - any other failure is an error to report
            with tally.lock: tally.errors.append(repr(e))
    return inner


def hang(args):
    total_hangs = total_requests = 0
    for run in range(1, args.runs + 1):
        srv = Server(args.binary); token = srv.login()
        dog = Watchdog(srv.port, srv); dog.start(); tally = Tally(); t0 = time.time()
        created = []

        def create(i):
            c = Client(srv.port, token)
            for n in range(args.creates // args.clients):
                status, body = c.call("POST", "/api/v1/workspaces", {"name": f"W{i}-{n}"})
                tally.note(status, "create")
                if status == 201 and n == 0 and i == 0:
                    created.append(body["id"])
        run_threads(args.clients, guarded(tally, create))

        def patch(i):
            c = Client(srv.port, token)
            for n in range(args.patches // args.clients):
                status, _ = c.call("PATCH", f"/api/v1/workspaces/{created[0]}", {"name": f"P{i}-{n}"})
                tally.note(status, "patch")
        if created:
            run_threads(args.clients, guarded(tally, patch))
        dog.stop_flag = True; dog.join()
        stopped = srv.stop()
        hung = tally.hangs + (0 if stopped else 1) + (1 if dog.worst >= TIMEOUT else 0)
        total_hangs += int(hung > 0); total_requests += tally.requests
        print(f"run {run}: {tally.requests} requests in {time.time() - t0:.1f} s, readyz failures {dog.failures}, "
              f"slowest readyz {dog.worst:.2f} s, errors {len(tally.errors)}, sigterm {'ok' if stopped else 'HUNG'}, "
              f"{'HANG' if hung else 'no hang'}", flush=True)
        if tally.errors: print("  first errors:", tally.errors[:3])
    print(f"hang workload: {args.runs} runs, {total_requests} requests, {total_hangs} hangs")
    return total_hangs == 0


def soak(args):
    refusing_relay = free_port()  # nothing listens: every delivery fails temporarily and is retried
    srv = Server(args.binary, f'[smtp]\nhost = "127.0.0.1"\nport = {refusing_relay}\nsecurity = "none"\n')
    admin = srv.login()
    c = Client(srv.port, admin)
    status, ws = c.call("POST", "/api/v1/workspaces", {"name": "Soak"})
    assert status == 201
    wsid = ws["id"]
    # Reviews arrive (CSV imports) while a showcase set is read as visitors of a site read it,
    # and reviewers are erased: the set walks items that writers and erasures change under it.
    status, _ = c.call("POST", f"/api/v1/workspaces/{wsid}/locations", {"name": "Shop", "timezone": "UTC"})
    assert status == 201
    status, showcase = c.call("POST", f"/api/v1/workspaces/{wsid}/showcases", {"name": "Site", "min_stars": 1, "text_only": False})
    assert status == 201, showcase
    showcase_json = showcase["json_url"][showcase["json_url"].index("/s/"):]
    dog = Watchdog(srv.port, srv); dog.start(); tally = Tally()
    deadline = time.time() + args.minutes * 60
    lists = ["/api/v1/workspaces", f"/api/v1/workspaces/{wsid}/members", f"/api/v1/workspaces/{wsid}/locations",
             f"/api/v1/workspaces/{wsid}/api-keys", f"/api/v1/workspaces/{wsid}/invitations",
             f"/api/v1/workspaces/{wsid}/audit", "/api/v1/me", "/readyz",
             f"/api/v1/workspaces/{wsid}/contacts", f"/api/v1/workspaces/{wsid}/items"]

    def work(i):
        rnd = random.Random(i)
        address = f"10.0.{i // 250}.{i % 250 + 1}"
        me = Client(srv.port, admin, address); anon = Client(srv.port, None, address)
        n = 0
        while time.time() < deadline:
            n += 1; pick = rnd.random()
            if pick < 0.05:
                s, _ = anon.call("POST", "/api/v1/auth/login", {"email": "load@example.com", "password": PASSWORD})
                tally.note(s, "login", designed=(429,))
            elif pick < 0.55:
                s, _ = me.call("GET", rnd.choice(lists) + ("?limit=20" if rnd.random() < 0.5 else ""))
                tally.note(s, "list")
            elif pick < 0.75:
                s, body = me.call("POST", f"/api/v1/workspaces/{wsid}/locations", {"name": f"L{i}-{n}", "timezone": "UTC"})
                tally.note(s, "location")
                if s == 201:
                    s, _ = me.call("PATCH", f"/api/v1/workspaces/{wsid}/locations/{body['id']}", {"archived": True})
                    tally.note(s, "archive")
            elif pick < 0.85:
                s, _ = me.call("POST", f"/api/v1/workspaces/{wsid}/members", {"email": f"soak{i}-{n}@example.com", "role": "viewer"})
                tally.note(s, "invite", designed=(409,))
            elif pick < 0.90:
                s, _ = me.call("PATCH", f"/api/v1/workspaces/{wsid}", {"name": f"Soak {n}"})
                tally.note(s, "patch")
            elif pick < 0.93:
                # Sealed records: each contact's key is written in the same transaction.
                batch = [{"email": f"c{i}-{n}-{k}@example.org", "name": f"Customer {k}"} for k in range(5)]
                s, _ = me.call("POST", f"/api/v1/workspaces/{wsid}/contacts", batch)
                tally.note(s, "contacts")
            elif pick < 0.95:
                # Erasure: records removed, keys shredded, the journal fsynced.
                who = f"c{i}-{rnd.randrange(max(n, 1))}-{rnd.randrange(5)}@example.org"
                s, _ = me.call("POST", f"/api/v1/workspaces/{wsid}/privacy/erase", {"email": who})
                tally.note(s, "erase")
            elif pick < 0.965:
                rows = "".join(f"Shop,Visit {n}-{k},{rnd.randint(1, 5)},2026-0{rnd.randint(1, 9)}-1{k},Guest {i}-{n % 7}\n" for k in range(5))
                s, _ = me.call("POST", f"/api/v1/workspaces/{wsid}/imports/reviews", csv="location,text,rating,created_at,author\n" + rows)
                tally.note(s, "import")
            elif pick < 0.97:
                s, _ = me.call("POST", f"/api/v1/workspaces/{wsid}/privacy/reviewers/erase", {"name": f"Guest {i}-{rnd.randrange(7)}"})
                tally.note(s, "erase reviewer")
            elif pick < 0.99:
                s, _ = anon.call("GET", showcase_json)
                tally.note(s, "showcase")
            else:
                s, _ = me.call("POST", "/api/v1/workspaces", {"name": f"S{i}-{n}"})
                tally.note(s, "create")
    backups = {"made": 0, "changed": 0}

    def back_up():
        # Point-in-time backups through the running server while the clients write: each must
        # finish, and verify.
        out = os.path.join(srv.dir, "backups-out")
        while time.time() < deadline - 30:
            try:
                r = subprocess.run([args.binary, "backup", "--out", out, "--config", srv.cfg],
                                   capture_output=True, text=True, timeout=TIMEOUT * 4)
            except subprocess.TimeoutExpired:
                with tally.lock: tally.hangs += 1
                return
            if r.returncode != 0:
                with tally.lock: tally.errors.append("backup: " + r.stderr[-300:])
                return
            for name in os.listdir(out):
                path = os.path.join(out, name)
                v = subprocess.run([args.binary, "backup", "verify", path, "--config", srv.cfg],
                                   capture_output=True, text=True, timeout=TIMEOUT * 4)
                if v.returncode != 0:
                    with tally.lock: tally.errors.append("verify: " + v.stderr[-300:])
                    return
                if "changed while it was taken" in v.stdout:
                    backups["changed"] += 1
                os.remove(path)
                backups["made"] += 1
            time.sleep(10)

    exports = {"made": 0}

    def export():
        # The whole workspace as a ZIP, streamed page by page while the clients write: each must
        # arrive whole, every entry's CRC right and its JSON readable.
        import io, zipfile
        while time.time() < deadline - 30:
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT * 4)
            try:
                conn.request("GET", f"/api/v1/workspaces/{wsid}/export?format=zip",
                             headers={"authorization": "Bearer " + admin})
                r = conn.getresponse(); data = r.read()
            except (OSError, http.client.HTTPException) as e:
                with tally.lock: tally.errors.append(f"export: {e!r}")
                return
            finally:
                conn.close()
            try:
                z = zipfile.ZipFile(io.BytesIO(data))
                assert r.status == 200 and z.testzip() is None
                json.loads(z.read(f"plaudit-workspace-{wsid}.json"))
            except Exception as e:
                with tally.lock: tally.errors.append(f"export: {r.status} {e!r}")
                return
            exports["made"] += 1
            time.sleep(15)

    exporter = threading.Thread(target=export, daemon=True); exporter.start()
    backer = threading.Thread(target=back_up, daemon=True); backer.start()
    t0 = time.time()
    run_threads(args.clients, guarded(tally, work))
    backer.join(timeout=TIMEOUT * 8)
    exporter.join(timeout=TIMEOUT * 8)
    dog.stop_flag = True; dog.join()
    stopped = srv.stop()
    hangs = tally.hangs + (0 if stopped else 1) + (1 if dog.worst >= TIMEOUT else 0)
    print(f"soak: {args.minutes} min, {args.clients} clients, {tally.requests} requests "
          f"({tally.requests / (time.time() - t0):.0f}/s), designed refusals {tally.refusals}, errors {len(tally.errors)}, "
          f"readyz failures {dog.failures}, slowest readyz {dog.worst:.2f} s, hangs {hangs}, sigterm {'ok' if stopped else 'HUNG'}, "
          f"backups {backups['made']} verified ({backups['changed']} with changes made while they were taken), "
          f"workspace ZIP exports {exports['made']} read whole")
    if tally.errors: print("  first errors:", tally.errors[:5])
    return hangs == 0 and not tally.errors


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hang"); h.add_argument("binary"); h.add_argument("--runs", type=int, default=20)
    h.add_argument("--clients", type=int, default=8); h.add_argument("--creates", type=int, default=5000)
    h.add_argument("--patches", type=int, default=10000)
    s = sub.add_parser("soak"); s.add_argument("binary"); s.add_argument("--minutes", type=float, default=30)
    s.add_argument("--clients", type=int, default=16)
    args = p.parse_args()
    ok = hang(args) if args.cmd == "hang" else soak(args)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
