//! A connection's start: the startup message and whichever sign-in the server asks for
//! (SCRAM-SHA-256, MD5 or a plain password).

use super::{Conn, PgError, Result, server_error};
use crate::store::kv::pg::target::Target;
use fallible_iterator::FallibleIterator;
use postgres_protocol::authentication::{md5_hash, sasl};
use postgres_protocol::message::{backend::Message, frontend};

impl Conn {
    pub(super) fn startup(&mut self, t: &Target) -> Result<()> {
        let timeout = format!("-c statement_timeout={}", t.statement_timeout.as_millis());
        frontend::startup_message(
            [
                ("user", t.user.as_str()),
                ("database", t.dbname.as_str()),
                ("application_name", "plaudit"),
                ("client_encoding", "UTF8"),
                ("options", timeout.as_str()),
            ],
            &mut self.out,
        )?;
        self.send()?;
        let password = || {
            t.password.as_deref().ok_or_else(|| {
                PgError::Protocol("the server asks for a password and the URL gives none".into())
            })
        };
        let mut scram: Option<sasl::ScramSha256> = None;
        loop {
            match self.next()? {
                Message::AuthenticationOk => {}
                Message::AuthenticationCleartextPassword => {
                    frontend::password_message(password()?.as_bytes(), &mut self.out)?;
                    self.send()?;
                }
                Message::AuthenticationMd5Password(body) => {
                    let hash = md5_hash(t.user.as_bytes(), password()?.as_bytes(), body.salt());
                    frontend::password_message(hash.as_bytes(), &mut self.out)?;
                    self.send()?;
                }
                Message::AuthenticationSasl(body) => {
                    let mut mechanisms = body.mechanisms();
                    let mut offered = false;
                    while let Some(m) = mechanisms.next()? {
                        offered |= m == sasl::SCRAM_SHA_256;
                    }
                    if !offered {
                        return Err(PgError::Protocol("the server offers no SASL mechanism this client speaks (SCRAM-SHA-256)".into()));
                    }
                    let s = sasl::ScramSha256::new(
                        password()?.as_bytes(),
                        sasl::ChannelBinding::unsupported(),
                    );
                    frontend::sasl_initial_response(
                        sasl::SCRAM_SHA_256,
                        s.message(),
                        &mut self.out,
                    )?;
                    self.send()?;
                    scram = Some(s);
                }
                Message::AuthenticationSaslContinue(body) => {
                    let s = scram
                        .as_mut()
                        .ok_or_else(|| PgError::Protocol("SASL out of turn".into()))?;
                    s.update(body.data())?;
                    frontend::sasl_response(s.message(), &mut self.out)?;
                    self.send()?;
                }
                Message::AuthenticationSaslFinal(body) => {
                    let s = scram
                        .as_mut()
                        .ok_or_else(|| PgError::Protocol("SASL out of turn".into()))?;
                    s.finish(body.data())?;
                }
                Message::ErrorResponse(body) => return Err(server_error(&body)),
                Message::ReadyForQuery(body) => {
                    self.status = body.status();
                    return Ok(());
                }
                Message::ParameterStatus(_)
                | Message::BackendKeyData(_)
                | Message::NoticeResponse(_) => {}
                _ => {
                    return Err(PgError::Protocol(
                        "the server asks for an authentication this client does not speak".into(),
                    ));
                }
            }
        }
    }
}
