//! Operating the appliance: periodic housekeeping, the store watchdog (later backups).

pub mod campaigns;
pub mod housekeeping;
pub mod indexer;
pub mod watchdog;
