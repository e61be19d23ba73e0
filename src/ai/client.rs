//! An OpenAI-compatible chat-completions client: one call with a deadline, a few retries on
//! timeouts, 429 and 5xx, errors in words a person can act on. Answers are never logged.

use crate::config::AiConfig;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    pub role: &'static str,
    pub content: String,
}

impl ChatMessage {
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: "system",
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: "user",
            content: content.into(),
        }
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: "assistant",
            content: content.into(),
        }
    }
}

/// What the model said, and what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("the model server did not answer in {0} s")]
    Timeout(u64),
    #[error("the model server could not be reached ({0})")]
    Unreachable(String),
    #[error("the model server refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the model server's answer was not understood ({0})")]
    Malformed(String),
}

impl ModelError {
    /// Worth another try: the server may answer next time.
    fn passing(&self) -> bool {
        match self {
            Self::Timeout(_) | Self::Unreachable(_) => true,
            Self::Refused { status, .. } => *status == 429 || *status >= 500,
            Self::Malformed(_) => false,
        }
    }
}

pub struct ModelClient {
    http: reqwest::Client,
    url: url::Url,
    model: String,
    key: Option<String>,
    timeout: Duration,
    retries: u32,
    max_tokens: u32,
    stream: bool,
}

#[derive(Serialize)]
struct Request<'a> {
    model: &'a str,
    messages: &'a [ChatMessage],
    max_tokens: u32,
    temperature: f32,
    stream: bool,
}

#[derive(Deserialize)]
struct Answer {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<Said>,
    #[serde(default)]
    delta: Option<Said>,
}

#[derive(Deserialize, Default)]
struct Said {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize, Clone, Copy, Default)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
}

impl ModelClient {
    /// A client for `[ai]`; `None` when drafts are off or no server is set.
    pub fn new(config: &AiConfig) -> anyhow::Result<Option<Self>> {
        let Some(base) = config.base_url.as_ref().filter(|_| config.enabled) else {
            return Ok(None);
        };
        let mut base = base.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let url = base.join("chat/completions")?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Some(Self {
            http,
            url,
            model: config.model.clone(),
            key: config.api_key()?,
            timeout: Duration::from_secs(config.timeout_secs),
            retries: config.retries,
            max_tokens: config.max_tokens,
            stream: false,
        }))
    }

    /// Asks for streamed answers (server-sent events) instead of one JSON answer; the result
    /// is the same, put together.
    pub fn streaming(mut self, on: bool) -> Self {
        self.stream = on;
        self
    }

    /// The model's answer to `messages`, tried again after a passing failure.
    pub async fn complete(&self, messages: &[ChatMessage]) -> Result<Completion, ModelError> {
        let mut attempt = 0;
        loop {
            match self.once(messages).await {
                Err(e) if e.passing() && attempt < self.retries => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                }
                other => return other,
            }
        }
    }

    async fn once(&self, messages: &[ChatMessage]) -> Result<Completion, ModelError> {
        let body = Request {
            model: &self.model,
            messages,
            max_tokens: self.max_tokens,
            temperature: 0.4,
            stream: self.stream,
        };
        let mut req = self.http.post(self.url.clone()).json(&body);
        if let Some(k) = &self.key {
            req = req.bearer_auth(k);
        }
        let resp = req.send().await.map_err(|e| self.transport(&e))?;
        let status = resp.status();
        let streamed = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let text = resp.text().await.map_err(|e| self.transport(&e))?;
        if !status.is_success() {
            let message = serde_json::from_str::<ErrorAnswer>(&text)
                .map(|e| e.error.message)
                .unwrap_or_else(|_| text.chars().take(200).collect());
            return Err(ModelError::Refused {
                status: status.as_u16(),
                message,
            });
        }
        if streamed {
            parse_stream(&text)
        } else {
            parse_answer(&text)
        }
    }

    fn transport(&self, e: &reqwest::Error) -> ModelError {
        if e.is_timeout() {
            ModelError::Timeout(self.timeout.as_secs())
        } else {
            // The error's own words name the host and the cause, never the request body.
            ModelError::Unreachable(e.to_string())
        }
    }
}

fn parse_answer(text: &str) -> Result<Completion, ModelError> {
    let a: Answer = serde_json::from_str(text).map_err(|e| ModelError::Malformed(e.to_string()))?;
    let said = a
        .choices
        .into_iter()
        .next()
        .and_then(|c| c.message)
        .and_then(|m| m.content)
        .ok_or_else(|| ModelError::Malformed("no choice with a message".into()))?;
    let u = a.usage.unwrap_or_default();
    Ok(Completion {
        text: said,
        prompt_tokens: u.prompt_tokens,
        completion_tokens: u.completion_tokens,
    })
}

/// A streamed answer (server-sent events, `data: {chunk}` … `data: [DONE]`) put together.
fn parse_stream(text: &str) -> Result<Completion, ModelError> {
    let mut out = String::new();
    let mut usage = Usage::default();
    let mut done = false;
    for line in text.lines() {
        let Some(data) = line.strip_prefix("data:").map(str::trim) else {
            continue;
        };
        if data == "[DONE]" {
            done = true;
            break;
        }
        let chunk: Answer =
            serde_json::from_str(data).map_err(|e| ModelError::Malformed(e.to_string()))?;
        if let Some(u) = chunk.usage {
            usage = u;
        }
        for c in chunk.choices {
            if let Some(piece) = c.delta.and_then(|d| d.content) {
                out.push_str(&piece);
            }
        }
    }
    if !done {
        return Err(ModelError::Malformed(
            "the stream ended without [DONE]".into(),
        ));
    }
    Ok(Completion {
        text: out,
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_streamed_answers_read_the_same() {
        let plain = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Thanks a lot!"}}],"usage":{"prompt_tokens":12,"completion_tokens":3}}"#;
        let streamed = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n\
            data: {\"choices\":[{\"delta\":{\"content\":\"Thanks\"}}]}\n\n\
            : a comment line\n\
            data: {\"choices\":[{\"delta\":{\"content\":\" a lot!\"}}]}\n\n\
            data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}\n\n\
            data: [DONE]\n\n";
        let a = parse_answer(plain).unwrap();
        assert_eq!(a, parse_stream(streamed).unwrap());
        assert_eq!((a.text.as_str(), a.prompt_tokens), ("Thanks a lot!", 12));
        assert!(matches!(
            parse_stream("data: {\"choices\":[]}\n"),
            Err(ModelError::Malformed(_))
        ));
        assert!(matches!(parse_answer("{}"), Err(ModelError::Malformed(_))));
        assert!(matches!(
            parse_answer(r#"{"choices":[]}"#),
            Err(ModelError::Malformed(_))
        ));
    }
}
