//! Mail the instance itself sends: test emails, verification, password reset, invitations.

use super::Ctx;
use crate::domain::{Email, OutboxMessage};
use crate::mail::{self, templates::*};
use crate::store::Store;
use lettre::message::Mailbox;
use time::OffsetDateTime;

/// Queues a test email to `to`. The caller flushes before acknowledging.
pub fn queue_test_email(
    store: &Store,
    from: &Mailbox,
    instance_url: &str,
    to: &str,
    requested_by: &str,
    now: OffsetDateTime,
) -> Result<OutboxMessage, String> {
    let to = Email::parse(to)?;
    let rendered = TestEmail {
        instance_url,
        requested_by,
    }
    .render()
    .map_err(|e| format!("rendering the test email: {e}"))?;
    mail::queue(store, now, from, &to, rendered, Vec::new()).map_err(|e| format!("{e:#}"))
}

/// Sends a test email straight through the configured relay (not the outbox), reporting each
/// stage. `Err`: bad address, or no relay configured.
pub async fn test_relay(
    smtp: &crate::config::SmtpConfig,
    instance_url: &str,
    to: &str,
    requested_by: &str,
    now: OffsetDateTime,
) -> Result<mail::probe::Report, String> {
    if smtp.host.is_none() {
        return Err("smtp.host is not set: mail is written as files to <data_dir>/mail instead of being sent".into());
    }
    let to = Email::parse(to)?;
    let composer = mail::Composer::from_config(smtp).map_err(|e| format!("{e:#}"))?;
    let rendered = TestEmail {
        instance_url,
        requested_by,
    }
    .render()
    .map_err(|e| format!("rendering the test email: {e}"))?;
    let msg = mail::message(now, &composer.from, &to, rendered, Vec::new());
    Ok(mail::probe::probe(smtp, &composer, &msg).await)
}

fn send(ctx: &Ctx, to: &Email, rendered: askama::Result<Rendered>) -> anyhow::Result<()> {
    let rendered = rendered.map_err(|e| anyhow::anyhow!("rendering an email: {e}"))?;
    mail::queue(
        &ctx.store,
        ctx.clock.now(),
        &ctx.mail_from,
        to,
        rendered,
        Vec::new(),
    )?;
    Ok(())
}

pub fn hours(h: u64) -> String {
    match h {
        1 => "1 hour".into(),
        h if h % 24 == 0 => format!("{} days", h / 24),
        h => format!("{h} hours"),
    }
}

pub fn verification(ctx: &Ctx, name: &str, to: &Email, token: &str) -> anyhow::Result<()> {
    let link = ctx.link(&format!("/verify/{token}"));
    let valid_for = hours(ctx.config.accounts.verify_link_hours);
    let email = VerifyEmail {
        name,
        email: to.as_str(),
        link: &link,
        valid_for: &valid_for,
        instance_url: &ctx.instance_url,
    };
    send(ctx, to, email.render())
}

pub fn reset(ctx: &Ctx, name: &str, to: &Email, token: &str) -> anyhow::Result<()> {
    let link = ctx.link(&format!("/reset/{token}"));
    let valid_for = format!("{} minutes", ctx.config.accounts.reset_link_minutes);
    let email = ResetPassword {
        name,
        link: &link,
        valid_for: &valid_for,
        instance_url: &ctx.instance_url,
    };
    send(ctx, to, email.render())
}

/// The invitation email, built but not queued: the caller stores it in the same transaction as
/// the invitation (a transactional outbox).
pub fn invitation(
    ctx: &Ctx,
    inviter: &str,
    workspace: &str,
    role: &str,
    to: &Email,
    token: &str,
) -> anyhow::Result<OutboxMessage> {
    let link = ctx.link(&format!("/invite/{token}"));
    let valid_for = hours(ctx.config.accounts.invite_link_days * 24);
    let email = InvitationEmail {
        inviter,
        workspace,
        role,
        link: &link,
        valid_for: &valid_for,
        instance_url: &ctx.instance_url,
    };
    let rendered = email
        .render()
        .map_err(|e| anyhow::anyhow!("rendering an email: {e}"))?;
    Ok(mail::message(
        ctx.clock.now(),
        &ctx.mail_from,
        to,
        rendered,
        Vec::new(),
    ))
}

pub fn account_exists(ctx: &Ctx, to: &Email) -> anyhow::Result<()> {
    let reset_link = ctx.link("/reset");
    let email = AccountExists {
        email: to.as_str(),
        reset_link: &reset_link,
        instance_url: &ctx.instance_url,
    };
    send(ctx, to, email.render())
}
