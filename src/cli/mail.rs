//! `plaudit admin test-email --to ADDRESS`: one message straight through the relay, stage by
//! stage, with the likely fix of the stage that failed. Needs no running server.

use super::{Failed, runtime};
use crate::config::Config;

pub fn test_email(config: &Config, to: &str) -> Result<(), Failed> {
    let instance_url = config.server.public_url.as_ref().map_or_else(
        || format!("http://{}", config.server.listen),
        |u| u.to_string(),
    );
    let report = runtime()?
        .block_on(crate::services::mailing::test_relay(
            &config.smtp,
            &instance_url,
            to,
            "plaudit admin test-email",
            crate::Clock::now(&crate::SystemClock),
        ))
        .map_err(Failed::Usage)?;
    println!("relay {}", report.relay);
    for s in &report.stages {
        println!(
            "{:>4}  {:<15} {}",
            if s.ok { "ok" } else { "FAIL" },
            s.stage,
            s.detail
        );
    }
    match (&report.hint, report.delivered) {
        (_, true) => {
            println!("the relay accepted the test message for {to}");
            Ok(())
        }
        (Some(hint), false) => Err(Failed::Runtime(format!("test email not sent: {hint}"))),
        (None, false) => Err(Failed::Runtime("test email not sent".into())),
    }
}
