//! Downloads from a tiny HTTP/1.1 server on 127.0.0.1 (no other address is ever contacted).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use data::download::{download_file, ensure_files};
use data::{DownloadProgress, Error, FailureReason, NoProgress, RemoteFile};

/// Serves `routes` (path -> body; other paths get 404) until dropped, at most `MAX_CONNECTIONS`
/// connections or `LIFETIME`, whichever comes first.
struct Server {
    base: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

const MAX_CONNECTIONS: usize = 16;
const LIFETIME: Duration = Duration::from_secs(30);

impl Server {
    fn start(routes: &[(&str, &[u8])]) -> Server {
        let routes: HashMap<String, Vec<u8>> = routes
            .iter()
            .map(|(p, b)| ((*p).to_string(), b.to_vec()))
            .collect();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + LIFETIME;
            let mut served = 0;
            while served < MAX_CONNECTIONS && Instant::now() < deadline {
                if flag.load(Ordering::Relaxed) {
                    return;
                }
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        let _ = serve(stream, &routes);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server {
            base,
            stop,
            thread: Some(thread),
        }
    }

    /// The base URL of `dir` on this server, e.g. `http://127.0.0.1:PORT/good/`.
    fn url(&self, dir: &str) -> String {
        format!("{}/{dir}/", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, routes: &HashMap<String, Vec<u8>>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("");
    let (status, body): (&str, &[u8]) = match routes.get(path) {
        Some(body) => ("200 OK", body),
        None => ("404 Not Found", b"not found"),
    };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )?;
    out.write_all(body)?;
    out.flush()
}

const GOOD: &[u8] = b"pretend this is a gzip file";
/// MD5 of `GOOD`.
const GOOD_MD5: &str = "4ca8377340f646f90edf29538768ceb1";
const FILE: RemoteFile = RemoteFile {
    name: "t10k-labels-idx1-ubyte.gz",
    md5: GOOD_MD5,
};
const ROUTE: &str = "/good/t10k-labels-idx1-ubyte.gz";
const BAD_ROUTE: &str = "/bad/t10k-labels-idx1-ubyte.gz";

/// Names of all entries in `dir`.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[derive(Default)]
struct Recorder {
    events: Vec<String>,
    bytes: u64,
}

impl DownloadProgress for Recorder {
    fn start(&mut self, file: &str, total: Option<u64>) {
        self.events.push(format!("start {file} {total:?}"));
    }
    fn advance(&mut self, bytes: u64) {
        self.bytes += bytes;
    }
    fn finish(&mut self, file: &str) {
        self.events.push(format!("finish {file}"));
    }
}

#[test]
fn good_file_lands_under_its_final_name_with_no_temp_left() {
    let server = Server::start(&[(ROUTE, GOOD)]);
    let dir = tempfile::tempdir().unwrap();
    let dest_dir = dir.path().join("mnist");
    let mut progress = Recorder::default();
    let path = download_file(&[&server.url("good")], &FILE, &dest_dir, &mut progress).unwrap();
    assert_eq!(path, dest_dir.join(FILE.name));
    assert_eq!(std::fs::read(&path).unwrap(), GOOD);
    assert_eq!(entries(&dest_dir), vec![FILE.name]);
    let len = GOOD.len();
    assert_eq!(
        progress.events,
        vec![
            format!("start {} Some({len})", FILE.name),
            format!("finish {}", FILE.name)
        ]
    );
    assert_eq!(progress.bytes, len as u64);
}

#[test]
fn corrupt_first_mirror_falls_back_to_the_second() {
    let server = Server::start(&[(BAD_ROUTE, b"corrupted bytes"), (ROUTE, GOOD)]);
    let dir = tempfile::tempdir().unwrap();
    let mirrors = [server.url("bad"), server.url("good")];
    let mirrors: Vec<&str> = mirrors.iter().map(String::as_str).collect();
    let path = download_file(&mirrors, &FILE, dir.path(), &mut NoProgress).unwrap();
    assert_eq!(std::fs::read(path).unwrap(), GOOD);
    assert_eq!(entries(dir.path()), vec![FILE.name]);
}

#[test]
fn corrupt_on_every_mirror_is_an_error_leaving_no_file() {
    let server = Server::start(&[(BAD_ROUTE, b"corrupted bytes")]);
    let dir = tempfile::tempdir().unwrap();
    let mirror = server.url("bad");
    let err = download_file(&[&mirror, &mirror], &FILE, dir.path(), &mut NoProgress).unwrap_err();
    let Error::Download { attempts, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(attempts.len(), 2);
    assert!(
        matches!(&attempts[0].reason, FailureReason::Checksum { expected, .. } if expected == GOOD_MD5)
    );
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
    let msg = err.to_string();
    assert!(
        msg.contains(FILE.name) && msg.contains("MD5 mismatch"),
        "{msg}"
    );
    assert!(
        msg.contains("--data-dir") && msg.contains("MYNET_DATA_DIR"),
        "{msg}"
    );
}

#[test]
fn missing_file_is_an_error_naming_every_mirror() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (server.url("one"), server.url("two"));
    let err = download_file(&[&a, &b], &FILE, dir.path(), &mut NoProgress).unwrap_err();
    let Error::Download { attempts, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(attempts
        .iter()
        .all(|f| f.reason == FailureReason::Status(404)));
    let msg = err.to_string();
    assert!(
        msg.contains(&a) && msg.contains(&b) && msg.contains("404"),
        "{msg}"
    );
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn ensure_files_fetches_only_what_is_missing() {
    let server = Server::start(&[(ROUTE, GOOD)]);
    let dir = tempfile::tempdir().unwrap();
    // Present uncompressed: must not be fetched (its route does not exist, so fetching fails).
    std::fs::write(dir.path().join("t10k-images-idx3-ubyte"), b"local").unwrap();
    let files = [
        RemoteFile {
            name: "t10k-images-idx3-ubyte.gz",
            md5: "00000000000000000000000000000000",
        },
        FILE,
    ];
    let got = ensure_files(&[&server.url("good")], &files, dir.path(), &mut NoProgress).unwrap();
    assert_eq!(got, vec![dir.path().join(FILE.name)]);
    // Everything present now: nothing to do, no request made.
    let again = ensure_files(&[&server.url("good")], &files, dir.path(), &mut NoProgress);
    assert!(again.unwrap().is_empty());
}
