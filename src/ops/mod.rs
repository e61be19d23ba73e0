//! Operating the appliance: periodic housekeeping, the store watchdog (later backups).

pub mod housekeeping;
pub mod watchdog;
