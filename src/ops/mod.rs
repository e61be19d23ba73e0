//! Operating the appliance: periodic housekeeping, the store watchdog, backups, the indexer
//! and the campaign sender.

pub mod backup;
pub mod campaigns;
pub mod compaction;
pub mod housekeeping;
pub mod indexer;
pub mod retention;
pub mod watchdog;
