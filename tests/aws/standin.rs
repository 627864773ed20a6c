//! A stand-in AWS endpoint for what no emulator has: Amazon Connect (REST-JSON ListQueues,
//! GetCurrentMetricData and GetMetricDataV2) and the SSM paths that emulators cannot produce (awsJson1.1:
//! DescribeInstanceInformation, Failed / TimedOut / slow InProgress invocations,
//! InvocationDoesNotExist right after SendCommand, ThrottlingException, 5xx). A tiny
//! HTTP/1.1 server on a free loopback port, scripted per test by a handler closure, that
//! records every request it gets.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone)]
pub struct Request {
    /// `SendCommand`, `ListQueues`, `GetCurrentMetricData`, …
    pub operation: String,
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub body: Value,
    /// When it arrived.
    pub at: std::time::Instant,
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Wait this long before answering (slow service, timeouts).
    pub delay: Duration,
}

impl Reply {
    pub fn json(value: Value) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: value.to_string(),
            delay: Duration::ZERO,
        }
    }

    /// An awsJson1.1 error (SSM): the type travels in `__type`.
    pub fn aws_json_error(status: u16, kind: &str, message: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/x-amz-json-1.1".into())],
            body: json!({ "__type": kind, "message": message }).to_string(),
            delay: Duration::ZERO,
        }
    }

    /// A REST-JSON error (Connect): the type travels in `x-amzn-ErrorType`.
    pub fn rest_error(status: u16, kind: &str, message: &str) -> Reply {
        Reply {
            status,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-amzn-errortype".into(), kind.into()),
            ],
            body: json!({ "message": message }).to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn delayed(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
}

type Handler = Box<dyn FnMut(&Request) -> Reply + Send>;

pub struct StandIn {
    pub url: String,
    log: Arc<Mutex<Vec<Request>>>,
    handler: Arc<Mutex<Handler>>,
    task: tokio::task::JoinHandle<()>,
}

impl StandIn {
    pub async fn start(handler: impl FnMut(&Request) -> Reply + Send + 'static) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind stand-in");
        let port = listener.local_addr().expect("addr").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Mutex<Handler>> = Arc::new(Mutex::new(Box::new(handler)));
        let (l, h) = (log.clone(), handler.clone());
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (l, h) = (l.clone(), h.clone());
                tokio::spawn(async move {
                    let _ = serve(sock, l, h).await;
                });
            }
        });
        StandIn { url: format!("http://127.0.0.1:{port}"), log, handler, task }
    }

    /// Replaces the script (a fault clears, a new phase starts).
    pub fn set_handler(&self, handler: impl FnMut(&Request) -> Reply + Send + 'static) {
        *self.handler.lock().expect("handler lock") = Box::new(handler);
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().expect("log lock").clone()
    }

    pub fn count(&self, operation: &str) -> usize {
        self.requests().iter().filter(|r| r.operation == operation).count()
    }

    pub fn clear(&self) {
        self.log.lock().expect("log lock").clear();
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut sock: TcpStream,
    log: Arc<Mutex<Vec<Request>>>,
    handler: Arc<Mutex<Handler>>,
) -> std::io::Result<()> {
    loop {
        let mut buf = Vec::new();
        let head_end = loop {
            let mut chunk = [0u8; 4096];
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut body = buf[head_end + 4..].to_vec();
        while body.len() < len {
            let mut chunk = vec![0u8; len - body.len()];
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            body.extend_from_slice(&chunk[..n]);
        }
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), parse_query(q)),
            None => (target.clone(), HashMap::new()),
        };
        let operation = match headers.get("x-amz-target") {
            Some(t) => t.rsplit('.').next().unwrap_or_default().to_string(),
            None if path.starts_with("/queues-summary/") => "ListQueues".into(),
            None if path.starts_with("/metrics/current/") => "GetCurrentMetricData".into(),
            None if path == "/metrics/data" => "GetMetricDataV2".into(),
            None if path.starts_with("/routing-profiles/") && path.ends_with("/associate-queues") => {
                "AssociateRoutingProfileQueues".into()
            }
            None if path.starts_with("/routing-profiles/") && path.ends_with("/disassociate-queues") => {
                "DisassociateRoutingProfileQueues".into()
            }
            None => format!("{method} {path}"),
        };
        let req = Request {
            operation,
            method,
            path,
            query,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            at: std::time::Instant::now(),
        };
        log.lock().expect("log lock").push(req.clone());
        let reply = (handler.lock().expect("handler lock"))(&req);
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        let mut out = format!("HTTP/1.1 {} X\r\ncontent-length: {}\r\n", reply.status, reply.body.len());
        for (k, v) in &reply.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("x-amzn-requestid: standin\r\n\r\n");
        out.push_str(&reply.body);
        sock.write_all(out.as_bytes()).await?;
    }
}

fn parse_query(q: &str) -> HashMap<String, String> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), percent_decode(v)))
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).to_string()
}

/// The quota AWS enforces, as AWS enforces it: a token bucket of `burst` requests refilled at
/// `rate_per_s`, shared by every caller of the stand-in; a request that finds it empty is
/// answered ThrottlingException (429) and counted.
#[derive(Debug)]
pub struct Quota {
    rate_per_s: f64,
    burst: f64,
    tokens: f64,
    at: std::time::Instant,
    pub admitted: usize,
    pub throttled: usize,
}

impl Quota {
    pub fn new(rate_per_s: f64, burst: u32) -> Quota {
        Quota {
            rate_per_s,
            burst: f64::from(burst),
            tokens: f64::from(burst),
            at: std::time::Instant::now(),
            admitted: 0,
            throttled: 0,
        }
    }

    /// Connect's GetCurrentMetricData quota: 5 requests/s, burst 8, per account and Region.
    pub fn connect() -> Quota {
        Quota::new(5.0, 8)
    }

    /// Takes a token for one request; false (and counted) when there is none.
    pub fn admit(&mut self) -> bool {
        let now = std::time::Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * self.rate_per_s;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.admitted += 1;
            true
        } else {
            self.throttled += 1;
            false
        }
    }

    /// `reply` when the quota admits the request, else Connect's throttling answer.
    pub fn gate(&mut self, reply: impl FnOnce() -> Reply) -> Reply {
        if self.admit() { reply() } else { Reply::rest_error(429, "ThrottlingException", "Rate exceeded") }
    }
}
