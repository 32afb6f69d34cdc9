//! How each injected [`Fault`] looks on the wire. Runs in front of TikTok's endpoints,
//! like a gateway: a faulted request never reaches them (except `ProcessThenStall`).

use std::io;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use serde_json::json;

use crate::api_error::message_for;
use crate::faults::Fault;
use crate::state::{SandboxState, lock};

pub(super) async fn inject(
    State(state): State<Arc<SandboxState>>,
    request: Request,
    next: Next,
) -> Response {
    state.counters.request();
    let fault = lock(&state.faults).next(request.uri().path());
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    state.counters.fault();
    tracing::debug!(?fault, path = request.uri().path(), "injecting");
    if let Fault::ProcessThenStall(delay) = fault {
        let response = next.run(request).await;
        tokio::time::sleep(delay).await;
        return response;
    }
    // A gateway reads the request before it answers. Answering with the body unread
    // makes hyper close the connection after the answer, and a client that pooled the
    // connection then meets a closed socket on its next request. A body too large to
    // read is dropped: the fault's answer follows all the same.
    let _ = axum::body::to_bytes(request.into_body(), MAX_DRAINED_BYTES).await;
    match fault {
        Fault::Code(code) => state.envelope(code, message_for(code), json!({})),
        Fault::Status(status) => gateway_page(status),
        Fault::Stall(delay) => {
            tokio::time::sleep(delay).await;
            gateway_page(StatusCode::GATEWAY_TIMEOUT)
        }
        Fault::ProcessThenStall(_) => unreachable!("answered above"),
        Fault::Reset => cut_off_response(),
        Fault::NotJson => (
            StatusCode::OK,
            [(CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>",
        )
            .into_response(),
    }
}

/// The most of a faulted request's body read before answering: TikTok's requests are
/// at most 1 MB, and axum's own limit for the endpoints is 2 MB.
const MAX_DRAINED_BYTES: usize = 4 << 20;

/// An nginx-style error page, as the gateways in front of APIs send.
fn gateway_page(status: StatusCode) -> Response {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("Error");
    let html = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n\
         <center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n\
         </body>\r\n</html>\r\n"
    );
    (status, [(CONTENT_TYPE, "text/html")], html).into_response()
}

/// HTTP 200 and the start of a JSON body, then the connection drops. The body is
/// streamed (chunked); after the first chunk the stream yields once, so the server
/// flushes what it has, then fails, which makes hyper abort the connection.
fn cut_off_response() -> Response {
    let chunks = stream::unfold(0, |step| async move {
        match step {
            0 => Some((Ok(Bytes::from_static(b"{\"code\":0,\"message\":\"O")), 1)),
            1 => {
                tokio::task::yield_now().await;
                let reset =
                    io::Error::new(io::ErrorKind::ConnectionReset, "injected connection reset");
                Some((Err(reset), 2))
            }
            _ => None,
        }
    });
    (
        StatusCode::OK,
        [(CONTENT_TYPE, "application/json")],
        Body::from_stream(chunks),
    )
        .into_response()
}
