//! Export answers: one JSON document, or (`?format=zip`) a ZIP of it with a CSV per table;
//! whole, or streamed from a blocking thread for exports too big to hold.

use super::Answer;
use crate::http::ApiError;
use actix_web::http::header::CONTENT_DISPOSITION;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use std::io::Write;

/// How an export is answered: one JSON document (the default), or a ZIP of that document with
/// a CSV per table.
/// Other parameters are ignored, as on every route (a cache-buster must not break a download).
#[derive(Deserialize, schemars::JsonSchema, Default)]
pub struct FormatQuery {
    #[serde(default)]
    format: Option<Format>,
}

#[derive(Deserialize, schemars::JsonSchema, PartialEq, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Format {
    Json,
    Zip,
}

impl FormatQuery {
    pub fn zip(&self) -> bool {
        self.format == Some(Format::Zip)
    }
}

fn attachment(name: &str) -> (actix_web::http::header::HeaderName, String) {
    (
        CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}\""),
    )
}

/// An export held in memory, as asked: JSON, or `stem`.zip.
pub async fn whole(
    v: impl serde::Serialize,
    q: &FormatQuery,
    stem: &'static str,
    now: time::OffsetDateTime,
) -> Answer {
    if !q.zip() {
        return Ok(HttpResponse::Ok()
            .insert_header(attachment(&format!("{stem}.json")))
            .json(v));
    }
    let doc = serde_json::to_value(v).map_err(|e| ApiError::internal(e.into()))?;
    let zip = web::block(move || crate::export_zip::of_document(&doc, stem, now))
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(crate::export_zip::CONTENT_TYPE)
        .insert_header(attachment(&format!("{stem}.zip")))
        .body(zip))
}

/// An export written by `write(out, zip)` on a blocking thread into a small channel the
/// response reads, so memory stays flat whatever it holds. An error cuts the response short
/// (the client sees a broken transfer, never a complete-looking file).
pub fn streamed(
    q: &FormatQuery,
    stem: &str,
    write: impl FnOnce(&mut dyn Write, bool) -> anyhow::Result<()> + Send + 'static,
) -> HttpResponse {
    let zip = q.zip();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        let mut out = Chunks {
            tx: tx.clone(),
            buf: Vec::new(),
        };
        if let Err(e) = write(&mut out, zip).and_then(|()| Ok(out.flush()?)) {
            tracing::warn!(error = %format!("{e:#}"), "export stopped");
            let _ = tx.blocking_send(Err(std::io::Error::other("export failed")));
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let (kind, ext) = if zip {
        (crate::export_zip::CONTENT_TYPE, "zip")
    } else {
        ("application/json", "json")
    };
    HttpResponse::Ok()
        .content_type(kind)
        .insert_header(attachment(&format!("{stem}.{ext}")))
        .streaming(body)
}

/// The response body as it is written: 64 KiB chunks into the channel the response reads.
struct Chunks {
    tx: tokio::sync::mpsc::Sender<Result<web::Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl Write for Chunks {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 64 * 1024 {
            self.flush()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = web::Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::other("the reader left"))
    }
}
